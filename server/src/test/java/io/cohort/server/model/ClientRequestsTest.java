package io.cohort.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The request id records' keys: a retry looks where its first attempt's record is, whichever of
 * the kept periods it was written in, and the range a member deletes holds exactly the older ones.
 */
class ClientRequestsTest {
  private static final long T = 1_764_800_000_000L; // some time in 2025, ms

  @Test
  void aRetryFindsRecordsOfTheKeptPeriodsAndTheNext() {
    for (long firstAt : new long[] {T - ClientRequests.BUCKET_MS, T - 1, T, T + ClientRequests.BUCKET_MS - 1}) {
      byte[] first = ClientRequests.key(ClientRequests.bucket(firstAt), "req");
      assertThat(Arrays.stream(ClientRequests.keysAround(T, "req")).anyMatch(k -> Arrays.equals(k, first)))
          .as("first attempt at %d", firstAt).isTrue();
    }
    byte[] other = ClientRequests.key(ClientRequests.bucket(T), "other");
    assertThat(Arrays.stream(ClientRequests.keysAround(T, "req")).noneMatch(k -> Arrays.equals(k, other))).isTrue();
  }

  @Test
  void recordKeysAreTheKeysOfTheirPeriodAndIdInTheKeySpaceOfTableIdZero() {
    for (long bucket : new long[] {0, 1, -1, ClientRequests.bucket(T), Long.MAX_VALUE}) {
      for (String id : new String[] {"req", "3f2a-9c:retry_1.x", "a\0b", "é"}) {
        assertThat(ClientRequests.key(bucket, id)).as("bucket %d id %s", bucket, id).isEqualTo(KeyCodec.encode(
            new long[] {0}, java.util.List.of(io.cohort.proto.Value.newBuilder().setInt64Value(bucket).build(),
                io.cohort.proto.Value.newBuilder().setStringValue(id).build())));
      }
    }
  }

  @Test
  void theDeletedRangeHoldsOnlyOlderPeriods() {
    byte[] from = ClientRequests.spaceStart();
    byte[] to = ClientRequests.keptFrom(T);
    long kept = ClientRequests.bucket(T) - ClientRequests.KEPT_BUCKETS;
    for (String id : new String[] {"a", "zzzzzzzz", "0"}) {
      byte[] old = ClientRequests.key(kept - 1, id);
      assertThat(Arrays.compareUnsigned(from, old) <= 0 && Arrays.compareUnsigned(old, to) < 0)
          .as("a record of the period before the kept ones is deleted").isTrue();
      for (long b = kept; b <= ClientRequests.bucket(T) + ClientRequests.AHEAD_BUCKETS; b++) {
        assertThat(Arrays.compareUnsigned(ClientRequests.key(b, id), to)).as("period %d is kept", b)
            .isGreaterThanOrEqualTo(0);
      }
    }
    assertThat(Arrays.compareUnsigned(KeyCodec.prefix(1), to)).as("rows of table 1 lie above the range")
        .isGreaterThan(0);
  }

  @Test
  void badIdsAreRefusedWithABoundedMessage() {
    assertThat(ClientRequests.check("3f2a-9c:retry_1.x")).isEqualTo("3f2a-9c:retry_1.x");
    for (String bad : new String[] {"", "x".repeat(65), "a b", "é"}) {
      assertThatThrownBy(() -> ClientRequests.check(bad)).isInstanceOfSatisfying(DbException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(e.getMessage()).hasSizeLessThan(150);
      });
    }
  }
}
