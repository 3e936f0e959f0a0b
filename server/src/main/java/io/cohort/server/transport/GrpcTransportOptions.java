package io.cohort.server.transport;

import java.time.Duration;

/**
 * Tuning of {@link GrpcTransport}, validated here once.
 *
 * @param queueCapacity          messages queued per peer before the oldest is dropped (1..10^7)
 * @param maxMessagesPerFrame    messages packed into one frame (1..65536)
 * @param maxFrameBytes          bytes packed into one frame, except that a single larger message
 *                               travels alone (1 KiB..maxInboundMessageBytes)
 * @param maxInboundMessageBytes largest frame this member's own server accepts; when the
 *                               service is added to another server, configure it there
 *                               (1 KiB..1 GiB)
 * @param backoffMin             first delay before redialing a peer (1 ms..backoffMax)
 * @param backoffMax             longest delay before redialing a peer (backoffMin..1 min)
 * @param handshakeTimeout       how long a dialed peer may take to accept the hello (100 ms..1 min)
 * @param keepAliveTime          how often a quiet stream is pinged, and how long a ping may go
 *                               unanswered before the peer counts as lost: without it a peer
 *                               behind a partition would look connected until TCP gives up,
 *                               many minutes later. A server other than the transport's own
 *                               must permit pings this often (10 s..1 h)
 * @param closeTimeout           how long {@code close()} waits for threads, channels and the
 *                               server to stop (0..1 min)
 */
public record GrpcTransportOptions(int queueCapacity, int maxMessagesPerFrame, int maxFrameBytes,
    int maxInboundMessageBytes, Duration backoffMin, Duration backoffMax, Duration handshakeTimeout,
    Duration keepAliveTime, Duration closeTimeout) {

  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  public GrpcTransportOptions {
    check("queueCapacity", queueCapacity, 1, 10_000_000);
    check("maxMessagesPerFrame", maxMessagesPerFrame, 1, 65_536);
    check("maxInboundMessageBytes", maxInboundMessageBytes, KIB, 1024 * MIB);
    check("maxFrameBytes", maxFrameBytes, KIB, maxInboundMessageBytes);
    check("backoffMax", backoffMax, Duration.ofMillis(1), Duration.ofMinutes(1));
    check("backoffMin", backoffMin, Duration.ofMillis(1), backoffMax);
    check("handshakeTimeout", handshakeTimeout, Duration.ofMillis(100), Duration.ofMinutes(1));
    // gRPC raises client keep-alive below 10 s to 10 s; accepting less would mislead.
    check("keepAliveTime", keepAliveTime, Duration.ofSeconds(10), Duration.ofHours(1));
    check("closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(1));
  }

  /**
   * 1024 queued per peer, 64 messages or 1 MiB per frame, redial after 50 ms up to 2 s, ping a
   * quiet peer every 10 s.
   */
  public static GrpcTransportOptions defaults() {
    return new GrpcTransportOptions(1024, 64, MIB, 64 * MIB, Duration.ofMillis(50),
        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5));
  }

  public GrpcTransportOptions withQueueCapacity(int capacity) {
    return new GrpcTransportOptions(capacity, maxMessagesPerFrame, maxFrameBytes,
        maxInboundMessageBytes, backoffMin, backoffMax, handshakeTimeout, keepAliveTime, closeTimeout);
  }

  public GrpcTransportOptions withMaxMessagesPerFrame(int messages) {
    return new GrpcTransportOptions(queueCapacity, messages, maxFrameBytes,
        maxInboundMessageBytes, backoffMin, backoffMax, handshakeTimeout, keepAliveTime, closeTimeout);
  }

  public GrpcTransportOptions withBackoff(Duration min, Duration max) {
    return new GrpcTransportOptions(queueCapacity, maxMessagesPerFrame, maxFrameBytes,
        maxInboundMessageBytes, min, max, handshakeTimeout, keepAliveTime, closeTimeout);
  }

  private static void check(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "transport option " + name + " = " + value + " is outside " + min + ".." + max);
    }
  }

  private static void check(String name, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          "transport option " + name + " = " + value + " is outside " + min + ".." + max);
    }
  }
}
