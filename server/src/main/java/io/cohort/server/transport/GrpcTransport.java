package io.cohort.server.transport;

import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.Message;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Transport} between member processes: gRPC streams of {@code PeerService}
 * ({@code cohort/v1/peer_service.proto}).
 *
 * <p>This member dials one stream to each peer and only sends on it; each peer dials its own
 * stream back, so a pair of members has one stream in each direction. A {@code PeerLink} per
 * peer owns the outbound side (bounded queue, one sender thread, batching into frames, flow
 * control, redial with backoff); a {@code PeerServiceHandler} owns the inbound side (hello
 * check, decoding, refusing forged senders). A dialing member proves nothing beyond its hello:
 * this guards against misconfiguration, not against an attacker (that is TLS's job).
 *
 * <p>The inbound service runs either on a server the caller already has ({@link #service()};
 * that server must accept frames of {@link GrpcTransportOptions#maxInboundMessageBytes} and
 * permit keep-alive pings every {@link GrpcTransportOptions#keepAliveTime}) or on the
 * transport's own server ({@link #listening}). The consumer given to {@link #start} is called
 * on gRPC threads, for different peers possibly at the same time.
 *
 * <p>The peer list follows the group's configuration through {@link #updatePeers}: links to new
 * peers start, links to peers no longer listed close (and their hellos are refused), a peer
 * with a new address is redialed there.
 *
 * <p>{@link #stats()}: {@code sent} counts messages written to a stream; {@code dropped} the
 * oldest messages pushed out of a full queue, sends after close or to a member with no address
 * (yet), and received messages refused (malformed, or claiming a sender other than the peer's
 * hello); {@code connects} streams this member dialed whose hello was accepted;
 * {@code rejectedPeers} streams this member refused.
 */
public final class GrpcTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcTransport.class);

  private final String groupId;
  private final int self;
  private final GrpcTransportOptions options;
  private final TransportCounters counters = new TransportCounters();
  /**
   * By peer id. Read by {@link #send} without a lock; changed only under {@code lifecycle},
   * which also orders peer updates with start and close.
   */
  private final Map<Integer, PeerLink> links = new ConcurrentHashMap<>();
  private final Object lifecycle = new Object();
  private final PeerServiceHandler handler;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Links closed by {@link #updatePeers}; close() waits for their threads too. Under lifecycle. */
  private final List<PeerLink> retired = new ArrayList<>();
  /** Set once by {@link #listening} before the transport is handed out; null otherwise. */
  private volatile Server ownServer;
  /** The thread every peer stream of this transport runs on, offered to the consensus loop. */
  private final NettyLoop io;
  /** What the own server serves with and what links dial with. */
  private final MemberCredentials credentials;

  /**
   * A transport whose inbound service the caller adds to its own gRPC server with
   * {@link #service()}.
   *
   * @param groupId the group's id; peers with another id are refused
   * @param self    this member's id, in 0..127
   * @param peers   address of every other member; an entry for {@code self} is ignored
   */
  public GrpcTransport(String groupId, int self, Map<Integer, InetSocketAddress> peers,
      GrpcTransportOptions options) {
    this(groupId, self, peers, options, MemberCredentials.plaintext());
  }

  private GrpcTransport(String groupId, int self, Map<Integer, InetSocketAddress> peers,
      GrpcTransportOptions options, MemberCredentials credentials) {
    if (groupId == null || groupId.isEmpty()) {
      throw new IllegalArgumentException("group id must not be empty");
    }
    checkMember(self, "this member");
    this.groupId = groupId;
    this.self = self;
    this.options = options;
    this.credentials = credentials;
    this.io = new NettyLoop(self);
    peerAddresses(peers).forEach((id, address) ->
        links.put(id, new PeerLink(groupId, self, id, address, options, credentials.toGroupPorts(), counters, io)));
    this.handler = new PeerServiceHandler(new HelloCheck(groupId, self, links.keySet()), counters);
  }

  /**
   * A transport with its own gRPC server, bound to {@code listen} now (port 0 picks a free
   * port, see {@link #listenPort()}). Peers that dial before {@link #start} are told to retry.
   *
   * @throws IOException if the address cannot be bound
   */
  public static GrpcTransport listening(String groupId, int self,
      Map<Integer, InetSocketAddress> peers, InetSocketAddress listen, GrpcTransportOptions options)
      throws IOException {
    return listening(groupId, self, peers, listen, options, MemberCredentials.plaintext(), null);
  }

  /**
   * As {@link #listening(String, int, Map, InetSocketAddress, GrpcTransportOptions)}, serving and
   * dialing with {@code credentials}' group-port credentials (mutual TLS when group-tls is on:
   * a peer without a certificate from the CA never gets past the handshake), and admitting
   * peer streams only through {@code admission} (the ip-allowlist; null admits every address).
   */
  public static GrpcTransport listening(String groupId, int self,
      Map<Integer, InetSocketAddress> peers, InetSocketAddress listen, GrpcTransportOptions options,
      MemberCredentials credentials, ServerInterceptor admission) throws IOException {
    GrpcTransport t = new GrpcTransport(groupId, self, peers, options, credentials);
    // Peers ping as often as keepAliveTime; a server that permitted less would hang up on them.
    // Inbound frames are decoded and handed to the consensus loop on the network thread itself,
    // the one thread of this transport, on which the loop runs its turns too (ioLoop()).
    t.ownServer = NettyServerBuilder.forAddress(listen, credentials.groupPort())
        .addService(admission == null ? t.handler.bindService() : ServerInterceptors.intercept(t.handler, admission)).directExecutor()
        .bossEventLoopGroup(t.io.group()).workerEventLoopGroup(t.io.group()).channelType(t.io.serverChannelType())
        .maxInboundMessageSize(options.maxInboundMessageBytes())
        .permitKeepAliveTime(options.keepAliveTime().toMillis() / 2, TimeUnit.MILLISECONDS)
        .build();
    try {
      t.ownServer.start();
    } catch (IOException e) {
      t.close();
      throw new IOException("member " + self + " cannot listen for peers on " + listen + ": "
          + e.getMessage(), e);
    }
    return t;
  }

  /** The inbound {@code PeerService}, to add to this member's gRPC server. */
  public BindableService service() {
    return handler;
  }

  /** The port the transport's own server listens on. */
  public int listenPort() {
    if (ownServer == null) {
      throw new IllegalStateException("this transport has no server of its own; see service()");
    }
    return ownServer.getPort();
  }

  @Override
  public void start(Consumer<Message> inbound) {
    if (closed.get()) {
      throw new IllegalStateException("transport of member " + self + " is closed");
    }
    // Under the lock, so a peer added meanwhile is started exactly once: here or there.
    synchronized (lifecycle) {
      if (!started.compareAndSet(false, true)) {
        throw new IllegalStateException("transport of member " + self + " is already started");
      }
      handler.start(inbound);
      links.values().forEach(PeerLink::start);
    }
    LOG.debug("peer transport started: member {} of group {}, peers {}, {}{}", self, groupId,
        new TreeMap<>(links).keySet(), options,
        ownServer == null ? "" : ", listening on port " + listenPort());
  }

  /**
   * Makes {@code peers} the peer list (an entry for this member is ignored): starts links to
   * new peers (at once if the transport is started), closes links to peers no longer listed,
   * and redials a peer whose address changed. From then on only listed peers' hellos are
   * accepted, and open streams from the others are ended. Messages queued for a removed peer
   * still go out while its stream stays open (at most a second), those for a moved one are
   * dropped. Any thread; after close it does nothing.
   */
  public void updatePeers(Map<Integer, InetSocketAddress> peers) {
    Map<Integer, InetSocketAddress> next = peerAddresses(peers);
    synchronized (lifecycle) {
      if (closed.get()) {
        return;
      }
      retired.removeIf(PeerLink::isStopped);
      List<Integer> added = new ArrayList<>();
      List<Integer> removed = new ArrayList<>();
      List<Integer> moved = new ArrayList<>();
      for (Map.Entry<Integer, PeerLink> e : new TreeMap<>(links).entrySet()) {
        InetSocketAddress address = next.get(e.getKey());
        if (address == null || !address.equals(e.getValue().address())) {
          (address == null ? removed : moved).add(e.getKey());
          links.remove(e.getKey());
          e.getValue().close(address == null ? lingerNanos() : 0);
          retired.add(e.getValue());
        }
      }
      next.forEach((id, address) -> {
        if (!links.containsKey(id)) {
          if (!moved.contains(id)) {
            added.add(id);
          }
          PeerLink link = new PeerLink(groupId, self, id, address, options, credentials.toGroupPorts(), counters, io);
          links.put(id, link);
          if (started.get()) {
            link.start();
          }
        }
      });
      handler.setPeers(next.keySet());
      if (!added.isEmpty() || !removed.isEmpty() || !moved.isEmpty()) {
        LOG.debug("peer list of member {} changed: added {}, removed {}, new address for {};"
            + " peers now {}", self, added, removed, moved, next);
      }
    }
  }

  /**
   * {@inheritDoc} A message to a member not in the peer list is dropped and counted: consensus
   * may address a member it just added before the application gave the transport its address.
   *
   * @throws IllegalArgumentException if {@code to} is this member, or {@code message} is not
   *     from this member
   */
  @Override
  public void send(int to, Message message) {
    if (to == self) {
      throw new IllegalArgumentException(
          "member " + self + " cannot send to itself through its transport");
    }
    if (message.from() != self) {
      throw new IllegalArgumentException("member " + self + " cannot send a message from member "
          + message.from() + "; peers drop it as forged");
    }
    PeerLink link = links.get(to);
    if (link == null || closed.get()) {
      counters.dropped(1);
      return;
    }
    // Encoded here, on the caller's thread, so a message that cannot be encoded fails its sender.
    if (link.offer(MessageCodec.encode(message))) {
      counters.dropped(1);
    }
  }

  @Override
  public Stats stats() {
    return counters.snapshot();
  }

  /** {@inheritDoc} Here the one thread that reads and writes every peer stream of this transport. */
  @Override
  public Optional<IoLoop> ioLoop() {
    return Optional.of(io.ioLoop());
  }

  /**
   * {@inheritDoc} Here links whose stream is open write what they had queued first, for at most
   * a second in all: a member stopping right after it decided tells its peers.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + options.closeTimeout().toNanos();
    handler.close();
    List<PeerLink> stopping;
    synchronized (lifecycle) {
      links.values().forEach(link -> link.close(lingerNanos()));
      stopping = new ArrayList<>(links.values());
      stopping.addAll(retired);
    }
    if (ownServer != null) {
      ownServer.shutdownNow();
    }
    try {
      for (PeerLink link : stopping) {
        link.awaitStopped(deadline);
      }
      if (ownServer != null) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !ownServer.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          LOG.warn("peer server of member {} did not stop in time", self);
        }
      }
      io.shutdown(deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (started.get()) {
      LOG.debug("peer transport of member {} closed", self);
    }
  }

  /**
   * How long a closed link still writes what it had queued (a removed peer's last decisions, a
   * stopping member's last answers): at most a second, and half the close timeout.
   */
  private long lingerNanos() {
    return Math.min(TimeUnit.SECONDS.toNanos(1), options.closeTimeout().toNanos() / 2);
  }

  /** {@code peers} validated, without this member. */
  private Map<Integer, InetSocketAddress> peerAddresses(Map<Integer, InetSocketAddress> peers) {
    Map<Integer, InetSocketAddress> out = new TreeMap<>();
    peers.forEach((id, address) -> {
      checkMember(id, "peer");
      Objects.requireNonNull(address, () -> "no address for peer " + id);
      if (id != self) {
        out.put(id, address);
      }
    });
    return out;
  }

  private static void checkMember(int id, String who) {
    if (id < 0 || id > Membership.MAX_MEMBER_ID) {
      throw new IllegalArgumentException(
          who + " id " + id + " is outside 0.." + Membership.MAX_MEMBER_ID);
    }
  }
}
