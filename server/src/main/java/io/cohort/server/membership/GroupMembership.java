package io.cohort.server.membership;

import io.cohort.proto.ConsensusConfig;
import io.cohort.proto.GroupState;
import io.cohort.proto.MemberInfo;
import io.cohort.proto.MemberProgress;
import io.cohort.proto.MemberStats;
import io.cohort.proto.ModeChange;
import io.cohort.proto.ViewChange;
import io.cohort.server.consensus.Checkpoint;
import io.cohort.server.consensus.Membership;
import io.cohort.server.consensus.MembershipChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The group layer's replicated state: the view (members, who is still recovering), the mode and
 * primary, each member's reported progress, and the consensus configurations from the next
 * slot on. Every member feeds it the same delivered sequence and so holds the same state at
 * the same point of it; a joining member starts from a copy taken at the point of its view
 * change ({@link #toState}).
 *
 * <p>Pure and single-threaded: no clocks, I/O or threads; the caller serialises access.
 */
public final class GroupMembership {

  /** What a delivered view change did. */
  public record ViewResult(boolean applied, Set<Integer> added, Set<Integer> removed,
      int primaryBefore, int primaryAfter) {}

  /** What a delivered mode change did; {@code refusal} is null when it applied. */
  public record ModeResult(String refusal, int primaryBefore, int primaryAfter) {}

  private final String groupUuid;
  private final long epoch;
  private final int horizon;
  /**
   * Picks the primary among ONLINE members: always {@link PrimaryElection#elect} in a member
   * process. Only the group simulator's test of its own election check passes another.
   */
  private final Function<Collection<MemberInfo>, Optional<MemberInfo>> election;
  private long viewSeq;
  private final TreeMap<Integer, MemberInfo> members = new TreeMap<>();
  private final TreeSet<Integer> recovering = new TreeSet<>();
  private boolean singlePrimary;
  private int primary = -1;
  private final TreeMap<Integer, Long> watermarks = new TreeMap<>();
  private final TreeMap<Integer, MemberStats> stats = new TreeMap<>();
  private int nextConsensusId;
  private long frontier;
  private long gcSeqno;
  /** Mirrors the consensus core's schedule: start slot → configuration. */
  private final TreeMap<Long, Membership> configs = new TreeMap<>();
  /**
   * Members removed from the view that keep their share of the quorums until a configuration
   * without them takes effect ({@link #configMembers}): their peers must still reach them.
   */
  private final TreeMap<Integer, MemberInfo> departed = new TreeMap<>();
  private final Map<Integer, MemberInfo> departedView = java.util.Collections.unmodifiableMap(departed);

  private GroupMembership(String groupUuid, long epoch, int horizon,
      Function<Collection<MemberInfo>, Optional<MemberInfo>> election) {
    this.groupUuid = groupUuid;
    this.epoch = epoch;
    this.horizon = horizon;
    this.election = election;
  }

  /** A new group whose only member is {@code self} (consensus id 0), ONLINE and primary. */
  public static GroupMembership bootstrap(String groupUuid, long epoch, MemberInfo self,
      boolean singlePrimary, long certifiedSeqno, int horizon) {
    return bootstrap(groupUuid, epoch, self, singlePrimary, certifiedSeqno, horizon, PrimaryElection::elect);
  }

  static GroupMembership bootstrap(String groupUuid, long epoch, MemberInfo self, boolean singlePrimary,
      long certifiedSeqno, int horizon, Function<Collection<MemberInfo>, Optional<MemberInfo>> election) {
    if (self.getConsensusId() != 0) {
      throw new IllegalArgumentException("the bootstrap member has consensus id 0");
    }
    GroupMembership g = new GroupMembership(groupUuid, epoch, horizon, election);
    g.viewSeq = 1;
    g.members.put(0, self);
    g.singlePrimary = singlePrimary;
    g.watermarks.put(0, certifiedSeqno);
    g.gcSeqno = certifiedSeqno;
    g.nextConsensusId = 1;
    g.configs.put(0L, new Membership(List.of(0)));
    g.elect();
    return g;
  }

  public static GroupMembership fromState(GroupState s) {
    return fromState(s, PrimaryElection::elect);
  }

  static GroupMembership fromState(GroupState s, Function<Collection<MemberInfo>, Optional<MemberInfo>> election) {
    GroupMembership g = new GroupMembership(s.getGroupUuid(), s.getEpoch(), s.getHorizon(), election);
    g.viewSeq = s.getViewSeq();
    s.getMembersList().forEach(m -> g.members.put(m.getConsensusId(), m));
    g.recovering.addAll(s.getRecoveringList());
    g.singlePrimary = s.getSinglePrimary();
    g.primary = s.getPrimary();
    g.watermarks.putAll(s.getWatermarksMap());
    g.stats.putAll(s.getStatsMap());
    g.nextConsensusId = s.getNextConsensusId();
    g.frontier = s.getFrontier();
    g.gcSeqno = s.getGcSeqno();
    for (ConsensusConfig c : s.getConfigsList()) {
      g.configs.put(c.getStartSlot(), new Membership(c.getMembersList()));
    }
    s.getDepartedList().forEach(m -> g.departed.put(m.getConsensusId(), m));
    return g;
  }

  /** The state at the current point, for a joining member; {@code certifiedSeqno} from the certifier. */
  public GroupState toState(long certifiedSeqno) {
    GroupState.Builder b = GroupState.newBuilder().setGroupUuid(groupUuid).setEpoch(epoch)
        .setViewSeq(viewSeq).addAllMembers(members.values()).addAllRecovering(recovering)
        .setSinglePrimary(singlePrimary).setPrimary(primary).setCertifiedSeqno(certifiedSeqno)
        .setGcSeqno(gcSeqno).putAllWatermarks(watermarks).putAllStats(stats)
        .setNextConsensusId(nextConsensusId).setFrontier(frontier).setHorizon(horizon);
    configs.forEach((start, m) -> b.addConfigs(
        ConsensusConfig.newBuilder().setStartSlot(start).addAllMembers(m.members())));
    b.addAllDeparted(departed.values());
    return b.build();
  }

  /** Where this member's consensus core resumes: the next slot, with the configurations from there. */
  public Checkpoint checkpoint() {
    SortedMap<Long, Membership> c = new TreeMap<>(configs);
    return new Checkpoint(frontier, c, nextConsensusId);
  }

  // ---- delivered events, in order ----

  /**
   * A MEMBERSHIP value delivered in {@code slot}. It applies only if its expected configuration
   * is the latest one, the same rule the consensus core follows, so the view and the core's
   * schedule never disagree.
   */
  public ViewResult onViewChange(long slot, MembershipChange change, ViewChange view) {
    int before = primary;
    if (!change.appliesAfter(latestConfig(), nextConsensusId)) {
      return new ViewResult(false, Set.of(), Set.of(), before, before);
    }
    Set<Integer> next = new TreeSet<>(change.next().members());
    Set<Integer> described = new TreeSet<>();
    view.getMembersList().forEach(m -> described.add(m.getConsensusId()));
    if (!described.equals(next)) {
      throw new IllegalStateException("view change in slot " + slot + " describes members " + described
          + " but changes the configuration to " + next);
    }
    configs.put(slot + horizon, change.next());
    Set<Integer> added = new TreeSet<>(next);
    added.removeAll(members.keySet());
    Set<Integer> removed = new TreeSet<>(members.keySet());
    removed.removeAll(next);
    for (int id : removed) {
      departed.put(id, members.get(id));
    }
    members.clear();
    view.getMembersList().forEach(m -> members.put(m.getConsensusId(), m));
    for (int id : removed) {
      recovering.remove(id);
      watermarks.remove(id);
      stats.remove(id);
    }
    for (int id : added) {
      recovering.add(id);
      // It recovers to at least the current collection point before it reads anything, so
      // this holds collection back no further than it already is.
      watermarks.put(id, gcSeqno);
      nextConsensusId = Math.max(nextConsensusId, id + 1);
    }
    viewSeq++;
    if (!members.containsKey(primary)) {
      primary = -1;
    }
    elect();
    return new ViewResult(true, added, removed, before, primary);
  }

  /** A member finished recovery. */
  public void onOnline(int id) {
    if (recovering.remove(id)) {
      elect();
    }
  }

  /** A member's progress report; returns the new certifier garbage-collection point. */
  public long onProgress(MemberProgress p) {
    if (members.containsKey(p.getConsensusId())) {
      watermarks.put(p.getConsensusId(), p.getLowWatermark());
      stats.put(p.getConsensusId(), p.getStats());
    }
    long stable = Long.MAX_VALUE;
    for (int id : members.keySet()) {
      stable = Math.min(stable, watermarks.getOrDefault(id, 0L));
    }
    gcSeqno = Math.max(gcSeqno, stable == Long.MAX_VALUE ? 0 : stable);
    return gcSeqno;
  }

  public ModeResult onModeChange(ModeChange mc) {
    int before = primary;
    if (!mc.getSinglePrimary()) {
      singlePrimary = false;
      primary = -1;
      return new ModeResult(null, before, primary);
    }
    if (!mc.getPrimary().isEmpty()) {
      Optional<Integer> id = idOf(mc.getPrimary());
      if (id.isEmpty()) {
        return new ModeResult("member " + mc.getPrimary() + " is not in view " + viewId()
            + "; members are " + memberIds(), before, before);
      }
      if (recovering.contains(id.get())) {
        return new ModeResult("member " + mc.getPrimary() + " is RECOVERING; only an ONLINE member can be primary",
            before, before);
      }
      singlePrimary = true;
      primary = id.get();
      return new ModeResult(null, before, primary);
    }
    if (!singlePrimary) {
      singlePrimary = true;
      primary = -1;
      elect();
    }
    return new ModeResult(null, before, primary);
  }

  /** Every value of {@code slot} has been handled. */
  public void slotDone(long slot) {
    frontier = slot + 1;
    // Keep the configuration in force at the frontier and every later one.
    Long inForce = configs.floorKey(frontier);
    if (inForce != null && inForce > configs.firstKey()) {
      configs.headMap(inForce).clear();
      if (!departed.isEmpty()) {
        departed.keySet().retainAll(configMembers());
      }
    }
  }

  private void elect() {
    if (!singlePrimary || primary >= 0) {
      return;
    }
    List<MemberInfo> online = new ArrayList<>();
    members.forEach((id, m) -> {
      if (!recovering.contains(id)) {
        online.add(m);
      }
    });
    primary = election.apply(online).map(MemberInfo::getConsensusId).orElse(-1);
  }

  // ---- queries ----

  /**
   * Every member of a consensus configuration in force at the frontier or later: a member
   * removed from the view stays in this set, and keeps its share of the quorums, until the
   * configuration without it takes effect.
   */
  public Set<Integer> configMembers() {
    Set<Integer> all = new TreeSet<>();
    Long inForce = configs.floorKey(frontier);
    configs.tailMap(inForce == null ? 0L : inForce).values().forEach(m -> all.addAll(m.members()));
    return all;
  }

  /** The first slot governed by a configuration without {@code id}, or -1 if the latest still has it. */
  public long removedFrom(int id) {
    Map.Entry<Long, Membership> latest = configs.lastEntry();
    return latest.getValue().contains(id) ? -1 : latest.getKey();
  }

  /** Members removed from the view that still have a share of the quorums, by consensus id. */
  public Map<Integer, MemberInfo> departed() {
    return departedView;
  }

  public Membership latestConfig() {
    return configs.lastEntry().getValue();
  }

  public String groupUuid() {
    return groupUuid;
  }

  public long epoch() {
    return epoch;
  }

  public long viewSeq() {
    return viewSeq;
  }

  /** The current view as this member keeps it on disk, with the last sequence number certified before it. */
  public io.cohort.proto.LastView lastView(long certifiedSeqno) {
    return io.cohort.proto.LastView.newBuilder().setEpoch(epoch).setViewSeq(viewSeq)
        .addAllMembers(members.values()).setCertifiedSeqno(certifiedSeqno).build();
  }

  public String viewId() {
    return epoch + ":" + viewSeq;
  }

  public int horizon() {
    return horizon;
  }

  public Map<Integer, MemberInfo> members() {
    return Collections.unmodifiableMap(members);
  }

  public boolean contains(int id) {
    return members.containsKey(id);
  }

  public boolean isRecovering(int id) {
    return recovering.contains(id);
  }

  /** Whether any member of the view is still RECOVERING (not yet ONLINE: it recovers from a donor). */
  public boolean anyRecovering() {
    return !recovering.isEmpty();
  }

  public boolean singlePrimary() {
    return singlePrimary;
  }

  /** Consensus id of the primary, -1 when there is none (multi-primary, or nobody ONLINE). */
  public int primary() {
    return primary;
  }

  public Optional<MemberInfo> primaryInfo() {
    return Optional.ofNullable(members.get(primary));
  }

  public int nextConsensusId() {
    return nextConsensusId;
  }

  public long frontier() {
    return frontier;
  }

  public long gcSeqno() {
    return gcSeqno;
  }

  public Map<Integer, MemberStats> stats() {
    return Collections.unmodifiableMap(stats);
  }

  public Optional<Integer> idOf(String memberId) {
    return members.values().stream().filter(m -> m.getMemberId().equals(memberId))
        .map(MemberInfo::getConsensusId).findFirst();
  }

  private List<String> memberIds() {
    return members.values().stream().map(MemberInfo::getMemberId).sorted().toList();
  }
}
