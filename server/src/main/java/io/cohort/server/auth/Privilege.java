package io.cohort.server.auth;

import io.cohort.server.model.DbException;
import io.cohort.server.model.Shown;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a user may do. Each is needed by its own calls; none implies another. */
public enum Privilege {
  /** Reads: get and scan, describe and list tables. */
  READ,
  /** Row changes: insert, update, upsert, delete. */
  WRITE,
  /** Schema changes: create and drop tables and unique keys. */
  DDL,
  /** Group administration and accounts: set-primary, mode switches, forced restarts, users. */
  ADMIN,
  /** What members ask of each other: the transaction log, join, probes, clone. */
  REPLICATION;

  /** Every privilege. */
  public static Set<Privilege> all() {
    return EnumSet.allOf(Privilege.class);
  }

  /**
   * Parses a comma-separated list such as {@code READ,WRITE}, or {@code ALL}.
   *
   * @throws DbException INVALID_ARGUMENT naming what is not a privilege
   */
  public static Set<Privilege> parse(java.util.List<String> names) {
    Set<Privilege> out = EnumSet.noneOf(Privilege.class);
    for (String raw : names) {
      for (String n : raw.split(",")) {
        String name = n.trim().toUpperCase(Locale.ROOT);
        if (name.isEmpty()) {
          continue;
        }
        if (name.equals("ALL")) {
          out.addAll(all());
          continue;
        }
        try {
          out.add(valueOf(name));
        } catch (IllegalArgumentException e) {
          throw DbException.invalid("'%s' is not a privilege (READ, WRITE, DDL, ADMIN, REPLICATION or ALL)",
              Shown.of(n.trim()));
        }
      }
    }
    return out;
  }

  /** The set as stored and shown: names in declaration order, comma-separated. */
  public static String format(Set<Privilege> privileges) {
    return privileges.stream().sorted().map(Enum::name).collect(Collectors.joining(","));
  }
}
