package io.cohort.server.tools;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What one {@code consensus-node} measured over its proposing phase: the {@code --stats-file}
 * it writes, and what {@code consensus-bench} reads back from each member. The latency
 * histogram travels whole (compressed, base64) so that the bench can merge the members'
 * histograms instead of averaging their percentiles.
 *
 * @param member          the member id
 * @param proposers       proposer threads of this member
 * @param batching        whether slots carry several values and several slots are in flight
 * @param window          own slots in flight at most
 * @param maxBatch        values per slot at most
 * @param fsync           whether every save of the acceptor store was synced
 * @param phaseSeconds    length of the proposing phase
 * @param valuesProposed  values this member's proposers proposed
 * @param valuesAcked     of those, values delivered here (acknowledged to their proposer)
 * @param valuesDelivered values of every member delivered here during the phase
 * @param fsyncs          saves of the acceptor store during the phase
 * @param messagesSent    consensus messages this member sent to peers during the phase
 * @param messagesReceived consensus messages this member received from peers during the phase
 * @param shutDownEarly   the phase was cut short by SIGTERM or a driver failure
 * @param latencyMicros   propose-to-delivery latency of each acknowledged value, microseconds
 */
record ConsensusNodeStats(int member, int proposers, boolean batching, int window, int maxBatch,
    boolean fsync, double phaseSeconds, long valuesProposed, long valuesAcked,
    long valuesDelivered, long fsyncs, long messagesSent, long messagesReceived,
    boolean shutDownEarly, Histogram latencyMicros) {

  /** 3 significant digits; grows to whatever range the latencies need. */
  static Histogram newLatencyHistogram() {
    return new Histogram(3);
  }

  double decidedPerSecond() {
    return perSecond(valuesDelivered);
  }

  double ackedPerSecond() {
    return perSecond(valuesAcked);
  }

  String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("member", member);
    m.put("proposers", proposers);
    m.put("batching", batching);
    m.put("window", window);
    m.put("maxBatch", maxBatch);
    m.put("fsync", fsync);
    m.put("phaseSeconds", round(phaseSeconds));
    m.put("valuesProposed", valuesProposed);
    m.put("valuesAcked", valuesAcked);
    m.put("valuesDelivered", valuesDelivered);
    m.put("decidedValuesPerSec", round(decidedPerSecond()));
    m.put("ackedValuesPerSec", round(ackedPerSecond()));
    m.put("latencyP50Ms", millisAt(latencyMicros, 50));
    m.put("latencyP99Ms", millisAt(latencyMicros, 99));
    m.put("latencyMaxMs", latencyMicros.getTotalCount() == 0 ? 0.0
        : round(latencyMicros.getMaxValue() / 1000.0));
    m.put("fsyncs", fsyncs);
    m.put("messagesSent", messagesSent);
    m.put("messagesReceived", messagesReceived);
    m.put("shutDownEarly", shutDownEarly);
    m.put("latencyHistogram", encode(latencyMicros));
    return FlatJson.write(m);
  }

  /**
   * Reads what {@link #toJson} wrote.
   *
   * @throws IllegalArgumentException when a field is missing or of the wrong type
   */
  static ConsensusNodeStats fromJson(String json) {
    Map<String, Object> m = FlatJson.parse(json);
    return new ConsensusNodeStats((int) number(m, "member"), (int) number(m, "proposers"),
        bool(m, "batching"), (int) number(m, "window"), (int) number(m, "maxBatch"),
        bool(m, "fsync"), ((Number) field(m, "phaseSeconds", Number.class)).doubleValue(),
        number(m, "valuesProposed"), number(m, "valuesAcked"), number(m, "valuesDelivered"),
        number(m, "fsyncs"), number(m, "messagesSent"), number(m, "messagesReceived"),
        bool(m, "shutDownEarly"),
        decode(field(m, "latencyHistogram", String.class)));
  }

  /** The value at {@code percentile} in milliseconds, 0 for an empty histogram. */
  static double millisAt(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0.0 : round(h.getValueAtPercentile(percentile) / 1000.0);
  }

  static double round(double x) {
    return Math.round(x * 1000) / 1000.0;
  }

  private double perSecond(long count) {
    return phaseSeconds > 0 ? count / phaseSeconds : 0.0;
  }

  private static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
  }

  private static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(
          ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (DataFormatException | IllegalArgumentException e) {
      throw new IllegalArgumentException("latencyHistogram is not an encoded histogram: "
          + e.getMessage(), e);
    }
  }

  private static long number(Map<String, Object> m, String key) {
    return field(m, key, Long.class);
  }

  private static boolean bool(Map<String, Object> m, String key) {
    return field(m, key, Boolean.class);
  }

  private static <T> T field(Map<String, Object> m, String key, Class<T> type) {
    Object v = m.get(key);
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException("stats field '" + key + "' must be a "
          + type.getSimpleName() + ", got " + v);
    }
    return type.cast(v);
  }
}
