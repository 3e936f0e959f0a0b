package io.cohort.server.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Proof that the simulator can fail: deliberately broken variants of the protocol, each
 * injected from the test side (a tampering network, a forgetful disk), must be caught violating
 * safety within the CI seed count. Nothing here can be switched on in production.
 */
class BrokenVariantTest {

  @Test
  void revocationThatIgnoresAcceptedValuesIsCaught() {
    // Promises reach the revoker with their accepted values stripped, so it proposes a no-op
    // where Mencius rule 4 (and Paxos) require the accepted value to be proposed again.
    Simulation.Options broken = Simulation.Options.standard().withTamper(m -> m instanceof Promise p
        ? new Promise(p.from(), p.ballot(), p.votes().stream()
            .map(v -> new Promise.Vote(v.slot(), Ballot.NONE, Batch.NOOP)).toList())
        : m);
    long seed = firstSafetyViolation(broken);
    System.out.println("revocation ignoring accepted values: caught at seed " + seed);
  }

  @Test
  void acceptorThatForgetsItsPromiseOnRestartIsCaught() {
    // The disk keeps accepted values but loses promises not backed by an accept, as if the
    // promise had never been synced: the restarted acceptor then accepts a lower ballot.
    Simulation.Options broken = Simulation.Options.standard().withDisk(ForgetfulDisk::new);
    long seed = firstSafetyViolation(broken);
    System.out.println("acceptor forgetting promises: caught at seed " + seed);
  }

  @Test
  void proposerThatAnnouncesSlotsBeyondItsSavedIndexIsCaught() {
    // Each save of the next own slot reads back as the one before it, as if accepts and skips
    // left before the index covering them was on disk: a restarted member proposes again in a
    // slot it already used, with another value.
    Simulation.Options broken = Simulation.Options.standard().withDisk(LaggingIndexDisk::new);
    long seed = firstSafetyViolation(broken);
    System.out.println("proposer announcing beyond its saved index: caught at seed " + seed);
  }

  @Test
  void acceptorThatRepliesBeforeSavingIsCaught() {
    // The driver sends Promise and Accepted before the save they report, so a crash between
    // the two (the plan's unsynced crash) takes back an answer a revoker or owner may already
    // have counted toward its quorum; the restarted acceptor then answers against its word.
    Simulation.Options broken = Simulation.Options.standard().withRepliesBeforeSave();
    long seed = firstSafetyViolation(broken);
    System.out.println("acceptor replying before its save: caught at seed " + seed);
  }

  private static long firstSafetyViolation(Simulation.Options options) {
    for (long seed = 1; seed <= SimulationTest.CI_SEEDS; seed++) {
      try {
        new Simulation(seed, options).run();
      } catch (Simulation.Failure f) {
        assertThat(f.getMessage()).contains("seed=" + seed).contains("replay:");
        if (!f.livenessOnly) {
          System.out.println(f.getMessage());
          return seed;
        }
      }
    }
    throw new AssertionError("the simulator did not catch the broken variant in "
        + SimulationTest.CI_SEEDS + " seeds");
  }

  /** A disk whose next own slot reads back as the value saved before the last one. */
  static final class LaggingIndexDisk extends SimStorage {
    private long previous;
    private long last;

    LaggingIndexDisk(int self) {
      super(self);
    }

    @Override
    public void save(DurableUpdate u) {
      super.save(u);
      if (u.nextOwnSlot() != last) {
        previous = last;
        last = u.nextOwnSlot();
      }
    }

    @Override
    public DurableState load() {
      DurableState s = super.load();
      return new DurableState(s.incarnation(), previous, s.acceptor());
    }
  }

  /** A disk that forgets every promise above the accepted ballot when it is read back. */
  static final class ForgetfulDisk extends SimStorage {
    ForgetfulDisk(int self) {
      super(self);
    }

    @Override
    public DurableState load() {
      DurableState s = super.load();
      Map<Long, AcceptorRecord> forgetful = new HashMap<>();
      s.acceptor().forEach((slot, r) -> forgetful.put(slot,
          new AcceptorRecord(slot, r.acceptedBallot(), r.acceptedBallot(), r.acceptedValue())));
      return new DurableState(s.incarnation(), s.nextOwnSlot(), forgetful);
    }
  }
}
