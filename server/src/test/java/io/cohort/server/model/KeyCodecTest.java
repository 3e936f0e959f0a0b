package io.cohort.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.UnsignedBytes;
import com.google.protobuf.ByteString;
import io.cohort.proto.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Byte order of encoded keys must equal the order of the values they encode. */
class KeyCodecTest {
  static final Comparator<byte[]> BYTES = UnsignedBytes.lexicographicalComparator();

  static byte[] enc(Value... v) {
    return KeyCodec.encode(new long[] {7}, List.of(v));
  }

  static Value i(long v) {
    return Value.newBuilder().setInt64Value(v).build();
  }

  static Value d(double v) {
    return Value.newBuilder().setDoubleValue(v).build();
  }

  static Value s(String v) {
    return Value.newBuilder().setStringValue(v).build();
  }

  @Test
  void integersSortNumerically() {
    Random r = new Random(42);
    List<Long> values = new ArrayList<>(List.of(Long.MIN_VALUE, -1L, 0L, 1L, Long.MAX_VALUE));
    for (int k = 0; k < 500; k++) {
      values.add(r.nextLong());
    }
    for (long a : values) {
      for (long b : values.subList(0, 20)) {
        assertThat(Integer.signum(BYTES.compare(enc(i(a)), enc(i(b))))).isEqualTo(Integer.signum(Long.compare(a, b)));
      }
    }
  }

  @Test
  void doublesSortNumerically() {
    double[] values = {Double.NEGATIVE_INFINITY, -1e300, -2.5, -0.0, 0.0, 1e-300, 2.5, 1e300, Double.POSITIVE_INFINITY};
    for (double a : values) {
      for (double b : values) {
        int expected = a == b ? 0 : Double.compare(a, b);
        assertThat(Integer.signum(BYTES.compare(enc(d(a)), enc(d(b))))).as(a + " vs " + b).isEqualTo(Integer.signum(expected));
      }
    }
  }

  @Test
  void stringsSortLexicographicallyAndPrefixesSortFirst() {
    List<String> values = List.of("", "a", "a\0", "a\0b", "ab", "abc", "b", "\u00e9");
    for (String a : values) {
      for (String b : values) {
        int expected = BYTES.compare(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(Integer.signum(BYTES.compare(enc(s(a)), enc(s(b))))).as(a + " vs " + b).isEqualTo(Integer.signum(expected));
      }
    }
  }

  @Test
  void compositeKeyPrefixBoundsItsRange() {
    byte[] prefix = enc(s("ab"));
    byte[] inside = enc(s("ab"), i(5));
    byte[] after = enc(s("abc"), i(-5));
    assertThat(BYTES.compare(prefix, inside)).isNegative();
    assertThat(BYTES.compare(inside, after)).isNegative();
    assertThat(BYTES.compare(inside, KeyCodec.prefixEnd(KeyCodec.prefix(7)))).isNegative();
    assertThat(BYTES.compare(enc(Value.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0})).build()),
        enc(Value.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, 0})).build()))).isNegative();
  }

  @Test
  void seqnoKeysRoundTripInOrder() {
    assertThat(KeyCodec.decodeSeqno(KeyCodec.seqnoKey(123456789L))).isEqualTo(123456789L);
    assertThat(BYTES.compare(KeyCodec.seqnoKey(255), KeyCodec.seqnoKey(256))).isNegative();
  }
}
