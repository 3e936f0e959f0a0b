package io.cohort.server.group;

import io.cohort.proto.GroupServiceGrpc;
import io.cohort.proto.LastView;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.ProbeRequest;
import io.cohort.proto.ProbeResponse;
import io.cohort.server.membership.GroupRestart;
import io.grpc.ConnectivityState;
import io.cohort.server.model.Shown;
import io.cohort.server.transport.DistinctReasons;
import io.cohort.server.transport.TlsFailure;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The network side of a member restarting out of its group: asks every member it knows of
 * (its seeds, the members of its last view, and the members of the views they report) what
 * they know ({@code GroupService.Probe}), so {@link GroupRestart} can decide. Also writes the
 * plan an operator reads before forcing a group back from one member.
 *
 * <p>Used by one thread at a time (the group's lifecycle thread); {@link #lastHeard} may be
 * read by any.
 */
final class RestartCoordinator implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RestartCoordinator.class);
  private static final long PROBE_DEADLINE_MS = 2000;

  private final String groupUuid;
  private final String memberId;
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
  private volatile Map<String, ProbeResponse> lastHeard = Map.of();
  /** TLS failures and refusals logged already: each is logged once per address. */
  private final DistinctReasons refusals = new DistinctReasons(64);
  /** What other members' client ports are dialed with (TLS with this member's certificate, or not). */
  private final ChannelCredentials credentials;

  RestartCoordinator(String groupUuid, String memberId, ChannelCredentials credentials) {
    this.credentials = credentials;
    this.groupUuid = groupUuid;
    this.memberId = memberId;
  }

  /**
   * Probes {@code addresses} (and the members of the views they report, once) and returns the
   * answers from other members of this group, by member id.
   */
  Map<String, ProbeResponse> probe(Collection<String> addresses, String self) {
    Set<String> todo = new LinkedHashSet<>(addresses);
    todo.remove(self);
    Set<String> asked = new LinkedHashSet<>();
    Map<String, ProbeResponse> heard = new TreeMap<>();
    while (!todo.isEmpty()) {
      String a = todo.iterator().next();
      todo.remove(a);
      asked.add(a);
      ProbeResponse r = probeOne(a);
      if (r == null || !r.getGroupUuid().equals(groupUuid) || r.getMemberId().equals(memberId)) {
        continue;
      }
      heard.put(r.getMemberId(), r);
      for (MemberInfo m : r.getLastView().getMembersList()) {
        if (!m.getAddress().isEmpty() && !asked.contains(m.getAddress()) && !m.getAddress().equals(self)) {
          todo.add(m.getAddress());
        }
      }
    }
    lastHeard = Map.copyOf(heard);
    return heard;
  }

  /** What the last round of probes heard, by member id. */
  Map<String, ProbeResponse> lastHeard() {
    return lastHeard;
  }

  /**
   * The channel to {@code address}, kept across rounds. One that failed to connect is told to
   * try again now: its backoff grows to minutes while a member is down, and a member that comes
   * back must be heard on the next round, not minutes later.
   */
  ManagedChannel channel(String address) {
    ManagedChannel ch = channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a, credentials)
        .maxInboundMessageSize(Integer.MAX_VALUE).build());
    if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      ch.resetConnectBackoff();
    }
    return ch;
  }

  private ProbeResponse probeOne(String address) {
    try {
      return GroupServiceGrpc.newBlockingStub(channel(address))
          .withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .probe(ProbeRequest.newBuilder().setGroupUuid(groupUuid).setMemberId(memberId).build());
    } catch (StatusRuntimeException e) {
      String tls = TlsFailure.of(e);
      Status.Code code = e.getStatus().getCode();
      if (tls != null && refusals.isNew(address + " " + tls)) {
        LOG.warn("member {} cannot reach {}: the TLS handshake failed ({}); tls-ca must have signed both members'"
            + " certificates, and {}'s must name the address dialed", memberId, address, Shown.of(tls, 300), address);
      } else if ((code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED)
          && refusals.isNew(address + " " + code)) {
        LOG.warn("member {} cannot reach {}: it refused this member ({}: {}); the CA it trusts must have signed this"
            + " member's certificate (tls-cert)", memberId, address, code,
            Shown.of(e.getStatus().getDescription(), 300));
      }
      return null; // down, or not answering yet: it counts as not heard
    }
  }

  /** One member's report as the decision rule reads it. */
  static GroupRestart.Report report(String memberId, GroupRestart.State state, long epoch, LastView view,
      long lastSeqno, long placeEpoch) {
    List<String> ids = new ArrayList<>();
    long viewEpoch = 0;
    long viewSeq = 0;
    if (view != null) {
      view.getMembersList().forEach(m -> ids.add(m.getMemberId()));
      viewEpoch = view.getEpoch();
      viewSeq = view.getViewSeq();
    }
    return new GroupRestart.Report(memberId, state, epoch, viewEpoch, viewSeq, ids, lastSeqno, placeEpoch);
  }

  static GroupRestart.Report report(ProbeResponse r) {
    GroupRestart.State state = switch (r.getState()) {
      case IN_GROUP -> GroupRestart.State.IN_GROUP;
      case WAITING -> GroupRestart.State.WAITING;
      default -> GroupRestart.State.OTHER;
    };
    return report(r.getMemberId(), state, r.getEpoch(), r.hasLastView() ? r.getLastView() : null, r.getLastSeqno(),
        r.getPlaceEpoch());
  }

  static List<GroupRestart.Report> reports(Map<String, ProbeResponse> heard) {
    List<GroupRestart.Report> out = new ArrayList<>();
    heard.values().forEach(r -> out.add(report(r)));
    return out;
  }

  /**
   * What forcing the group back from this member means: what it has, who was not heard from,
   * and what is lost. One item per line.
   */
  String plan(LastView view, String executed, long lastSeqno, Map<String, ProbeResponse> heard) {
    StringBuilder sb = new StringBuilder();
    sb.append("resume group ").append(groupUuid).append(" from member ").append(memberId)
        .append(" alone, with its history: gtid_executed ").append(executed.isEmpty() ? "(empty)" : executed)
        .append('\n');
    if (view != null) {
      List<String> ids = new ArrayList<>();
      view.getMembersList().forEach(m -> ids.add(m.getMemberId()));
      sb.append("its last view: ").append(view.getEpoch()).append(':').append(view.getViewSeq()).append(' ')
          .append(ids).append('\n');
      for (MemberInfo m : view.getMembersList()) {
        if (!m.getMemberId().equals(memberId) && !heard.containsKey(m.getMemberId())) {
          sb.append("not heard from: ").append(m.getMemberId()).append(" (").append(m.getAddress())
              .append("): transactions only it had applied are lost; if it holds any, it is refused when it"
                  + " comes back and must be given an empty data dir\n");
        }
      }
    }
    for (ProbeResponse r : heard.values()) {
      sb.append("heard: ").append(r.getMemberId()).append(' ').append(r.getState()).append(", last transaction ")
          .append(r.getLastSeqno());
      if (r.getLastSeqno() > lastSeqno) {
        sb.append(": MORE than this member; its transactions ").append(groupUuid).append(':').append(lastSeqno + 1)
            .append('-').append(r.getLastSeqno()).append(" would be lost and it would be refused; force on ")
            .append(r.getMemberId()).append(" instead");
      }
      sb.append('\n');
    }
    sb.append("the others join this member once it runs; members with transactions it lacks are refused");
    return sb.toString();
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
