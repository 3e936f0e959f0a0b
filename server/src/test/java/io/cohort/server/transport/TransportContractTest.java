package io.cohort.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.server.consensus.Accept;
import io.cohort.server.consensus.Accepted;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.CatchUp;
import io.cohort.server.consensus.Decide;
import io.cohort.server.consensus.Message;
import io.cohort.server.consensus.Nack;
import io.cohort.server.consensus.Prepare;
import io.cohort.server.consensus.Promise;
import io.cohort.server.consensus.Skip;
import io.cohort.server.consensus.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} promises the consensus driver, run against each implementation
 * by a subclass that says how to create member {@code i} of a group.
 */
abstract class TransportContractTest {
  static final int ROOMY = 16_384;

  private final List<Transport> created = new ArrayList<>();

  /** Sets up a group of {@code size} members whose transports queue {@code capacity} per peer. */
  protected abstract void newGroup(int size, int capacity) throws Exception;

  /** Creates member {@code id}'s transport, not started; recreating one after close restarts it. */
  protected abstract Transport create(int id) throws Exception;

  /** Creates member {@code id}'s transport; the harness closes it after the test. */
  protected final Transport member(int id) throws Exception {
    return closedAfterTest(create(id));
  }

  /** Has the harness close {@code t} after the test. */
  protected final <T extends Transport> T closedAfterTest(T t) {
    created.add(t);
    return t;
  }

  /** Starts {@code t}; returns what it receives. */
  protected final Inbox started(Transport t) {
    Inbox inbox = new Inbox();
    t.start(inbox);
    return inbox;
  }

  @AfterEach
  void closeEveryTransport() {
    RuntimeException failure = null;
    for (Transport t : created) {
      try {
        t.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    created.clear();
    if (failure != null) {
      throw failure;
    }
  }

  /** One message of every type from {@code from}, told apart by {@code tag}. */
  static List<Message> everyType(int from, long tag) {
    Batch data = new Batch(List.of(new Value(tag, ("v" + tag).getBytes()),
        new Value(tag + 1, Value.Kind.MEMBERSHIP, new byte[] {0, 1, 2})));
    return List.of(
        new Accept(from, tag, tag + 1, data),
        new Accepted(from, tag, tag + 2),
        new Nack(from, tag + 3, tag, tag + 10),
        new Skip(from, tag, tag + 30),
        new Prepare(from, (1L << 32) | tag, List.of(tag, tag + 3)),
        new Promise(from, (1L << 32) | tag, List.of(new Promise.Vote(tag, -1, Batch.NOOP),
            new Promise.Vote(tag + 3, 2, data))),
        new Decide(from, tag + 4, Batch.NOOP),
        new Decide(from, tag + 5, data),
        new CatchUp(from, tag, -1));
  }

  @Test
  void messagesReachEachPeerWithTheirContent() throws Exception {
    newGroup(3, ROOMY);
    Transport a = member(0);
    Inbox atA = started(a);
    Inbox atB = started(member(1));
    Inbox atC = started(member(2));
    List<Message> forB = everyType(0, 100);
    List<Message> forC = everyType(0, 200);
    forB.forEach(m -> a.send(1, m));
    forC.forEach(m -> a.send(2, m));

    assertThat(atB.awaitAtLeast(forB.size())).containsExactlyElementsOf(forB);
    assertThat(atC.awaitAtLeast(forC.size())).containsExactlyElementsOf(forC);
    assertThat(atA.messages()).isEmpty();
    assertThat(a.stats().sent()).isEqualTo(forB.size() + forC.size());
    assertThat(a.stats().dropped()).isZero();
  }

  @Test
  void tenThousandMessagesAllArriveWhenNothingIsDropped() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    started(a);
    Transport b = member(1);
    Inbox atB = started(b);
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      a.send(1, new Accepted(0, 7, i));
    }

    List<Message> got = atB.awaitAtLeast(n);
    assertThat(got).hasSize(n);
    assertThat(got.stream().map(m -> ((Accepted) m).slot()).collect(Collectors.toSet()))
        .isEqualTo(LongStream.range(0, n).boxed().collect(Collectors.toSet()));
    assertThat(a.stats().sent()).isEqualTo(n);
    assertThat(a.stats().dropped()).isZero();
    assertThat(b.stats().received()).isEqualTo(n);
  }

  @Test
  void largeValuesArriveIntact() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    started(a);
    Inbox atB = started(member(1));
    byte[] big = new byte[6 * 1024 * 1024];
    new Random(1).nextBytes(big);
    List<Message> sent = List.of(new Decide(0, 1, new Batch(List.of(new Value(1, big)))),
        new Accepted(0, 1, 2),
        new Accept(0, 0, 3, new Batch(List.of(new Value(2, big), new Value(3, new byte[0])))));
    sent.forEach(m -> a.send(1, m));

    List<Message> got = atB.awaitAtLeast(sent.size());
    assertThat(got).containsExactlyElementsOf(sent);
    assertThat(Arrays.equals(((Decide) got.get(0)).value().values().get(0).data(), big)).isTrue();
  }

  @Test
  void peerThatStartsLaterGetsWhatWasQueuedForIt() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    started(a);
    List<Message> early = everyType(0, 5);
    early.forEach(m -> a.send(1, m));

    Inbox atB = started(member(1));
    assertThat(atB.awaitAtLeast(early.size())).containsExactlyElementsOf(early);
    assertThat(a.stats().connects()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void whileAPeerIsDownTheOldestMessagesAreDropped() throws Exception {
    newGroup(2, 4);
    Transport a = member(0);
    started(a);
    for (int slot = 0; slot < 10; slot++) {
      a.send(1, new Accepted(0, 1, slot));
    }
    assertThat(a.stats().dropped()).isEqualTo(6);

    Inbox atB = started(member(1));
    assertThat(atB.awaitAtLeast(4)).extracting(m -> ((Accepted) m).slot())
        .containsExactly(6L, 7L, 8L, 9L);
  }

  @Test
  void restartedPeerIsReachedAgain() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    started(a);
    Transport b = member(1);
    Inbox atB = started(b);
    a.send(1, new CatchUp(0, 1, 1));
    atB.awaitAtLeast(1);

    b.close();
    Inbox atRestartedB = started(member(1));
    // Messages sent while the old stream was dying may be lost; the driver resends, so do we.
    AtomicLong tag = new AtomicLong();
    Inbox.awaitRepeating(() -> a.send(1, new CatchUp(0, tag.incrementAndGet(), 0)),
        () -> atRestartedB.size() > 0, () -> "restarted member 1 received nothing; " + a.stats());
    assertThat(atRestartedB.messages()).allSatisfy(m -> assertThat(m.from()).isZero());
    assertThat(a.stats().connects()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void sendingToItselfOrOnBehalfOfAnotherMemberIsRefused() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    started(a);
    assertThatThrownBy(() -> a.send(0, new CatchUp(0, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("itself");
    assertThatThrownBy(() -> a.send(1, new CatchUp(1, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from member 1");
  }

  @Test
  void closeIsIdempotentAndEndsDelivery() throws Exception {
    newGroup(2, ROOMY);
    Transport a = member(0);
    started(a);
    Transport b = member(1);
    Inbox atB = started(b);
    a.send(1, new CatchUp(0, 1, 1));
    atB.awaitAtLeast(1);

    a.close();
    a.close();
    a.send(1, new CatchUp(0, 2, 2));
    assertThat(a.stats().dropped()).isEqualTo(1);
    assertThatThrownBy(() -> a.start(m -> {})).isInstanceOf(IllegalStateException.class);
    b.close();
    assertThat(atB.messages()).containsExactly(new CatchUp(0, 1, 1));
  }
}
