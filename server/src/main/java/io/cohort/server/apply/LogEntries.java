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

  /** Parses a stored entry; an unreadable one is a broken invariant, not bad input. */
  public static LogEntry parse(byte[] b) {
    try {
      return LogEntry.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("unreadable transaction log entry: " + e.getMessage(), e);
    }
  }
}
