package io.cohort.server.apply;

import com.google.protobuf.CodedOutputStream;
import io.cohort.proto.Transaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chained over a member's history: entry n's hash covers entry n-1's hash, the GTID
 * and the transaction. Equal hashes at a GTID mean the same history up to it; GTID sets alone
 * cannot tell a member that holds other transactions under the same GTIDs (a forked history)
 * from one that holds the same. Pure.
 */
public final class HistoryHash {
  /** The hash before the first transaction. */
  public static final byte[] EMPTY = new byte[0];

  private HistoryHash() {}

  /** The hash of the history {@code previous} extended by transaction {@code seqno}. */
  public static byte[] next(byte[] previous, String groupUuid, long seqno, Transaction tx) {
    return next(previous, groupUuid, seqno, canonical(tx));
  }

  /** As {@link #next(byte[], String, long, Transaction)}, with the transaction's {@link #canonical} bytes. */
  public static byte[] next(byte[] previous, String groupUuid, long seqno, byte[] canonicalTx) {
    return next(previous, groupUuid, seqno, canonicalTx, 0, canonicalTx.length);
  }

  /** As {@link #next(byte[], String, long, byte[])}, over {@code length} canonical bytes of {@code buf} from {@code offset}. */
  public static byte[] next(byte[] previous, String groupUuid, long seqno, byte[] buf, int offset, int length) {
    MessageDigest md = start(previous, groupUuid, seqno);
    md.update(buf, offset, length);
    return md.digest();
  }

  /** A digest that, given transaction {@code seqno}'s canonical bytes, ends in its {@link #next} hash. */
  static MessageDigest start(byte[] previous, String groupUuid, long seqno) {
    MessageDigest md = sha256();
    md.update(previous);
    md.update(groupUuid.getBytes(StandardCharsets.UTF_8));
    md.update(ByteBuffer.allocate(Long.BYTES).putLong(seqno).array());
    return md;
  }

  /** Bytes of every hash but {@link #EMPTY}. */
  public static final int LENGTH = 32;

  /** A short printable form for logs and messages. */
  public static String show(byte[] hash) {
    if (hash.length == 0) {
      return "(empty)";
    }
    return HexFormat.of().formatHex(hash, 0, Math.min(8, hash.length));
  }

  /**
   * The transaction's bytes, the same on every member whatever order its maps were built in: a
   * valid serialisation of it, so the applier logs these very bytes and serialises it once.
   */
  public static byte[] canonical(Transaction tx) {
    byte[] buf = new byte[tx.getSerializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    out.useDeterministicSerialization();
    try {
      tx.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise a transaction to hash it", e);
    }
    return buf;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
