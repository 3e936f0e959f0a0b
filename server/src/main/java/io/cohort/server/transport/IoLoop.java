package io.cohort.server.transport;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one thread on which a transport reads from and writes to its peers, offered to the
 * consensus loop so that it runs its turns there too ({@link Transport#ioLoop}). A message read
 * from a peer is then stepped into the core, and the answer written, on the thread that read it:
 * no hand-off to another thread and back on the way. Tasks run one at a time, in the order they
 * were given, after what the loop had been given before them.
 */
public interface IoLoop {

  /**
   * Runs {@code task} on the loop thread, after every task given before it.
   *
   * @throws java.util.concurrent.RejectedExecutionException once the loop has stopped
   */
  void execute(Runnable task);

  /**
   * Runs {@code task} on the loop thread every {@code periodNanos} until the returned handle is
   * run or the loop stops.
   */
  Runnable every(long periodNanos, Runnable task);

  /** Whether the calling thread is the loop's. */
  boolean inLoop();

  /**
   * The loop of a single-threaded {@code executor} (a Netty event loop, or a one-thread pool in
   * tests); {@code inLoop} tells whether the calling thread is its thread.
   */
  static IoLoop on(ScheduledExecutorService executor, BooleanSupplier inLoop) {
    return new IoLoop() {
      @Override
      public void execute(Runnable task) {
        executor.execute(task);
      }

      @Override
      public Runnable every(long periodNanos, Runnable task) {
        ScheduledFuture<?> f = executor.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public boolean inLoop() {
        return inLoop.getAsBoolean();
      }
    };
  }
}
