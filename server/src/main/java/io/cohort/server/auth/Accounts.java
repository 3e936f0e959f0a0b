package io.cohort.server.auth;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.Row;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Value;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.config.AuthConfig;
import io.cohort.server.model.DbException;
import io.cohort.server.model.ErrorCode;
import io.cohort.server.model.KeyCodec;
import io.cohort.server.model.Names;
import io.cohort.server.model.Shown;
import io.cohort.server.model.Table;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The users a member admits: the bootstrap administrator from its settings, and the group's
 * users, which live in the replicated system table {@value #TABLE} (written by the account
 * calls, applied like any transaction, so every member, a restarted or cloned one included,
 * knows them).
 *
 * <p>Checking a password costs a PBKDF2 derivation (tens of milliseconds). A member remembers,
 * per user, a SHA-256 of the stored hash and the password that last matched, so later calls with
 * the same password cost one SHA-256; a changed password or hash, or a dropped user, misses.
 * What is remembered is bounded by the number of users.
 */
public final class Accounts {
  /** The replicated table of users. */
  public static final String TABLE = Names.SYSTEM_PREFIX + "users";
  public static final String USER = "user";
  public static final String HASH = "password_hash";
  public static final String PRIVILEGES = "privileges";

  private final AuthConfig config;
  private final Account admin;
  private final Supplier<DataSnapshot> snapshots;
  private final LongSupplier changedAt;
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
  private volatile Loaded loaded = new Loaded(-1, Map.of());

  private record Loaded(long version, Map<String, Account> users) {}

  /**
   * @param config    the member's account settings
   * @param snapshots consistent reads of the applied data
   * @param changedAt the last applied change to a system table (the applier's)
   */
  public Accounts(AuthConfig config, Supplier<DataSnapshot> snapshots, LongSupplier changedAt) {
    this.config = config;
    this.snapshots = snapshots;
    this.changedAt = changedAt;
    this.admin = config.enabled()
        ? new Account(config.adminUser(), PasswordHash.of(config.adminPassword()).encoded(), Privilege.all(), true)
        : null;
  }

  /** Whether calls need a user. */
  public boolean enabled() {
    return config.enabled();
  }

  /** The users table's definition. */
  public static TableSchema tableDefinition() {
    return TableSchema.newBuilder().setName(TABLE)
        .addColumns(Column.newBuilder().setName(USER).setType(ColumnType.STRING))
        .addColumns(Column.newBuilder().setName(HASH).setType(ColumnType.STRING))
        .addColumns(Column.newBuilder().setName(PRIVILEGES).setType(ColumnType.STRING))
        .addPrimaryKey(USER).build();
  }

  /** The row that stores {@code a}. */
  public static Row row(String user, String hash, java.util.Set<Privilege> privileges) {
    return Row.newBuilder().putColumns(USER, text(user)).putColumns(HASH, text(hash))
        .putColumns(PRIVILEGES, text(Privilege.format(privileges))).build();
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  /**
   * The account {@code user} proves with {@code password}.
   *
   * @throws DbException UNAUTHENTICATED, the same for an unknown user and a wrong password
   */
  public Account authenticate(String user, String password) {
    Account a = find(user);
    if (a != null) {
      byte[] digest = digest(a.hash(), password);
      byte[] known = verified.get(a.name());
      if (known != null && MessageDigest.isEqual(known, digest)) {
        return a;
      }
      if (PasswordHash.parse(a.hash()).matches(password)) {
        verified.put(a.name(), digest);
        return a;
      }
    }
    throw new DbException(ErrorCode.UNAUTHENTICATED, "access denied for user '" + Shown.of(user)
        + "': no such user on member, or a wrong password");
  }

  /** The account named {@code user}: the bootstrap administrator first, then the group's users. */
  public Account find(String user) {
    if (admin != null && admin.name().equals(user)) {
      return admin;
    }
    Account a = users().get(user);
    if (a == null) {
      verified.remove(user);
    }
    return a;
  }

  /** The group's users as this member has applied them, by name. */
  public Map<String, Account> users() {
    Loaded l = loaded;
    long v = changedAt.getAsLong();
    if (l.version() != v) {
      l = load(v);
      loaded = l;
    }
    return l.users();
  }

  /** The bootstrap administrator's name (null with accounts off). */
  public String adminName() {
    return admin == null ? null : admin.name();
  }

  private Loaded load(long version) {
    Map<String, Account> users = new LinkedHashMap<>();
    try (DataSnapshot snap = snapshots.get()) {
      Table t = snap.catalog().byName(TABLE);
      if (t != null) {
        byte[] prefix = t.rowPrefix();
        try (var c = snap.view(t).scanRows(prefix, KeyCodec.prefixEnd(prefix), false)) {
          for (; c.hasNext(); c.advance()) {
            Row r = parse(c.value());
            String name = r.getColumnsOrDefault(USER, Value.getDefaultInstance()).getStringValue();
            String hash = r.getColumnsOrDefault(HASH, Value.getDefaultInstance()).getStringValue();
            String privileges = r.getColumnsOrDefault(PRIVILEGES, Value.getDefaultInstance()).getStringValue();
            users.put(name, new Account(name, hash, privileges.isEmpty() ? EnumSet.noneOf(Privilege.class)
                : Privilege.parse(List.of(privileges)), false));
          }
        }
      }
    }
    return new Loaded(version, Collections.unmodifiableMap(users));
  }

  private static Row parse(byte[] bytes) {
    try {
      return Row.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored row of " + TABLE + " is corrupt: " + e.getMessage(), e);
    }
  }

  private static byte[] digest(String hash, String password) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(hash.getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
      d.update(password.getBytes(StandardCharsets.UTF_8));
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
