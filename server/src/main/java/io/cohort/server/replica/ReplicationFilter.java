package io.cohort.server.replica;

import io.cohort.proto.RowChange;
import io.cohort.proto.Transaction;
import io.cohort.server.model.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which tables a replica keeps, by MySQL's table filter rules: {@code replicate-do-table} and
 * {@code replicate-ignore-table} name tables exactly; {@code replicate-wild-do-table} and
 * {@code replicate-wild-ignore-table} take patterns where {@code %} is any run of characters and
 * {@code _} any one ({@code \_} and {@code \%} are themselves). A table is kept when a do rule
 * names it; otherwise dropped when an ignore rule does, in that order (exact, then wild); failing
 * both, kept only when there are no do rules. The system tables ({@code cohort$…}, the accounts)
 * are always kept.
 *
 * <p>A transaction is kept with only the changes to kept tables, possibly none: a filtered
 * transaction still takes its GTID on the replica, as an empty transaction. Pure.
 */
public final class ReplicationFilter {
  /** Keeps everything. */
  public static final ReplicationFilter NONE = new ReplicationFilter(List.of(), List.of(), List.of(), List.of());

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$]{1,64}");
  private static final Pattern WILD = Pattern.compile("[A-Za-z0-9_$%\\\\]{1,128}");

  private final Set<String> doTables;
  private final Set<String> ignoreTables;
  private final List<Pattern> wildDo;
  private final List<Pattern> wildIgnore;
  private final String shown;
  private final List<List<String>> rules;

  /**
   * @throws IllegalArgumentException when a name or pattern is not one (the message quotes at
   *     most its first 64 characters)
   */
  public ReplicationFilter(List<String> doTables, List<String> ignoreTables, List<String> wildDo,
      List<String> wildIgnore) {
    this.doTables = Set.copyOf(check(doTables, NAME, "replicate-do-table"));
    this.ignoreTables = Set.copyOf(check(ignoreTables, NAME, "replicate-ignore-table"));
    this.wildDo = check(wildDo, WILD, "replicate-wild-do-table").stream().map(ReplicationFilter::compile).toList();
    this.wildIgnore = check(wildIgnore, WILD, "replicate-wild-ignore-table").stream()
        .map(ReplicationFilter::compile).toList();
    this.rules = List.of(List.copyOf(doTables), List.copyOf(ignoreTables), List.copyOf(wildDo), List.copyOf(wildIgnore));
    StringBuilder b = new StringBuilder();
    show(b, "Replicate_Do_Table", doTables);
    show(b, "Replicate_Ignore_Table", ignoreTables);
    show(b, "Replicate_Wild_Do_Table", wildDo);
    show(b, "Replicate_Wild_Ignore_Table", wildIgnore);
    this.shown = b.toString();
  }

  /**
   * The filter of one channel of a multi-source replica ({@code ""}: the default channel) from
   * the rules as configured, where {@code NAME:rule} is a rule of channel NAME only (MySQL's
   * channel-specific filters) and a bare rule is global. The default channel takes the global
   * rules; a named channel takes, for each of the four kinds, its own rules of that kind if it has
   * any, else the global ones.
   *
   * @throws IllegalArgumentException when a rule names a channel not in {@code channels}, or is bad
   */
  public static ReplicationFilter forChannel(String channel, Set<String> channels, List<String> doTables,
      List<String> ignoreTables, List<String> wildDo, List<String> wildIgnore) {
    return new ReplicationFilter(rulesFor(channel, channels, doTables), rulesFor(channel, channels, ignoreTables),
        rulesFor(channel, channels, wildDo), rulesFor(channel, channels, wildIgnore));
  }

  private static List<String> rulesFor(String channel, Set<String> channels, List<String> configured) {
    List<String> global = new ArrayList<>();
    List<String> own = new ArrayList<>();
    for (String rule : configured) {
      int colon = rule.indexOf(':');
      if (colon < 0) {
        global.add(rule);
        continue;
      }
      String name = rule.substring(0, colon);
      if (channels.stream().noneMatch(name::equalsIgnoreCase)) {
        String cut = name.length() > 64 ? name.substring(0, 64) + "…" : name;
        throw new IllegalArgumentException("replicate-* rule for channel '" + cut + "', which is not a channel of"
            + " this replica (channels: " + String.join(", ", channels) + ")");
      }
      if (name.equalsIgnoreCase(channel)) {
        own.add(rule.substring(colon + 1));
      }
    }
    return channel.isEmpty() || own.isEmpty() ? global : own;
  }

  private static List<String> check(List<String> items, Pattern valid, String key) {
    for (String s : items) {
      if (!valid.matcher(s).matches()) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        throw new IllegalArgumentException(key + ": '" + cut + "' is not a table name" + (valid == WILD
            ? " pattern (letters, digits, _, $, % and \\, at most 128)" : " (letters, digits, _ and $, at most 64)"));
      }
    }
    return List.copyOf(items);
  }

  private static void show(StringBuilder b, String name, List<String> items) {
    if (!items.isEmpty()) {
      b.append(b.isEmpty() ? "" : "; ").append(name).append(": ").append(String.join(",", items));
    }
  }

  /** MySQL's LIKE: % any run, _ any one character, a backslash makes the next one literal. */
  private static Pattern compile(String wild) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < wild.length(); i++) {
      char c = wild.charAt(i);
      if (c == '\\' && i + 1 < wild.length()) {
        re.append(Pattern.quote(String.valueOf(wild.charAt(++i))));
      } else if (c == '%') {
        re.append(".*");
      } else if (c == '_') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  /** Whether this filter keeps everything. */
  public boolean keepsAll() {
    return shown.isEmpty();
  }

  /** The rules as SHOW REPLICA STATUS lists them, "" when there are none. */
  public String describe() {
    return shown;
  }

  /** The rules into SHOW REPLICA STATUS. */
  public io.cohort.proto.ReplicaStatus.Builder showIn(io.cohort.proto.ReplicaStatus.Builder b) {
    return b.setReplicateDoTable(String.join(",", rules.get(0))).setReplicateIgnoreTable(String.join(",", rules.get(1)))
        .setReplicateWildDoTable(String.join(",", rules.get(2))).setReplicateWildIgnoreTable(String.join(",", rules.get(3)));
  }

  /** Whether changes to {@code table} are applied here. */
  public boolean replicates(String table) {
    if (Names.isSystem(table) || doTables.contains(table)) {
      return true;
    }
    if (ignoreTables.contains(table)) {
      return false;
    }
    for (Pattern p : wildDo) {
      if (p.matcher(table).matches()) {
        return true;
      }
    }
    for (Pattern p : wildIgnore) {
      if (p.matcher(table).matches()) {
        return false;
      }
    }
    return doTables.isEmpty() && wildDo.isEmpty();
  }

  /** {@code tx} with only the changes this filter keeps: itself when it keeps them all. */
  public Transaction apply(Transaction tx) {
    if (keepsAll()) {
      return tx;
    }
    if (tx.hasDdl()) {
      return replicates(ddlTable(tx)) ? tx : tx.toBuilder().clearDdl().build();
    }
    List<RowChange> kept = new ArrayList<>(tx.getChangesCount());
    for (RowChange ch : tx.getChangesList()) {
      if (replicates(ch.getTable())) {
        kept.add(ch);
      }
    }
    if (kept.size() == tx.getChangesCount()) {
      return tx;
    }
    return tx.toBuilder().clearChanges().addAllChanges(kept).build();
  }

  private static String ddlTable(Transaction tx) {
    var d = tx.getDdl();
    return switch (d.getChangeCase()) {
      case CREATE_TABLE -> d.getCreateTable().getName();
      case DROP_TABLE -> d.getDropTable().getTable();
      case CREATE_UNIQUE_KEY -> d.getCreateUniqueKey().getTable();
      case DROP_UNIQUE_KEY -> d.getDropUniqueKey().getTable();
      case CHANGE_NOT_SET -> "";
    };
  }
}
