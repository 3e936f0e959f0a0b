package io.cohort.cli.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The measurements of a bench run.
 *
 * @param workload the workload's name
 * @param clients client threads
 * @param durationS the measured time in seconds
 * @param committed transactions committed in the measured time
 * @param aborted conflicts (each retried) in the measured time
 * @param errors other failures in the measured time
 * @param p50Ms median commit latency in milliseconds
 * @param p95Ms 95th percentile latency in milliseconds
 * @param p99Ms 99th percentile latency in milliseconds
 * @param maxMs largest latency in milliseconds
 * @param facts the workload's own facts (e.g. {@code totalBefore}, {@code totalAfter})
 * @param firstError the first error's message, or null if there was none
 * @param failure why the workload's end check failed, or null if it held
 */
public record BenchResult(String workload, int clients, double durationS, long committed,
    long aborted, long errors, double p50Ms, double p95Ms, double p99Ms, double maxMs,
    Map<String, Object> facts, String firstError, String failure) {

  /**
   * Committed transactions per second of measured time.
   *
   * @return the throughput
   */
  public double tps() {
    return durationS > 0 ? committed / durationS : 0;
  }

  /**
   * The share of attempts that certification aborted: aborts / (commits + aborts) in the
   * measured time. High in multi-primary mode when members update the same rows.
   *
   * @return between 0 and 1; 0 when nothing was attempted
   */
  public double abortRate() {
    long attempts = committed + aborted;
    return attempts == 0 ? 0 : (double) aborted / attempts;
  }

  /**
   * Whether the workload's end check held.
   *
   * @return true if there was no failure
   */
  public boolean ok() {
    return failure == null;
  }

  /**
   * The fields of the {@code --json} output, in print order.
   *
   * @return a new map
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workload", workload);
    m.put("clients", clients);
    m.put("durationS", round(durationS));
    m.put("tps", round(tps()));
    m.put("committed", committed);
    m.put("aborted", aborted);
    m.put("abortRate", round(abortRate()));
    m.put("errors", errors);
    m.put("p50Ms", round(p50Ms));
    m.put("p95Ms", round(p95Ms));
    m.put("p99Ms", round(p99Ms));
    m.put("maxMs", round(maxMs));
    m.putAll(facts);
    m.put("ok", ok());
    if (firstError != null) {
      m.put("firstError", firstError);
    }
    if (failure != null) {
      m.put("failure", failure);
    }
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
