package io.cohort.server.consensus;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * A simulated network: loss, duplication, delay (hence reordering) and link cuts, all drawn from
 * the run's seeded generator. A member's messages to itself never leave the process: they are
 * neither lost nor delayed, but die with a crash.
 */
final class SimNetwork {

  record InFlight(long at, long seq, int from, int to, long toEpoch, Message message) {}

  private final FaultPlan plan;
  private final SplittableRandom rng;
  private final UnaryOperator<Message> tamper;
  private final boolean[][] cut;
  private final PriorityQueue<InFlight> queue = new PriorityQueue<>(
      (a, b) -> a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.seq(), b.seq()));
  private long seq;
  private boolean faulty = true;
  long sent;

  SimNetwork(FaultPlan plan, SplittableRandom rng, UnaryOperator<Message> tamper) {
    this.plan = plan;
    this.rng = rng;
    this.tamper = tamper;
    this.cut = new boolean[plan.members()][plan.members()];
  }

  void send(long now, int from, Envelope e, long loopbackEpoch) {
    sent++;
    Message m = tamper.apply(e.message());
    if (from == e.to()) {
      queue.add(new InFlight(now, seq++, from, e.to(), loopbackEpoch, m));
      return;
    }
    if (faulty && (cut[from][e.to()] || rng.nextDouble() < plan.loss())) {
      return;
    }
    queue.add(new InFlight(now + delay(), seq++, from, e.to(), -1, m));
    if (faulty && rng.nextDouble() < plan.duplicate()) {
      queue.add(new InFlight(now + delay(), seq++, from, e.to(), -1, m));
    }
  }

  InFlight pollDue(long now) {
    InFlight head = queue.peek();
    return head != null && head.at() <= now ? queue.poll() : null;
  }

  /** Cuts a random set of links: a clean split, or one-way links. */
  void partition() {
    int n = plan.members();
    if (rng.nextBoolean()) {
      boolean[] side = new boolean[n];
      for (int i = 0; i < n; i++) {
        side[i] = rng.nextBoolean();
      }
      for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
          cut[a][b] = side[a] != side[b];
        }
      }
    } else {
      int links = 1 + rng.nextInt(n);
      for (int i = 0; i < links; i++) {
        cut[rng.nextInt(n)][rng.nextInt(n)] = true;
      }
    }
  }

  void heal() {
    for (boolean[] row : cut) {
      java.util.Arrays.fill(row, false);
    }
  }

  /** Liveness phase: no more loss, duplication or cuts; messages already in flight still land. */
  void stopFaults() {
    heal();
    faulty = false;
  }

  private long delay() {
    return 1 + rng.nextInt(faulty ? plan.maxDelay() : 2);
  }
}
