package io.cohort.server.consensus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A hand-driven group for scripted scenarios: messages wait in one FIFO until the script
 * delivers or drops them, like etcd-raft's interaction tests. Values are short strings.
 */
final class ScriptedCluster {

  record Pending(int from, int to, Message message) {
    @Override
    public String toString() {
      return from + "->" + to + " " + message.getClass().getSimpleName();
    }
  }

  private final int n;
  private final Membership initial;
  private final int horizon;
  private final MenciusNode[] nodes;
  private final SimStorage[] disks;
  private final List<Pending> inFlight = new ArrayList<>();
  private final List<List<String>> delivered = new ArrayList<>();
  private final List<Pending> log = new ArrayList<>();
  private final int compactEvery;

  ScriptedCluster(int n) {
    this(n, Membership.ofSize(n), MenciusConfig.DEFAULT_HORIZON);
  }

  /** Members 0..n-1 whose cores compact by themselves every {@code compactEvery} ticks. */
  static ScriptedCluster compacting(int n, int compactEvery) {
    return new ScriptedCluster(n, Membership.ofSize(n), MenciusConfig.DEFAULT_HORIZON, compactEvery);
  }

  /** Members 0..n-1 all run; {@code initial} owns the slots until a reconfiguration. */
  ScriptedCluster(int n, Membership initial, int horizon) {
    this(n, initial, horizon, 0);
  }

  private ScriptedCluster(int n, Membership initial, int horizon, int compactEvery) {
    this.compactEvery = compactEvery;
    this.n = n;
    this.initial = initial;
    this.horizon = horizon;
    this.nodes = new MenciusNode[n];
    this.disks = new SimStorage[n];
    for (int i = 0; i < n; i++) {
      disks[i] = new SimStorage(i);
      delivered.add(new ArrayList<>());
      start(i);
    }
  }

  void propose(int member, String value) {
    nodes[member].propose(value.getBytes(StandardCharsets.UTF_8));
    drain(member);
  }

  void proposeMembership(int member, Membership next) {
    nodes[member].proposeMembership(next);
    drain(member);
  }

  void proposeMembership(int member, Membership expected, Membership next) {
    nodes[member].proposeMembership(expected, next, new byte[0]);
    drain(member);
  }

  MenciusNode node(int member) {
    return nodes[member];
  }

  void tick(int member, int times) {
    for (int t = 0; t < times; t++) {
      nodes[member].tick();
      drain(member);
    }
  }

  void suspect(int member, int suspected) {
    nodes[member].suspect(suspected);
  }

  /** Delivers, in FIFO order, the waiting messages that match; returns how many. */
  int deliver(Predicate<Pending> which) {
    int count = 0;
    for (Pending p = take(which); p != null; p = take(which)) {
      count++;
      if (nodes[p.to()] != null) {
        log.add(p);
        nodes[p.to()].step(p.message());
        drain(p.to());
      }
    }
    return count;
  }

  int drop(Predicate<Pending> which) {
    int before = inFlight.size();
    inFlight.removeIf(which);
    return before - inFlight.size();
  }

  void crash(int member) {
    nodes[member] = null;
    inFlight.removeIf(p -> p.from() == member && p.to() == member);
  }

  void restart(int member) {
    delivered.get(member).clear();
    start(member);
  }

  /** Delivers everything and ticks everyone until nothing is left to do. */
  void stabilize() {
    for (int round = 0; round < 200; round++) {
      deliver(p -> true);
      for (int i = 0; i < n; i++) {
        if (nodes[i] != null) {
          tick(i, 1);
        }
      }
    }
    deliver(p -> true);
  }

  /**
   * Member's delivered slots, in order: a no-op as "-", else its values joined by "+", a
   * membership change as "members=[expected]->[next]" (whether it applied or not).
   */
  List<String> delivered(int member) {
    return List.copyOf(delivered.get(member));
  }

  /** Every message delivered so far, for asserting what crossed the wire. */
  List<Pending> history() {
    return List.copyOf(log);
  }

  List<Pending> waiting() {
    return List.copyOf(inFlight);
  }

  static Predicate<Pending> to(int member, Class<? extends Message> type) {
    return p -> p.to() == member && type.isInstance(p.message());
  }

  static Predicate<Pending> type(Class<? extends Message> type) {
    return p -> type.isInstance(p.message());
  }

  private static String show(Value v) {
    if (v.kind() == Value.Kind.MEMBERSHIP) {
      MembershipChange c = MembershipChange.decode(v.data());
      return "members=" + c.expected().members() + "->" + c.next().members();
    }
    return new String(v.data(), StandardCharsets.UTF_8);
  }

  private Pending take(Predicate<Pending> which) {
    for (Iterator<Pending> it = inFlight.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (which.test(p)) {
        it.remove();
        return p;
      }
    }
    return null;
  }

  private void start(int i) {
    MenciusConfig cfg = MenciusConfig.defaults(n, i).withHorizon(horizon);
    cfg = new MenciusConfig(initial, i, cfg.window(), cfg.maxBatch(), cfg.retryTicks(),
        cfg.heartbeatTicks(), cfg.stallTicks(), cfg.catchUpLimit(), cfg.recoverySpan(), horizon)
        .withCompaction(compactEvery);
    nodes[i] = new MenciusNode(cfg, disks[i].load(), new SplittableRandom(i));
    drain(i);
  }

  private void drain(int i) {
    MenciusNode node = nodes[i];
    while (node.hasReady()) {
      Ready rd = node.ready();
      rd.messages().forEach(e -> inFlight.add(new Pending(i, e.to(), e.message())));
      rd.persist().ifPresent(disks[i]::save);
      rd.afterPersist().forEach(e -> inFlight.add(new Pending(i, e.to(), e.message())));
      for (Decision d : rd.decided()) {
        delivered.get(i).add(d.chosen().isNoop() ? "-" : String.join("+",
            d.chosen().values().stream().map(ScriptedCluster::show).toList()));
      }
      node.advance(rd);
    }
  }
}
