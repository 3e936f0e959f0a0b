package io.cohort.server.api;

import io.cohort.proto.AlterUserRequest;
import io.cohort.proto.CreateUserRequest;
import io.cohort.proto.DropUserRequest;
import io.cohort.proto.Key;
import io.cohort.proto.ListUsersResponse;
import io.cohort.proto.Transaction;
import io.cohort.proto.UserInfo;
import io.cohort.proto.UserResponse;
import io.cohort.proto.Value;
import io.cohort.server.auth.Account;
import io.cohort.server.auth.Accounts;
import io.cohort.server.auth.PasswordHash;
import io.cohort.server.auth.Privilege;
import io.cohort.server.config.AuthConfig;
import io.cohort.server.model.DbException;
import io.cohort.server.model.Shown;
import io.cohort.server.txn.ServerTransaction;
import io.cohort.server.txn.SnapshotPins;
import io.grpc.stub.StreamObserver;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The account calls: each checks its request, then commits one change to the users table
 * ({@link Accounts#TABLE}) as an ordinary transaction, creating the table first if the group
 * has none yet.
 */
final class AccountCalls {
  private final MemberContext m;
  private final Committer committer;

  AccountCalls(MemberContext m, Committer committer) {
    this.m = m;
    this.committer = committer;
  }

  void create(CreateUserRequest req, StreamObserver<UserResponse> out) {
    String user = checkUser(req.getUser());
    checkPassword(req.getPassword());
    Set<Privilege> privileges = Privilege.parse(req.getPrivilegesList());
    String hash = PasswordHash.of(req.getPassword()).encoded();
    withTable(out, () -> change(out, tx -> {
      if (tx.get(Accounts.TABLE, key(user)).isPresent()) {
        if (req.getIfNotExists()) {
          return null;
        }
        throw DbException.exists("user '%s' already exists", user);
      }
      tx.insert(Accounts.TABLE, Accounts.row(user, hash, privileges));
      return info(user, privileges);
    }));
  }

  void alter(AlterUserRequest req, StreamObserver<UserResponse> out) {
    String user = checkUser(req.getUser());
    if (!req.getPassword().isEmpty()) {
      checkPassword(req.getPassword());
    }
    Set<Privilege> grant = Privilege.parse(req.getGrantList());
    Set<Privilege> revoke = Privilege.parse(req.getRevokeList());
    String newHash = req.getPassword().isEmpty() ? null : PasswordHash.of(req.getPassword()).encoded();
    change(out, tx -> {
      Account a = existing(tx, user);
      Set<Privilege> p = a.privileges().isEmpty() ? EnumSet.noneOf(Privilege.class) : EnumSet.copyOf(a.privileges());
      p.addAll(grant);
      p.removeAll(revoke);
      tx.upsert(Accounts.TABLE, Accounts.row(user, newHash == null ? a.hash() : newHash, p));
      return info(user, p);
    });
  }

  void drop(DropUserRequest req, StreamObserver<UserResponse> out) {
    String user = checkUser(req.getUser());
    change(out, tx -> {
      if (m.data().catalog().byName(Accounts.TABLE) == null || tx.get(Accounts.TABLE, key(user)).isEmpty()) {
        if (req.getIfExists()) {
          return null;
        }
        throw DbException.notFound("user '%s' does not exist", user);
      }
      tx.delete(Accounts.TABLE, key(user));
      return UserInfo.newBuilder().setUser(user).build();
    });
  }

  ListUsersResponse list() {
    ListUsersResponse.Builder b = ListUsersResponse.newBuilder();
    String admin = m.accounts().adminName();
    if (admin != null) {
      b.addUsers(info(admin, Privilege.all()).toBuilder().setBootstrap(true));
    }
    for (Account a : m.accounts().users().values()) {
      if (!a.name().equals(admin)) {
        b.addUsers(info(a.name(), a.privileges()));
      }
    }
    return b.build();
  }

  private Account existing(ServerTransaction tx, String user) {
    if (m.data().catalog().byName(Accounts.TABLE) == null) {
      throw DbException.notFound("user '%s' does not exist", user);
    }
    return tx.get(Accounts.TABLE, key(user)).map(r -> new Account(user,
            r.getColumnsOrThrow(Accounts.HASH).getStringValue(),
            Privilege.parse(java.util.List.of(r.getColumnsOrThrow(Accounts.PRIVILEGES).getStringValue())), false))
        .orElseThrow(() -> DbException.notFound("user '%s' does not exist", user));
  }

  /** Runs {@code body} in a transaction and commits it; a null result means nothing to change. */
  private void change(StreamObserver<UserResponse> out, Function<ServerTransaction, UserInfo> body) {
    ServerTransaction tx = m.registry().startUnregistered();
    UserInfo info;
    Transaction built;
    SnapshotPins.Pin pin;
    try {
      info = body.apply(tx);
      built = info == null ? null : tx.buildCommit(m.memberId(), m.wallClock().getAsLong());
      pin = tx.detachPin();
    } finally {
      tx.close();
    }
    committer.commit(m.config().consistency(), built, pin, out, result -> {
      UserResponse.Builder r = UserResponse.newBuilder().setGtid(result.getGtid());
      if (info != null) {
        r.setUser(info);
      }
      return r.build();
    });
  }

  /** Runs {@code next} once the users table exists, creating it first when it does not. */
  private void withTable(StreamObserver<UserResponse> out, Runnable next) {
    SystemTables.ensure(m, committer, Accounts.tableDefinition(), next, e -> out.onError(Errors.toStatus(e)));
  }

  private String checkUser(String user) {
    if (!AuthConfig.UserNames.valid(user)) {
      throw DbException.invalid("'%s' is not a user name (%s)", Shown.of(user), AuthConfig.UserNames.RULE);
    }
    if (user.equals(m.accounts().adminName())) {
      throw DbException.invalid("'%s' is the bootstrap administrator (admin-user), which each member's settings"
          + " define; it cannot be changed through the group", user);
    }
    return user;
  }

  private static void checkPassword(String password) {
    if (password.isEmpty() || password.length() > AuthConfig.MAX_PASSWORD_LENGTH) {
      throw DbException.invalid("a password has 1 to %d characters, not %d", AuthConfig.MAX_PASSWORD_LENGTH,
          password.length());
    }
  }

  private static Key key(String user) {
    return Key.newBuilder().addValues(Value.newBuilder().setStringValue(user)).build();
  }

  private static UserInfo info(String user, Set<Privilege> privileges) {
    UserInfo.Builder b = UserInfo.newBuilder().setUser(user);
    privileges.stream().sorted().forEach(p -> b.addPrivileges(p.name()));
    return b.build();
  }
}
