package io.cohort.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.ConsensusMessage;
import io.cohort.proto.PeerFrame;
import io.cohort.proto.PeerHello;
import io.cohort.proto.PeerServiceGrpc;
import io.cohort.proto.PeerStreamItem;
import io.cohort.proto.PeerStreamReply;
import io.cohort.server.consensus.CatchUp;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcTransportTest extends TransportContractTest {
  private static final String GROUP = "group-under-test";
  private final List<ManagedChannel> channels = new ArrayList<>();
  private int[] ports;
  private int capacity;

  @Override
  protected void newGroup(int size, int capacity) throws IOException {
    this.ports = freePorts(size);
    this.capacity = capacity;
  }

  @Override
  protected Transport create(int id) throws IOException {
    Map<Integer, InetSocketAddress> peers = new HashMap<>();
    for (int i = 0; i < ports.length; i++) {
      peers.put(i, address(i)); // self included on purpose: the transport must skip it
    }
    return GrpcTransport.listening(GROUP, id, peers, address(id), options());
  }

  @AfterEach
  void closeRawChannels() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Waits for the stream to be ended by the peer, which must refuse it; returns the reason. */
  private static String refusal(RawPeer raw) throws Exception {
    raw.awaitEnd();
    assertThat(raw.end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    return raw.end.getDescription();
  }

  @Test
  void memberOfAnotherGroupIsRefusedAndNeverHeard() throws Exception {
    assertIntruderIsRefused("another-group", 0);
    assertThat(refusal(dial(1, hello("another-group", 0, 1))))
        .isEqualTo("group id mismatch: expected \"" + GROUP + "\" got \"another-group\"");
  }

  @Test
  void memberOutsideThePeerListIsRefusedAndNeverHeard() throws Exception {
    assertIntruderIsRefused(GROUP, 7);
    assertThat(refusal(dial(1, hello(GROUP, 7, 1))))
        .isEqualTo("member 7 is not in this group's peer list [0]");
  }

  @Test
  void helloMeantForAnotherMemberIsRefused() throws Exception {
    newGroup(3, ROOMY);
    Transport b = member(1);
    Inbox atB = started(b);
    assertThat(refusal(dial(1, hello(GROUP, 0, 2))))
        .contains("meant to reach member 2 but reached member 1");
    assertThat(b.stats().rejectedPeers()).isEqualTo(1);
    assertThat(atB.messages()).isEmpty();
  }

  @Test
  void frameBeforeHelloIsRefused() throws Exception {
    newGroup(2, ROOMY);
    Transport b = member(1);
    Inbox atB = started(b);
    assertThat(refusal(dial(1, frame(new CatchUp(0, 1, 1)))))
        .contains("first item on a peer stream must be a hello");
    assertThat(b.stats().rejectedPeers()).isEqualTo(1);
    assertThat(atB.messages()).isEmpty();
  }

  @Test
  void messageClaimingAnotherSenderIsDropped() throws Exception {
    newGroup(3, ROOMY);
    Transport b = member(1);
    Inbox atB = started(b);
    RawPeer raw = dial(1, hello(GROUP, 0, 1));
    raw.awaitHelloReply();
    raw.out.onNext(frame(new CatchUp(2, 66, 66), new CatchUp(0, 1, 1)));

    assertThat(atB.awaitAtLeast(1)).containsExactly(new CatchUp(0, 1, 1));
    assertThat(b.stats().dropped()).isEqualTo(1);
    assertThat(b.stats().received()).isEqualTo(1);
  }

  @Test
  void malformedMessageIsDroppedAndTheStreamGoesOn() throws Exception {
    newGroup(2, ROOMY);
    Transport b = member(1);
    Inbox atB = started(b);
    RawPeer raw = dial(1, hello(GROUP, 0, 1));
    raw.awaitHelloReply();
    raw.out.onNext(PeerStreamItem.newBuilder().setFrame(PeerFrame.newBuilder()
        .addMessages(ConsensusMessage.getDefaultInstance())
        .addMessages(MessageCodec.encode(new CatchUp(0, 1, 1)))).build());

    assertThat(atB.awaitAtLeast(1)).containsExactly(new CatchUp(0, 1, 1));
    assertThat(b.stats().dropped()).isEqualTo(1);
    assertThat(raw.end).isNull();
  }

  @Test
  void aPeerAddedLaterGetsMessagesAndIsHeard() throws Exception {
    newGroup(3, ROOMY);
    GrpcTransport a = closedAfterTest(withPeers(0, 1));
    Inbox atA = started(a);
    Transport c = member(2);
    Inbox atC = started(c);
    a.send(2, new CatchUp(0, 1, 1)); // consensus added 2 before the application gave its address
    assertThat(a.stats().dropped()).isEqualTo(1);

    a.updatePeers(Map.of(1, address(1), 2, address(2)));
    a.send(2, new CatchUp(0, 2, 2));

    assertThat(atC.awaitAtLeast(1)).containsExactly(new CatchUp(0, 2, 2));
    // Member 2 was refused until then; its link redials and is now accepted.
    AtomicLong tag = new AtomicLong();
    Inbox.awaitRepeating(() -> c.send(0, new CatchUp(2, tag.incrementAndGet(), 0)),
        () -> atA.size() > 0, () -> "member 0 never heard the added member 2; " + a.stats());
    assertThat(atA.messages()).allSatisfy(m -> assertThat(m.from()).isEqualTo(2));
  }

  @Test
  void aRemovedPeerGetsNothingMoreAndItsHelloIsRefused() throws Exception {
    newGroup(3, ROOMY);
    GrpcTransport a = closedAfterTest(withPeers(0, 1, 2));
    started(a);
    Transport b = member(1);
    Inbox atB = started(b);
    a.send(1, new CatchUp(0, 1, 1));
    atB.awaitAtLeast(1);
    long droppedBefore = a.stats().dropped();

    a.updatePeers(Map.of(2, address(2)));
    a.send(1, new CatchUp(0, 2, 2));

    assertThat(a.stats().dropped()).isEqualTo(droppedBefore + 1);
    assertThat(refusal(dial(0, hello(GROUP, 1, 0))))
        .isEqualTo("member 1 is not in this group's peer list [2]");
    // Member 1's own stream to member 0 was ended; when it redials it is refused as well.
    Inbox.await(() -> a.stats().rejectedPeers() >= 2,
        () -> "member 0 did not refuse member 1's own link: " + a.stats());
    assertThat(atB.messages()).containsExactly(new CatchUp(0, 1, 1));
  }

  @Test
  void aPeerWithANewAddressIsRedialedThere() throws Exception {
    newGroup(3, ROOMY);
    Map<Integer, InetSocketAddress> wrong = Map.of(1, address(2)); // nobody listens there
    GrpcTransport a = closedAfterTest(new GrpcTransport(GROUP, 0, wrong, options()));
    started(a);
    Inbox atB = started(member(1));
    a.send(1, new CatchUp(0, 1, 1)); // queued on the link to the wrong address, then lost

    a.updatePeers(Map.of(1, address(1)));
    a.send(1, new CatchUp(0, 2, 2));

    assertThat(atB.awaitAtLeast(1)).containsExactly(new CatchUp(0, 2, 2));
    assertThat(a.stats().connects()).isEqualTo(1);
  }

  /** Member {@code id}'s transport knowing only {@code peers}, listening on its own port. */
  private GrpcTransport withPeers(int id, int... peers) throws IOException {
    Map<Integer, InetSocketAddress> known = new HashMap<>();
    for (int p : peers) {
      known.put(p, address(p));
    }
    return GrpcTransport.listening(GROUP, id, known, address(id), options());
  }

  /** A real transport with a wrong identity dials member 1 and keeps retrying in vain. */
  private void assertIntruderIsRefused(String groupId, int id) throws Exception {
    newGroup(2, ROOMY);
    Transport b = member(1);
    Inbox atB = started(b);
    Transport intruder = closedAfterTest(GrpcTransport.listening(groupId, id, Map.of(1, address(1)),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options()));
    started(intruder);
    intruder.send(1, new CatchUp(id, 1, 1));

    Inbox.await(() -> b.stats().rejectedPeers() >= 2,
        () -> "member 1 did not refuse the intruder twice: " + b.stats());
    assertThat(atB.messages()).isEmpty();
    assertThat(b.stats().received()).isZero();
    assertThat(intruder.stats().connects()).isZero();
    assertThat(intruder.stats().sent()).isZero();
  }

  private GrpcTransportOptions options() {
    return GrpcTransportOptions.defaults().withQueueCapacity(capacity)
        .withBackoff(Duration.ofMillis(20), Duration.ofMillis(500));
  }

  private InetSocketAddress address(int id) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[id]);
  }

  /** Ports free right now, held open together so they are distinct. */
  private static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  private static PeerStreamItem hello(String groupId, int member, int target) {
    return PeerStreamItem.newBuilder().setHello(PeerHello.newBuilder().setGroupId(groupId)
        .setMemberId(member).setTargetMemberId(target)).build();
  }

  private static PeerStreamItem frame(CatchUp... messages) {
    PeerFrame.Builder f = PeerFrame.newBuilder();
    for (CatchUp m : messages) {
      f.addMessages(MessageCodec.encode(m));
    }
    return PeerStreamItem.newBuilder().setFrame(f).build();
  }

  /** Opens a stream to member {@code id} by hand and sends {@code first} on it. */
  private RawPeer dial(int id, PeerStreamItem first) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(address(id)).usePlaintext().build();
    channels.add(channel);
    RawPeer raw = new RawPeer();
    raw.out = PeerServiceGrpc.newStub(channel).connect(raw);
    raw.out.onNext(first);
    return raw;
  }

  /** The test's end of a hand-made peer stream: records the replies and how it ended. */
  private static final class RawPeer implements StreamObserver<PeerStreamReply> {
    StreamObserver<PeerStreamItem> out;
    volatile boolean helloAccepted;
    volatile Status end;

    @Override
    public void onNext(PeerStreamReply reply) {
      helloAccepted |= reply.hasHelloReply();
    }

    @Override
    public void onError(Throwable t) {
      end = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      end = Status.OK;
    }

    void awaitEnd() {
      Inbox.await(() -> end != null, () -> "the member did not end the stream");
    }

    void awaitHelloReply() {
      Inbox.await(() -> helloAccepted || end != null, () -> "the member did not answer the hello");
      assertThat(end).as("stream end").isNull();
    }
  }
}
