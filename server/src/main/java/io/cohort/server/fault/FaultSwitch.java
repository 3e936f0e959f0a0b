package io.cohort.server.fault;

/**
 * Whether this member is cut off from its group by fault injection (see the
 * {@code FaultInjection} service). Off, and never switched on, unless the member was started
 * with {@code --enable-fault-injection}.
 */
public final class FaultSwitch {
  private volatile boolean isolated;
  private volatile boolean inboundOnly;
  private volatile int applierDelayMicros;

  /** The largest applier delay a drill may set, per transaction. */
  public static final int MAX_APPLIER_DELAY_MICROS = 100_000;

  /** Nothing from the group reaches this member (either kind of cut). */
  public boolean isolated() {
    return isolated;
  }

  /** What this member sends to its group is dropped too (a two-way cut, not a one-way one). */
  public boolean outboundCut() {
    return isolated && !inboundOnly;
  }

  /** Cuts the member off, or reconnects it; {@code inboundOnly} keeps what it sends flowing. */
  public void setIsolated(boolean isolated, boolean inboundOnly) {
    this.inboundOnly = inboundOnly;
    this.isolated = isolated;
  }

  /** Extra time the applier spends on each transaction (a slow disk), in microseconds. */
  public int applierDelayMicros() {
    return applierDelayMicros;
  }

  /** Slows the applier down by this much per transaction; 0 ends it. */
  public void setApplierDelayMicros(int micros) {
    if (micros < 0 || micros > MAX_APPLIER_DELAY_MICROS) {
      throw new IllegalArgumentException("micros_per_transaction must be 0-" + MAX_APPLIER_DELAY_MICROS + ", got "
          + micros);
    }
    this.applierDelayMicros = micros;
  }
}
