package io.cohort.server.model;

import io.cohort.proto.Value;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Order-preserving encoding of key values, so that RocksDB's byte order is the key order.
 *
 * <p>Each value is a tag byte followed by its body; NULL sorts first. Integers and doubles
 * are 8 big-endian bytes with the sign handled so byte order equals numeric order. Strings and
 * bytes escape 0x00 as 0x00 0xFF and end with 0x00 0x01, so a shorter value sorts before any
 * longer value it prefixes and a prefix of key columns is a valid scan bound.
 */
public final class KeyCodec {
  private static final int TAG_NULL = 0x01;
  private static final int TAG_INT64 = 0x02;
  private static final int TAG_DOUBLE = 0x03;
  private static final int TAG_STRING = 0x04;
  private static final int TAG_BYTES = 0x05;
  private static final int TAG_BOOL = 0x06;

  private KeyCodec() {}

  /** {@code prefix} (8 bytes per id) followed by the encoded values. */
  public static byte[] encode(long[] prefix, List<Value> values) {
    Out out = new Out(8 * prefix.length + values.size() * 12);
    for (long id : prefix) {
      writeLong(out, id);
    }
    for (Value v : values) {
      encodeValue(out, v);
    }
    return out.toByteArray();
  }

  /**
   * {@code encode(new long[] {prefix}, [int64 v, string s])} without building the values: the
   * key of a client request id's record, three of which every commit carrying one looks up.
   */
  public static byte[] encodeInt64String(long prefix, long v, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    Out out = new Out(8 + 9 + 3 + utf8.length);
    writeLong(out, prefix);
    out.write(TAG_INT64);
    writeLong(out, v ^ Long.MIN_VALUE);
    out.write(TAG_STRING);
    writeEscaped(out, utf8);
    return out.toByteArray();
  }

  /** The 8-byte big-endian prefix of a table or an index: all its keys start with it. */
  public static byte[] prefix(long... ids) {
    Out out = new Out(ids.length * 8);
    for (long id : ids) {
      writeLong(out, id);
    }
    return out.toByteArray();
  }

  private static void encodeValue(Out out, Value v) {
    switch (v.getKindCase()) {
      case KIND_NOT_SET, NULL_VALUE -> out.write(TAG_NULL);
      case INT64_VALUE -> {
        out.write(TAG_INT64);
        writeLong(out, v.getInt64Value() ^ Long.MIN_VALUE);
      }
      case DOUBLE_VALUE -> {
        out.write(TAG_DOUBLE);
        double d = v.getDoubleValue() == 0.0 ? 0.0 : v.getDoubleValue(); // -0.0 == 0.0
        long bits = Double.doubleToLongBits(d);
        writeLong(out, bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
      }
      case STRING_VALUE -> {
        out.write(TAG_STRING);
        writeEscaped(out, v.getStringValue().getBytes(StandardCharsets.UTF_8));
      }
      case BYTES_VALUE -> {
        out.write(TAG_BYTES);
        writeEscaped(out, v.getBytesValue().toByteArray());
      }
      case BOOL_VALUE -> {
        out.write(TAG_BOOL);
        out.write(v.getBoolValue() ? 1 : 0);
      }
    }
  }

  private static void writeEscaped(Out out, byte[] bytes) {
    for (byte b : bytes) {
      out.write(b);
      if (b == 0) {
        out.write(0xFF);
      }
    }
    out.write(0x00);
    out.write(0x01);
  }

  private static void writeLong(Out out, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift) & 0xFF);
    }
  }

  /**
   * A growing byte buffer: every commit encodes each key it touches, and
   * ByteArrayOutputStream takes a lock per byte.
   */
  private static final class Out {
    private byte[] buf;
    private int size;

    Out(int expected) {
      buf = new byte[Math.max(expected, 8)];
    }

    void write(int b) {
      if (size == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[size++] = (byte) b;
    }

    byte[] toByteArray() {
      return size == buf.length ? buf : Arrays.copyOf(buf, size);
    }
  }

  /** Smallest byte string greater than every string starting with {@code prefix}. */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xFF) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    throw new IllegalArgumentException("prefix has no upper bound");
  }

  /** Big-endian 8-byte encoding of a log sequence number (log keys sort in GTID order). */
  public static byte[] seqnoKey(long seqno) {
    return prefix(seqno);
  }

  public static long decodeSeqno(byte[] key) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (key[i] & 0xFF);
    }
    return v;
  }
}
