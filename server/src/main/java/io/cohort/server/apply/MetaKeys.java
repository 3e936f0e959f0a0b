package io.cohort.server.apply;

/** Keys of the metadata column family. Changing one is a storage format change. */
public final class MetaKeys {
  /** The GTID set of every transaction applied, printed form. */
  public static final String GTID_EXECUTED = "gtid_executed";
  /** Sequence number (GTID number) of the last transaction applied, 8 bytes big-endian. */
  public static final String LAST_SEQNO = "last_seqno";
  /** The group uuid this data belongs to. */
  public static final String GROUP_UUID = "group_uuid";
  /** The epoch of the last group incarnation this member was part of (decimal text). */
  public static final String GROUP_EPOCH = "group_epoch";
  /**
   * The last view this member saw (a {@code LastView}), written once every transaction certified
   * before it is applied here; its presence means the data dir belongs to a running group's history.
   */
  public static final String LAST_VIEW = "last_view";
  /**
   * This member's place in the group it runs in (a {@code SessionCheckpoint}): a restart resumes
   * it under the same consensus id. Absent once the member left the group.
   */
  public static final String GROUP_SESSION = "group_session";
  /** The last sequence number purged from the transaction log (gtid_purged), 8 bytes big-endian; absent = none. */
  public static final String LOG_PURGED_UP_TO = "log_purged_up_to";
  /** The log's age checkpoints ({@code LogRetention.encode}). */
  public static final String LOG_CHECKPOINTS = "log_checkpoints";
  /**
   * A read replica's skip of a transaction its applier stopped on ({@code ReadReplica.skip}):
   * a {@code LogEntry} with the seqno and the source's history hash there, done at the next start.
   */
  public static final String REPLICA_SKIP = "replica_skip";
  /** Prefix of one entry per table: the TableSchema. */
  public static final String TABLE_PREFIX = "table/";

  private MetaKeys() {}

  public static String table(long tableId) {
    return TABLE_PREFIX + String.format("%020d", tableId);
  }
}
