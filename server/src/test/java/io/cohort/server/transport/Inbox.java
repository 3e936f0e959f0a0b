package io.cohort.server.transport;

import static org.assertj.core.api.Assertions.fail;

import io.cohort.server.consensus.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What one member's transport delivered, and bounded waits on it. A wait fails with a clear
 * message after {@link #PATIENCE}; how long it took is never asserted.
 */
final class Inbox implements Consumer<Message> {
  static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final long POLL_MILLIS = 10;

  private final List<Message> messages = new ArrayList<>(); // guarded by this

  @Override
  public synchronized void accept(Message m) {
    messages.add(m);
  }

  synchronized List<Message> messages() {
    return List.copyOf(messages);
  }

  synchronized int size() {
    return messages.size();
  }

  /** Waits until at least {@code n} messages arrived; returns all of them. */
  List<Message> awaitAtLeast(int n) {
    await(() -> size() >= n, () -> "expected " + n + " messages, got " + size());
    return messages();
  }

  /** Waits until {@code condition} holds, polling; fails with {@code describe} on timeout. */
  static void await(BooleanSupplier condition, Supplier<String> describe) {
    awaitRepeating(() -> {}, condition, describe);
  }

  /**
   * Waits until {@code condition} holds, running {@code action} before each check: for a
   * message that may be lost (best-effort delivery) until a connection is re-established.
   */
  static void awaitRepeating(Runnable action, BooleanSupplier condition, Supplier<String> describe) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      action.run();
      if (condition.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        fail("gave up after " + PATIENCE.toSeconds() + " s: " + describe.get());
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting: " + describe.get());
      }
    }
  }
}
