package io.cohort.server.replica;

import io.cohort.server.apply.Applier;
import io.cohort.server.model.Shown;
import io.cohort.server.recovery.LogPurger;
import io.cohort.server.storage.Storage;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A named replication channel of a multi-source replica (MySQL's FOR CHANNEL): a read replica of
 * another group, with its own store (its rows, log and gtid_executed, under
 * {@code <data-dir>/channels/<name>}), applier, receiver and filters. The member serves every
 * channel's tables to clients as one database ({@link MultiSourceReplica}).
 */
public final class ReplicaChannel implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

  /** What the operator configured for a channel: its name, the group it replicates, where, and which tables. */
  public record Spec(String name, String groupUuid, List<String> sources, ReplicationFilter filter) {
    public Spec {
      checkName(name);
      if (groupUuid.isEmpty() || groupUuid.length() > 64) {
        throw new IllegalArgumentException("channel " + name + " needs the group_name of the group it replicates"
            + " (NAME=GROUP_NAME@HOST:PORT[,HOST:PORT...])");
      }
      if (sources.isEmpty()) {
        throw new IllegalArgumentException("channel " + name + " needs at least one source address"
            + " (NAME=GROUP_NAME@HOST:PORT[,HOST:PORT...])");
      }
      sources = List.copyOf(sources);
    }

    /** {@code GROUP_NAME@HOST:PORT[,HOST:PORT...]} for the channel {@code name}. */
    public static Spec parse(String name, String value, ReplicationFilter filter) {
      checkName(name);
      int at = value.indexOf('@');
      if (at < 0) {
        throw new IllegalArgumentException("channel " + name + ": '" + Shown.of(value) + "' is not"
            + " GROUP_NAME@HOST:PORT[,HOST:PORT...]");
      }
      List<String> sources = java.util.Arrays.stream(value.substring(at + 1).split(",")).map(String::trim)
          .filter(x -> !x.isEmpty()).toList();
      return new Spec(name, value.substring(0, at).trim(), sources, filter);
    }
  }

  /** Refuses a channel name that is not 1 to 64 letters, digits or underscores. */
  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("channel name '" + Shown.of(String.valueOf(name)) + "' is not 1 to 64"
          + " letters, digits or underscores");
    }
  }

  private final Spec spec;
  private final Storage storage;
  private final Applier applier;
  private final ReadReplica replica;
  private final LogPurger purger;

  public ReplicaChannel(Spec spec, Storage storage, Applier applier, ReadReplica replica, LogPurger purger) {
    this.spec = spec;
    this.storage = storage;
    this.applier = applier;
    this.replica = replica;
    this.purger = purger;
  }

  public String name() {
    return spec.name();
  }

  public String groupUuid() {
    return spec.groupUuid();
  }

  public Applier applier() {
    return applier;
  }

  public ReadReplica replica() {
    return replica;
  }

  /** Purges what this channel's log no longer needs; called periodically. */
  public void purgeLog() {
    purger.run();
  }

  /** Stops receiving, applies what was queued, closes the channel's store. */
  @Override
  public void close() {
    replica.close();
    storage.close();
  }
}
