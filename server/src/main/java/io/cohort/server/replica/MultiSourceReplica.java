package io.cohort.server.replica;

import io.cohort.proto.Consistency;
import io.cohort.proto.ForceBootstrapResponse;
import io.cohort.proto.GroupActionResponse;
import io.cohort.proto.GroupEvent;
import io.cohort.proto.GroupMessageStats;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.JoinResponse;
import io.cohort.proto.ProbeRequest;
import io.cohort.proto.ProbeResponse;
import io.cohort.proto.ReplicaStatus;
import io.cohort.proto.Transaction;
import io.cohort.server.apply.Applier;
import io.cohort.server.driver.ConsensusDriver;
import io.cohort.server.group.CommitOutcome;
import io.cohort.server.group.GroupReplication;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Names;
import io.cohort.server.model.Table;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A multi-source replica: the default channel (a {@link ReadReplica} of the member's own group,
 * in the member's store) and named channels replicating other groups, each into its own store.
 * Clients see one database: every channel's tables, and one gtid_executed holding every group's
 * GTIDs. A table name held by two channels is served from the earlier one (the default channel,
 * then the named ones in order); the other's is reported hidden in its channel's status, since
 * rows of two channels are never merged. Each channel keeps its own status, filters, errors and
 * skips.
 */
public final class MultiSourceReplica implements GroupReplication {
  private final ReadReplica main;
  private final Applier mainApplier;
  private final List<ReplicaChannel> channels;

  public MultiSourceReplica(ReadReplica main, Applier mainApplier, List<ReplicaChannel> channels) {
    this.main = main;
    this.mainApplier = mainApplier;
    this.channels = List.copyOf(channels);
  }

  /** Starts every channel's receiver; {@code address} is where clients reach this replica. */
  public void start(String address) {
    main.start(address);
    for (ReplicaChannel c : channels) {
      c.replica().start(address);
    }
  }


  /** Channel index (0: the default one, then the named ones in order) to its hidden tables. */
  private Map<Integer, List<String>> hidden() {
    List<Catalog> parts = JoinedData.catalogs(mainApplier, channels);
    Map<Table, Integer> owner = new IdentityHashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      for (Table t : parts.get(i).tables()) {
        owner.put(t, i);
      }
    }
    Map<Integer, List<String>> out = new TreeMap<>();
    Catalog.union(parts, (left, kept) -> {
      if (!Names.isSystem(left.name())) {
        out.computeIfAbsent(owner.get(left), k -> new ArrayList<>()).add(left.name());
      }
    });
    return out;
  }

  @Override
  public CompletableFuture<CommitOutcome> submit(Transaction tx) {
    return main.submit(tx);
  }

  @Override
  public List<MemberView> members() {
    return membersIn(localState());
  }

  /** This replica's row, in {@code state}: every channel's, not the default channel's alone. */
  private List<MemberView> membersIn(String state) {
    return main.members().stream().map(m -> new MemberView(m.memberId(), m.address(), state, m.role(), m.version(),
        m.groupAddress(), m.weight())).toList();
  }

  @Override
  public String viewId() {
    return "";
  }

  /** ERROR when any channel stopped, ONLINE when every channel's source answers, else CONNECTING. */
  @Override
  public String localState() {
    String state = main.localState();
    for (ReplicaChannel c : channels) {
      String s = c.replica().localState();
      if (s.equals("ERROR") || !state.equals("ERROR") && s.equals("CONNECTING")) {
        state = s;
      }
    }
    return state;
  }

  @Override
  public PipelineStats stats() {
    return main.stats();
  }

  @Override
  public GroupMessageStats messageStats() {
    return main.messageStats();
  }

  /** Closes the named channels (and their stores), then the default one. */
  @Override
  public void close() {
    for (ReplicaChannel c : channels) {
      c.close();
    }
    main.close();
  }

  /** The default channel's status, with the state and reason of the first channel in trouble. */
  @Override
  public GroupStatus status() {
    GroupStatus s = main.status();
    String state = localState();
    String reason = s.stateReason();
    if (reason.isEmpty()) {
      for (ReplicaChannel c : channels) {
        GroupStatus cs = c.replica().status();
        if (!cs.stateReason().isEmpty()) {
          reason = "channel " + c.name() + ": " + cs.stateReason();
          break;
        }
      }
    }
    return new GroupStatus(s.mode(), s.primary(), reason, s.memberStats(), s.flowControl(), s.viewId(),
        membersIn(state), state);
  }

  @Override
  public ConsensusDriver.Stats consensusStats() {
    return null;
  }

  @Override
  public List<GroupEvent> events() {
    return List.of();
  }

  @Override
  public CompletableFuture<GroupActionResponse> changeMode(boolean singlePrimary, String primary) {
    return main.changeMode(singlePrimary, primary);
  }

  @Override
  public CompletableFuture<JoinResponse> join(JoinRequest request) {
    return main.join(request);
  }

  @Override
  public ProbeResponse probe(ProbeRequest request) {
    return main.probe(request);
  }

  @Override
  public ForceBootstrapResponse forceBootstrap(boolean execute) {
    return main.forceBootstrap(execute);
  }

  @Override
  public ForceBootstrapResponse forceMembers(List<String> members, boolean execute) {
    return main.forceMembers(members, execute);
  }

  @Override
  public boolean acceptsClients() {
    return true;
  }

  @Override
  public CompletableFuture<Void> readyFor(Consistency level) {
    return main.readyFor(level);
  }

  @Override
  public CompletableFuture<Void> appliedEverywhere(long seqno) {
    return main.appliedEverywhere(seqno);
  }

  @Override
  public long logNeededAbove() {
    return main.logNeededAbove();
  }

  /** Skips on the channel whose group the GTID names (the default channel for any other). */
  @Override
  public String skipReplicaTransaction(String gtid) {
    for (ReplicaChannel c : channels) {
      if (gtid.regionMatches(true, 0, c.groupUuid() + ":", 0, c.groupUuid().length() + 1)) {
        return "channel " + c.name() + ": " + c.replica().skipReplicaTransaction(gtid);
      }
    }
    return main.skipReplicaTransaction(gtid);
  }

  /** The default channel's status (SHOW REPLICA STATUS FOR CHANNEL ''). */
  @Override
  public ReplicaStatus replicaStatus() {
    List<String> hidden = hidden().getOrDefault(0, List.of());
    return main.replicaStatus().toBuilder().setHiddenTables(String.join(",", hidden)).build();
  }

  /** The named channels' status, in order. */
  @Override
  public List<ReplicaStatus> channelStatuses() {
    Map<Integer, List<String>> hidden = hidden();
    List<ReplicaStatus> out = new ArrayList<>(channels.size());
    for (int i = 0; i < channels.size(); i++) {
      ReplicaChannel c = channels.get(i);
      out.add(c.replica().replicaStatus().toBuilder().setChannelName(c.name())
          .setHiddenTables(String.join(",", hidden.getOrDefault(i + 1, List.of()))).build());
    }
    return out;
  }
}
