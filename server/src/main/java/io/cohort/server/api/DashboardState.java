package io.cohort.server.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cohort.server.metrics.MemberMetrics;

/**
 * What the dashboard ({@code /ui}) polls from {@code /api/status}: this member's status with the
 * latest group events, in protobuf's JSON mapping, and its commit latency histogram. One JSON
 * object: {"atMs":..,"status":{..},"commitLatency":{..}}.
 */
public final class DashboardState {
  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final MemberContext member;
  private final MemberMetrics metrics;

  public DashboardState(MemberContext member, MemberMetrics metrics) {
    this.member = member;
    this.metrics = metrics;
  }

  /** The state now, as JSON. */
  public String json() {
    try {
      return "{\"atMs\":" + System.currentTimeMillis() + ",\"status\":" + JSON.print(StatusReport.build(member, true))
          + ",\"commitLatency\":" + metrics.commitLatencyJson() + "}";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("status cannot be written as JSON", e);
    }
  }
}
