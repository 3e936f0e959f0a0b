package io.cohort.server.group;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link GroupSession} takes from the world around it besides consensus: the time, a
 * timer, fresh request ids, and the periods of its own work in the clock's unit. A member process
 * uses the wall clock ({@link #system}); the whole-group simulator its simulated ticks, so the
 * session it runs is the member's own class.
 */
interface SessionWorld {

  /** The current time, in this world's unit. */
  long now();

  /** Runs {@code task} once, {@code delay} from now, on a thread other than the caller's. */
  void after(long delay, Runnable task);

  /** An id no other request of any member has. */
  String newRequestId();

  /** How often the group state is offered as this member's place to resume from. */
  long placeEvery();

  /**
   * How long a member removed from the configuration stays a transport peer once the
   * configuration without it took effect: long enough for the members that go on to checkpoint
   * past its last slot and tell it so (twenty places; a member checkpoints at each).
   */
  default long departedLinger() {
    return 20 * placeEvery();
  }

  /** How often at most an expulsion of the same suspects is proposed again. */
  long expelEvery();

  /** How group messages are compressed and split, and this member's counters of it. */
  GroupMessages messages();

  /** How long a write may be held waiting for a new primary: past a failover's detection and election. */
  long holdWrites();

  /** A member suspected this long is expelled. */
  long expelAfter();

  /** Out of a majority this long, this member leaves (keeping its place); 0 = never. */
  long majorityTimeout();

  /** {@link #majorityTimeout} for a log line. */
  String majorityTimeoutShown();

  /** Stuck this long after a peer said it no longer holds what this member needs, it leaves. */
  long lostTrackAfter();

  /**
   * Nanoseconds of the wall clock; places every 100 ms, expel proposals at most every second,
   * writes held 3 s, lost track after 2 s, and the group configuration's timeouts.
   */
  static SessionWorld system(long expelTimeoutMs, long unreachableMajorityTimeoutMs, GroupMessages messages) {
    return new SessionWorld() {
      @Override
      public GroupMessages messages() {
        return messages;
      }

      @Override
      public long expelAfter() {
        return TimeUnit.MILLISECONDS.toNanos(expelTimeoutMs);
      }

      @Override
      public long majorityTimeout() {
        return TimeUnit.MILLISECONDS.toNanos(unreachableMajorityTimeoutMs);
      }

      @Override
      public String majorityTimeoutShown() {
        return unreachableMajorityTimeoutMs + " ms";
      }

      @Override
      public long lostTrackAfter() {
        return TimeUnit.SECONDS.toNanos(2);
      }

      @Override
      public long now() {
        return System.nanoTime();
      }

      @Override
      public void after(long delay, Runnable task) {
        CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS).execute(task);
      }

      @Override
      public String newRequestId() {
        return UUID.randomUUID().toString();
      }

      @Override
      public long placeEvery() {
        return TimeUnit.MILLISECONDS.toNanos(100);
      }

      @Override
      public long expelEvery() {
        return TimeUnit.SECONDS.toNanos(1);
      }

      @Override
      public long holdWrites() {
        return TimeUnit.MILLISECONDS.toNanos(GroupSession.HOLD_WRITES_MS);
      }
    };
  }
}
