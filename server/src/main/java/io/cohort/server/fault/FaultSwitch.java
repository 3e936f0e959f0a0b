package io.cohort.server.fault;

/**
 * Whether this member is cut off from its group by fault injection (see the
 * {@code FaultInjection} service). Off, and never switched on, unless the member was started
 * with {@code --enable-fault-injection}.
 */
public final class FaultSwitch {
  private volatile boolean isolated;

  public boolean isolated() {
    return isolated;
  }

  public void setIsolated(boolean isolated) {
    this.isolated = isolated;
  }
}
