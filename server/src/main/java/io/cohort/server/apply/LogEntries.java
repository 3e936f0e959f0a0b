package io.cohort.server.apply;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.cohort.proto.LogEntry;
import io.cohort.proto.Transaction;
import io.cohort.server.storage.Batch;
import io.cohort.server.storage.LogPieces;
import io.cohort.server.storage.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;

/** Reads entries of this member's transaction log. */
public final class LogEntries {
  private LogEntries() {}

  /** The last sequence number purged from {@code storage}'s log (gtid_purged), 0 when none was. */
  public static long purgedUpTo(Storage storage) {
    byte[] b = storage.getMeta(MetaKeys.LOG_PURGED_UP_TO);
    return b == null ? 0 : java.nio.ByteBuffer.wrap(b).getLong();
  }

  /** The entry of transaction {@code seqno}, or null when the log does not hold it. */
  public static LogEntry at(Storage storage, long seqno) {
    byte[] b = storage.logEntry(seqno);
    return b == null ? null : expanded(parse(b));
  }

  /**
   * A log entry's bytes, built around the transaction's bytes as they are ({@link LogEntry}'s
   * fields in order, defaults left out as protobuf leaves them out): the applier serialises a
   * transaction once, for its history hash, and logs the same bytes.
   */
  public static byte[] encode(String groupUuid, long seqno, byte[] transaction, long commitTimestampMs,
      byte[] historyHash, long lastCommitted) {
    Layout l = new Layout(groupUuid, seqno, transaction.length, commitTimestampMs, historyHash.length, lastCommitted);
    byte[] out = new byte[Math.toIntExact(l.size)];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      l.writeHead(o);
      o.writeRawBytes(transaction);
      l.writeTail(o, historyHash);
      o.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a log entry", e);
    }
    return out;
  }

  /**
   * Stores, in pieces ({@link LogPieces}), the entry {@link #encode} builds for {@code tx}'s
   * canonical bytes ({@link HistoryHash#canonical}) with the history hash that extends
   * {@code previousHash} by them, and returns that hash. The transaction is serialised straight
   * into the pieces and hashed as it goes: a large transaction is never held again as canonical
   * bytes, nor as a whole entry on the heap and another on its way into RocksDB. Each piece is
   * written to {@code storage} at once, on its own; only the marker goes into {@code batch}, so the
   * entry exists when the batch is written (see {@link LogPieces}) and the batch carries the
   * transaction's rows alone.
   */
  public static byte[] logHashing(Storage storage, Batch batch, String groupUuid, long seqno, Transaction tx,
      long commitTimestampMs, byte[] previousHash, long lastCommitted) {
    Layout l = new Layout(groupUuid, seqno, tx.getSerializedSize(), commitTimestampMs, HistoryHash.LENGTH, lastCommitted);
    int pieces = LogPieces.piecesFor(l.size);
    batch.putLogPieces(seqno, pieces, l.size);
    Pieces sink = new Pieces(storage, seqno, l.size);
    CodedOutputStream o = CodedOutputStream.newInstance(sink, 64 << 10);
    try {
      l.writeHead(o);
      o.flush();
      sink.digest = HistoryHash.start(previousHash, groupUuid, seqno);
      writeCanonically(o, tx, l.txBytes);
      o.flush();
      byte[] hash = sink.digest.digest();
      sink.digest = null;
      l.writeTail(o, hash);
      o.flush();
      sink.finish(pieces);
      return hash;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a log entry", e);
    }
  }

  /** {@code tx} as {@link HistoryHash#canonical} serialises it, as the value of the entry's transaction field. */
  private static void writeCanonically(CodedOutputStream o, Transaction tx, int txBytes) throws IOException {
    o.useDeterministicSerialization(); // what HistoryHash.canonical does; the other fields are the same either way
    long before = o.getTotalBytesWritten();
    tx.writeTo(o);
    if (o.getTotalBytesWritten() - before != txBytes) {
      throw new IllegalStateException("a transaction serialised to other than its " + txBytes + " bytes");
    }
  }

  /**
   * An entry's fields around its transaction: {@link LogEntry}'s fields in order, defaults left out
   * as protobuf leaves them out, the transaction written as its length and bytes (as protobuf
   * writes a message field).
   */
  private static final class Layout {
    final String groupUuid;
    final long seqno;
    final int txBytes;
    final long commitTimestampMs;
    final int hashBytes;
    final long lastCommitted;
    final long size;

    Layout(String groupUuid, long seqno, int txBytes, long commitTimestampMs, int hashBytes, long lastCommitted) {
      this.groupUuid = groupUuid;
      this.seqno = seqno;
      this.txBytes = txBytes;
      this.commitTimestampMs = commitTimestampMs;
      this.hashBytes = hashBytes;
      this.lastCommitted = lastCommitted;
      long n = 0;
      if (!groupUuid.isEmpty()) {
        n += CodedOutputStream.computeStringSize(LogEntry.GROUP_UUID_FIELD_NUMBER, groupUuid);
      }
      if (seqno != 0) {
        n += CodedOutputStream.computeInt64Size(LogEntry.SEQNO_FIELD_NUMBER, seqno);
      }
      n += CodedOutputStream.computeTagSize(LogEntry.TRANSACTION_FIELD_NUMBER)
          + CodedOutputStream.computeUInt32SizeNoTag(txBytes) + (long) txBytes;
      if (commitTimestampMs != 0) {
        n += CodedOutputStream.computeInt64Size(LogEntry.COMMIT_TIMESTAMP_MS_FIELD_NUMBER, commitTimestampMs);
      }
      if (hashBytes > 0) {
        n += CodedOutputStream.computeTagSize(LogEntry.HISTORY_HASH_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(hashBytes) + hashBytes;
      }
      if (lastCommitted != 0) {
        n += CodedOutputStream.computeInt64Size(LogEntry.LAST_COMMITTED_FIELD_NUMBER, lastCommitted);
      }
      this.size = n;
    }

    /** The fields before the transaction's bytes, and the tag and length that announce them. */
    void writeHead(CodedOutputStream o) throws IOException {
      if (!groupUuid.isEmpty()) {
        o.writeString(LogEntry.GROUP_UUID_FIELD_NUMBER, groupUuid);
      }
      if (seqno != 0) {
        o.writeInt64(LogEntry.SEQNO_FIELD_NUMBER, seqno);
      }
      o.writeTag(LogEntry.TRANSACTION_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      o.writeUInt32NoTag(txBytes);
    }

    /** The fields after the transaction's bytes. */
    void writeTail(CodedOutputStream o, byte[] historyHash) throws IOException {
      if (historyHash.length != hashBytes) {
        throw new IllegalStateException("a history hash of " + historyHash.length + " bytes, not " + hashBytes);
      }
      if (commitTimestampMs != 0) {
        o.writeInt64(LogEntry.COMMIT_TIMESTAMP_MS_FIELD_NUMBER, commitTimestampMs);
      }
      if (hashBytes > 0) {
        o.writeByteArray(LogEntry.HISTORY_HASH_FIELD_NUMBER, historyHash);
      }
      if (lastCommitted != 0) {
        o.writeInt64(LogEntry.LAST_COMMITTED_FIELD_NUMBER, lastCommitted);
      }
    }
  }

  /** An entry's bytes, cut into pieces written as they fill, hashed while {@code digest} is set. */
  private static final class Pieces extends OutputStream {
    private final Storage storage;
    private final long seqno;
    private long left;
    private byte[] piece;
    private int filled;
    private int index;
    MessageDigest digest;

    Pieces(Storage storage, long seqno, long totalBytes) {
      this.storage = storage;
      this.seqno = seqno;
      this.left = totalBytes;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (digest != null) {
        digest.update(b, off, len);
      }
      while (len > 0) {
        if (piece == null) {
          if (left <= 0) {
            throw new IllegalStateException("a log entry ran past the size it was laid out with");
          }
          piece = new byte[(int) Math.min(LogPieces.PIECE_BYTES, left)];
          left -= piece.length;
          filled = 0;
        }
        int n = Math.min(len, piece.length - filled);
        System.arraycopy(b, off, piece, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == piece.length) {
          storage.writeLogPiece(seqno, index++, piece);
          piece = null;
        }
      }
    }

    void finish(int pieces) {
      if (piece != null || left != 0 || index != pieces) {
        throw new IllegalStateException("a log entry ended short of the size it was laid out with");
      }
    }
  }

  /**
   * A compressed entry's bytes (binlog-transaction-compression): {@code compressed} is zstd of the
   * transaction's {@code txBytes} canonical bytes, which {@code historyHash} covers.
   */
  public static byte[] encodeCompressed(String groupUuid, long seqno, byte[] compressed, int txBytes,
      long commitTimestampMs, byte[] historyHash, long lastCommitted) {
    return LogEntry.newBuilder().setGroupUuid(groupUuid).setSeqno(seqno)
        .setCompressedTransaction(com.google.protobuf.ByteString.copyFrom(compressed)).setTransactionBytes(txBytes)
        .setCommitTimestampMs(commitTimestampMs).setHistoryHash(com.google.protobuf.ByteString.copyFrom(historyHash))
        .setLastCommitted(lastCommitted).build().toByteArray();
  }

  /** zstd of {@code canonical} at {@code level}, or null when that is no smaller. */
  public static byte[] compress(byte[] canonical, int level) {
    byte[] c = com.github.luben.zstd.Zstd.compress(canonical, level);
    return c.length < canonical.length ? c : null;
  }

  /**
   * {@code e} with its transaction decompressed into {@code transaction} when it was kept
   * compressed ({@code compressed_bytes} says how large it was); itself otherwise.
   *
   * @throws IllegalStateException when the compressed bytes are not a transaction of the size given
   */
  public static LogEntry expanded(LogEntry e) {
    if (e.getCompressedTransaction().isEmpty()) {
      return e;
    }
    byte[] c = e.getCompressedTransaction().toByteArray();
    try {
      long size = com.github.luben.zstd.Zstd.getFrameContentSize(c);
      if (size != e.getTransactionBytes()) {
        throw new IllegalStateException("compressed transaction " + e.getSeqno() + " holds " + size + " bytes, not "
            + e.getTransactionBytes());
      }
      byte[] tx = com.github.luben.zstd.Zstd.decompress(c, e.getTransactionBytes());
      return e.toBuilder().clearCompressedTransaction().clearTransactionBytes().setCompressedBytes(c.length)
          .setTransaction(Transaction.parseFrom(tx)).build();
    } catch (InvalidProtocolBufferException | RuntimeException ex) {
      throw new IllegalStateException("transaction " + e.getSeqno() + " of the log does not decompress: "
          + ex.getMessage(), ex);
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
