package io.cohort.server.apply;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Transaction;
import io.cohort.server.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;

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
    return build(groupUuid, seqno, transaction.length, o -> o.writeRawBytes(transaction), commitTimestampMs,
        historyHash.length, (entry, txAt) -> historyHash, lastCommitted).entry();
  }

  /** An entry and the history hash it holds. */
  public record Hashed(byte[] entry, byte[] hash) {}

  /**
   * The entry {@link #encode} builds for {@code tx}'s canonical bytes ({@link
   * HistoryHash#canonical}), with the history hash that extends {@code previousHash} by it, but
   * serialising the transaction straight into the entry: a large transaction is never held as
   * canonical bytes and again as its entry.
   */
  public static Hashed encodeHashing(String groupUuid, long seqno, Transaction tx, long commitTimestampMs,
      byte[] previousHash, long lastCommitted) {
    int txBytes = tx.getSerializedSize();
    byte[][] hash = new byte[1][];
    byte[] entry = build(groupUuid, seqno, txBytes, tx::writeTo, commitTimestampMs, HistoryHash.LENGTH,
        (out, txAt) -> hash[0] = HistoryHash.next(previousHash, groupUuid, seqno, out, txAt, txBytes),
        lastCommitted).entry();
    return new Hashed(entry, hash[0]);
  }

  private interface TxWriter {
    void write(CodedOutputStream out) throws IOException;
  }

  private interface HashAt {
    /** The hash to log, once the transaction's bytes are in {@code entry} from {@code txAt}. */
    byte[] hash(byte[] entry, int txAt);
  }

  private static Hashed build(String groupUuid, long seqno, int txBytes, TxWriter tx, long commitTimestampMs,
      int hashBytes, HashAt hashAt, long lastCommitted) {
    int size = 0;
    if (!groupUuid.isEmpty()) {
      size += CodedOutputStream.computeStringSize(LogEntry.GROUP_UUID_FIELD_NUMBER, groupUuid);
    }
    if (seqno != 0) {
      size += CodedOutputStream.computeInt64Size(LogEntry.SEQNO_FIELD_NUMBER, seqno);
    }
    size += CodedOutputStream.computeTagSize(LogEntry.TRANSACTION_FIELD_NUMBER)
        + CodedOutputStream.computeUInt32SizeNoTag(txBytes) + txBytes;
    if (commitTimestampMs != 0) {
      size += CodedOutputStream.computeInt64Size(LogEntry.COMMIT_TIMESTAMP_MS_FIELD_NUMBER, commitTimestampMs);
    }
    if (hashBytes > 0) {
      size += CodedOutputStream.computeTagSize(LogEntry.HISTORY_HASH_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(hashBytes) + hashBytes;
    }
    if (lastCommitted != 0) {
      size += CodedOutputStream.computeInt64Size(LogEntry.LAST_COMMITTED_FIELD_NUMBER, lastCommitted);
    }
    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    o.useDeterministicSerialization(); // what HistoryHash.canonical does; the other fields are the same either way
    try {
      if (!groupUuid.isEmpty()) {
        o.writeString(LogEntry.GROUP_UUID_FIELD_NUMBER, groupUuid);
      }
      if (seqno != 0) {
        o.writeInt64(LogEntry.SEQNO_FIELD_NUMBER, seqno);
      }
      // A message field is written as its length and bytes, exactly as a bytes field is.
      o.writeTag(LogEntry.TRANSACTION_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      o.writeUInt32NoTag(txBytes);
      int txAt = size - o.spaceLeft();
      tx.write(o);
      if (size - o.spaceLeft() != txAt + txBytes) {
        throw new IllegalStateException("a transaction serialised to other than its " + txBytes + " bytes");
      }
      if (commitTimestampMs != 0) {
        o.writeInt64(LogEntry.COMMIT_TIMESTAMP_MS_FIELD_NUMBER, commitTimestampMs);
      }
      byte[] hash = hashAt.hash(out, txAt);
      if (hash.length != hashBytes) {
        throw new IllegalStateException("a history hash of " + hash.length + " bytes, not " + hashBytes);
      }
      if (hashBytes > 0) {
        o.writeByteArray(LogEntry.HISTORY_HASH_FIELD_NUMBER, hash);
      }
      if (lastCommitted != 0) {
        o.writeInt64(LogEntry.LAST_COMMITTED_FIELD_NUMBER, lastCommitted);
      }
      o.checkNoSpaceLeft();
      return new Hashed(out, hash);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a log entry", e);
    }
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
