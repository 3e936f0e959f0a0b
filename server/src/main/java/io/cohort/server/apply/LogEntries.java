package io.cohort.server.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.LogEntry;
import io.cohort.server.storage.Storage;

/** Reads entries of this member's transaction log. */
public final class LogEntries {
  private LogEntries() {}

  /** The entry of transaction {@code seqno}, or null when the log does not hold it. */
  public static LogEntry at(Storage storage, long seqno) {
    byte[] b = storage.logEntry(seqno);
    return b == null ? null : parse(b);
  }

  /**
   * A log entry's bytes, built around the transaction's bytes as they are ({@link LogEntry}'s
   * fields in order, defaults left out as protobuf leaves them out): the applier serialises a
   * transaction once, for its history hash, and logs the same bytes.
   */
  public static byte[] encode(String groupUuid, long seqno, byte[] transaction, long commitTimestampMs,
      byte[] historyHash, long lastCommitted) {
    int size = 0;
    if (!groupUuid.isEmpty()) {
      size += com.google.protobuf.CodedOutputStream.computeStringSize(LogEntry.GROUP_UUID_FIELD_NUMBER, groupUuid);
    }
    if (seqno != 0) {
      size += com.google.protobuf.CodedOutputStream.computeInt64Size(LogEntry.SEQNO_FIELD_NUMBER, seqno);
    }
    size += com.google.protobuf.CodedOutputStream.computeByteArraySize(LogEntry.TRANSACTION_FIELD_NUMBER, transaction);
    if (commitTimestampMs != 0) {
      size += com.google.protobuf.CodedOutputStream.computeInt64Size(LogEntry.COMMIT_TIMESTAMP_MS_FIELD_NUMBER,
          commitTimestampMs);
    }
    if (historyHash.length > 0) {
      size += com.google.protobuf.CodedOutputStream.computeByteArraySize(LogEntry.HISTORY_HASH_FIELD_NUMBER,
          historyHash);
    }
    if (lastCommitted != 0) {
      size += com.google.protobuf.CodedOutputStream.computeInt64Size(LogEntry.LAST_COMMITTED_FIELD_NUMBER, lastCommitted);
    }
    byte[] out = new byte[size];
    com.google.protobuf.CodedOutputStream o = com.google.protobuf.CodedOutputStream.newInstance(out);
    try {
      if (!groupUuid.isEmpty()) {
        o.writeString(LogEntry.GROUP_UUID_FIELD_NUMBER, groupUuid);
      }
      if (seqno != 0) {
        o.writeInt64(LogEntry.SEQNO_FIELD_NUMBER, seqno);
      }
      // A message field is written as its length and bytes, exactly as a bytes field is.
      o.writeByteArray(LogEntry.TRANSACTION_FIELD_NUMBER, transaction);
      if (commitTimestampMs != 0) {
        o.writeInt64(LogEntry.COMMIT_TIMESTAMP_MS_FIELD_NUMBER, commitTimestampMs);
      }
      if (historyHash.length > 0) {
        o.writeByteArray(LogEntry.HISTORY_HASH_FIELD_NUMBER, historyHash);
      }
      if (lastCommitted != 0) {
        o.writeInt64(LogEntry.LAST_COMMITTED_FIELD_NUMBER, lastCommitted);
      }
      o.checkNoSpaceLeft();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot encode a log entry", e);
    }
    return out;
  }

  /** Parses a stored entry; an unreadable one is a broken invariant, not bad input. */
  public static LogEntry parse(byte[] b) {
    try {
      return LogEntry.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable transaction log entry: " + e.getMessage(), e);
    }
  }
}
