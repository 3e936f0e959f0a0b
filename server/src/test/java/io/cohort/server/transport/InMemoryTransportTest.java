package io.cohort.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.server.consensus.CatchUp;
import org.junit.jupiter.api.Test;

class InMemoryTransportTest extends TransportContractTest {
  private InMemoryNetwork network;
  private int capacity;

  @Override
  protected void newGroup(int size, int capacity) {
    this.network = new InMemoryNetwork();
    this.capacity = capacity;
  }

  @Override
  protected Transport create(int id) {
    return new InMemoryTransport(network, id, capacity);
  }

  @Test
  void oneWayCutLosesMessagesThatWayOnlyUntilHealed() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    Inbox atA = started(a);
    Transport b = member(1);
    Inbox atB = started(b);
    network.cut(0, 1);

    a.send(1, new CatchUp(0, 1, 1));
    b.send(0, new CatchUp(1, 2, 2));
    assertThat(atA.awaitAtLeast(1)).containsExactly(new CatchUp(1, 2, 2));
    Inbox.await(() -> a.stats().dropped() == 1, () -> "the cut link lost nothing: " + a.stats());

    network.heal(0, 1);
    a.send(1, new CatchUp(0, 3, 3));
    assertThat(atB.awaitAtLeast(1)).containsExactly(new CatchUp(0, 3, 3));
  }

  @Test
  void isolatedMemberNeitherSendsNorReceivesUntilItRejoins() throws Exception {
    newGroup(3, ROOMY);
    Transport a = member(0);
    Inbox atA = started(a);
    Transport b = member(1);
    Inbox atB = started(b);
    Transport c = member(2);
    Inbox atC = started(c);
    network.isolate(1);

    a.send(1, new CatchUp(0, 1, 1));
    b.send(0, new CatchUp(1, 1, 1));
    a.send(2, new CatchUp(0, 2, 2));
    assertThat(atC.awaitAtLeast(1)).containsExactly(new CatchUp(0, 2, 2));
    Inbox.await(() -> a.stats().dropped() == 1 && b.stats().dropped() == 1,
        () -> "isolation lost nothing: " + a.stats() + " " + b.stats());

    network.rejoin(1);
    a.send(1, new CatchUp(0, 3, 3));
    assertThat(atB.awaitAtLeast(1)).containsExactly(new CatchUp(0, 3, 3));
    assertThat(atA.messages()).isEmpty();
  }

  @Test
  void aMemberRunsOnceOnANetwork() throws Exception {
    newGroup(1, ROOMY);
    Transport first = member(0);
    started(first);
    Transport second = member(0);
    assertThatThrownBy(() -> second.start(m -> {}))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
    first.close();
    Transport third = member(0);
    started(third);
  }
}
