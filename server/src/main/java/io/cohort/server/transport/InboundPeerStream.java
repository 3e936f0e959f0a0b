package io.cohort.server.transport;

import io.cohort.proto.ConsensusMessage;
import io.cohort.proto.PeerHello;
import io.cohort.proto.PeerHelloReply;
import io.cohort.proto.PeerStreamItem;
import io.cohort.proto.PeerStreamReply;
import io.cohort.server.consensus.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream dialed to this member by a peer: checks the hello, then decodes each frame and
 * hands its messages to the consumer. Nothing in a frame is trusted: a message that does not
 * decode, or that claims another sender than the member that said hello, is dropped and
 * counted. gRPC calls {@code onNext}, {@code onError} and {@code onCompleted} one at a time;
 * {@link #shutDown} may come from another thread, so writes to the peer are synchronized.
 */
final class InboundPeerStream implements StreamObserver<PeerStreamItem> {
  private static final Logger LOG = LoggerFactory.getLogger(InboundPeerStream.class);
  /** In a refusal: the dialing member is not (or no longer) one of this member's peers. */
  static final String NOT_A_PEER = " is not in this group's peer list ";

  private final StreamObserver<PeerStreamReply> replies; // guarded by replyLock
  private final Object replyLock = new Object();
  private boolean repliesClosed; // guarded by replyLock
  private final HelloCheck check;
  private final DistinctReasons refusals;
  private final TransportCounters counters;
  private final Consumer<Message> inbound;
  private final Consumer<InboundPeerStream> onEnd;

  private volatile boolean shut; // set by shutDown: frames still in flight are ignored
  // The peer's id once its hello was accepted; written by gRPC callbacks, read by peer updates.
  private volatile int member = -1;
  // gRPC callback state (one callback at a time).
  private boolean warnedForged;
  private boolean warnedMalformed;

  InboundPeerStream(StreamObserver<PeerStreamReply> replies, HelloCheck check,
      DistinctReasons refusals, TransportCounters counters, Consumer<Message> inbound,
      Consumer<InboundPeerStream> onEnd) {
    this.replies = replies;
    this.check = check;
    this.refusals = refusals;
    this.counters = counters;
    this.inbound = inbound;
    this.onEnd = onEnd;
  }

  @Override
  public void onNext(PeerStreamItem item) {
    if (shut || repliesClosed()) {
      return;
    }
    if (member < 0) {
      onFirstItem(item);
    } else if (item.hasFrame()) {
      for (ConsensusMessage m : item.getFrame().getMessagesList()) {
        deliver(m);
      }
    } else if (item.hasHello()) {
      refuse("member " + member + " sent a second hello on one stream");
    } else {
      // An item kind added by a newer version: nothing here can use it.
      counters.dropped(1);
    }
  }

  @Override
  public void onError(Throwable t) {
    LOG.debug("stream from member {} ended: {}", member, Status.fromThrowable(t));
    onEnd.accept(this);
  }

  @Override
  public void onCompleted() {
    closeReplies(null);
    onEnd.accept(this);
  }

  /** Ends the stream because this member is shutting down; the peer will redial later. */
  void shutDown() {
    shut = true;
    closeReplies(Status.UNAVAILABLE.withDescription("member " + check.self() + " is shutting down"));
  }

  /**
   * Ends the stream because its peer left the peer list; if it redials, its hello is refused.
   * Returns false, doing nothing, for a peer still listed or a stream still saying hello (that
   * hello is checked against the new list).
   */
  boolean endIfNotIn(Set<Integer> peers) {
    int m = member;
    if (m < 0 || peers.contains(m)) {
      return false;
    }
    shut = true;
    closeReplies(Status.UNAVAILABLE.withDescription("member " + m + " is no longer a peer of member "
        + check.self()));
    return true;
  }

  private void onFirstItem(PeerStreamItem item) {
    if (!item.hasHello()) {
      refuse("the first item on a peer stream must be a hello, got " + item.getItemCase());
      return;
    }
    PeerHello hello = item.getHello();
    String reason = check.refusal(hello);
    if (reason != null) {
      refuse(reason);
      return;
    }
    member = hello.getMemberId();
    if (!check.peers().contains(member)) {
      // The peer list changed after the check above and may have missed this stream (both
      // sides write, then read, a volatile: one of them sees the other).
      refuse("member " + member + NOT_A_PEER + check.peers());
      return;
    }
    synchronized (replyLock) {
      if (!repliesClosed) {
        replies.onNext(PeerStreamReply.newBuilder()
            .setHelloReply(PeerHelloReply.newBuilder().setMemberId(check.self())).build());
      }
    }
    LOG.debug("accepted stream from member {}", member);
  }

  private void deliver(ConsensusMessage encoded) {
    Message m;
    try {
      m = MessageCodec.decode(encoded);
    } catch (MalformedMessageException e) {
      counters.dropped(1);
      if (!warnedMalformed) {
        warnedMalformed = true;
        LOG.warn("dropping malformed messages from member {}: {}", member, e.getMessage());
      }
      return;
    }
    if (m.from() != member) {
      counters.dropped(1);
      if (!warnedForged) {
        warnedForged = true;
        LOG.warn("dropping messages from member {} that claim to come from member {}",
            member, m.from());
      }
      return;
    }
    try {
      inbound.accept(m);
      counters.received();
    } catch (RuntimeException e) {
      // The consumer is the driver's; its failure is a bug there, not a reason to drop the peer.
      counters.dropped(1);
      LOG.error("consumer failed on a message from member {}", member, e);
    }
  }

  private void refuse(String reason) {
    counters.rejectedPeer();
    if (refusals.isNew(reason)) {
      LOG.warn("refused a peer stream: {}", reason);
    }
    closeReplies(Status.FAILED_PRECONDITION.withDescription(reason));
  }

  private boolean repliesClosed() {
    synchronized (replyLock) {
      return repliesClosed;
    }
  }

  /** Ends the reply side once: with {@code error}, or normally when it is null. */
  private void closeReplies(Status error) {
    synchronized (replyLock) {
      if (repliesClosed) {
        return;
      }
      repliesClosed = true;
      if (error == null) {
        replies.onCompleted();
      } else {
        replies.onError(error.asRuntimeException());
      }
    }
  }
}
