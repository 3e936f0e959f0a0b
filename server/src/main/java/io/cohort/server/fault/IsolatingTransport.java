package io.cohort.server.fault;

import io.cohort.server.consensus.Message;
import io.cohort.server.transport.IoLoop;
import io.cohort.server.transport.Transport;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A transport that drops every message in both directions while the member is isolated, as a
 * network partition would, or only those it receives under a one-way cut; otherwise it passes
 * everything through.
 */
public final class IsolatingTransport implements Transport {
  private final Transport inner;
  private final FaultSwitch faults;

  public IsolatingTransport(Transport inner, FaultSwitch faults) {
    this.inner = inner;
    this.faults = faults;
  }

  @Override
  public void start(Consumer<Message> inbound) {
    inner.start(m -> {
      if (!faults.isolated()) {
        inbound.accept(m);
      }
    });
  }

  @Override
  public void send(int to, Message message) {
    if (!faults.outboundCut()) {
      inner.send(to, message);
    }
  }

  @Override
  public Optional<IoLoop> ioLoop() {
    return inner.ioLoop();
  }

  @Override
  public Stats stats() {
    return inner.stats();
  }

  @Override
  public void close() {
    inner.close();
  }
}
