package io.cohort.server.transport;

import io.cohort.proto.PeerServiceGrpc;
import io.cohort.proto.PeerStreamItem;
import io.cohort.proto.PeerStreamReply;
import io.cohort.server.consensus.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The gRPC adapter for streams that peers dial to this member: opens an
 * {@link InboundPeerStream} per stream while the transport runs, refuses streams before
 * start and after close, and ends the open ones on close.
 */
final class PeerServiceHandler extends PeerServiceGrpc.PeerServiceImplBase {
  private final HelloCheck check;
  private final TransportCounters counters;
  private final DistinctReasons refusals = new DistinctReasons(64);
  private final Set<InboundPeerStream> open = ConcurrentHashMap.newKeySet();
  private volatile Consumer<Message> inbound; // null until start
  private volatile boolean closed;

  PeerServiceHandler(HelloCheck check, TransportCounters counters) {
    this.check = check;
    this.counters = counters;
  }

  void start(Consumer<Message> inbound) {
    this.inbound = inbound;
  }

  /** Accepts hellos from exactly {@code peers} from now on, and ends streams of the others. */
  void setPeers(Set<Integer> peers) {
    check.setPeers(peers);
    for (InboundPeerStream s : List.copyOf(open)) {
      if (s.endIfNotIn(peers)) {
        open.remove(s);
      }
    }
  }

  /** Refuses new streams and ends the open ones. */
  void close() {
    closed = true;
    for (InboundPeerStream s : List.copyOf(open)) {
      s.shutDown();
    }
    open.clear();
  }

  @Override
  public StreamObserver<PeerStreamItem> connect(StreamObserver<PeerStreamReply> replies) {
    Consumer<Message> sink = inbound;
    if (sink == null || closed) {
      // Not a refusal of the peer: it should simply try again later.
      replies.onError(Status.UNAVAILABLE.withDescription("member " + check.self()
          + (closed ? " is shutting down" : " has not started its transport yet")).asRuntimeException());
      return new Ignored();
    }
    InboundPeerStream stream = new InboundPeerStream(replies, check, refusals, counters, sink,
        open::remove);
    open.add(stream);
    if (closed) {
      // close() ran between the check above and the add: it may have missed this stream.
      stream.shutDown();
      open.remove(stream);
    }
    return stream;
  }

  /** The request side of a stream already ended with an error. */
  private static final class Ignored implements StreamObserver<PeerStreamItem> {
    @Override
    public void onNext(PeerStreamItem item) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
