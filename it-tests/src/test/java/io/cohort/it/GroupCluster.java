package io.cohort.it;

import io.cohort.proto.FaultInjectionGrpc;
import io.cohort.proto.MemberStatus;
import io.cohort.proto.SetApplierDelayRequest;
import io.cohort.proto.SetIsolatedRequest;
import io.cohort.proto.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A group of real member processes on 127.0.0.1: m1 bootstraps it, the others join through
 * m1; a restarted member rejoins through the others. Fault injection is enabled so a test can
 * cut a member off; timeouts are the defaults except a quicker auto-rejoin.
 */
final class GroupCluster implements AutoCloseable {
  final String groupName = UUID.randomUUID().toString();
  final List<MemberProcess> members = new ArrayList<>();
  private final List<String> common;

  GroupCluster(Path dir, int n, String... extra) {
    common = new ArrayList<>(List.of("--group-name", groupName, "--enable-fault-injection"));
    // Quicker than the defaults; an option given in extra replaces the one here.
    Map<String, String> timings = Map.of("--autorejoin-interval-ms", "1000", "--autorejoin-tries", "10",
        "--unreachable-majority-timeout-ms", "5000");
    timings.forEach((option, value) -> {
      if (!List.of(extra).contains(option)) {
        common.addAll(List.of(option, value));
      }
    });
    common.addAll(List.of(extra));
    for (int i = 1; i <= n; i++) {
      members.add(new MemberProcess("m" + i, dir, List.of()));
    }
  }

  /** Every member speaks TLS with its certificate from {@code certs} ({@link MemberProcess#withTls}). */
  GroupCluster tls(Path certs) {
    members.forEach(m -> m.withTls(certs, certs));
    return this;
  }

  /** Every member requires a user, with the bootstrap administrator admin ({@link MemberProcess#withAuth}). */
  GroupCluster auth(String adminPassword) {
    members.forEach(m -> m.withAuth(adminPassword, Map.of()));
    return this;
  }

  /** Bootstraps on m1, then joins the others one at a time; every member ONLINE. */
  GroupCluster start() {
    MemberProcess first = members.get(0);
    first.withArgs(args("--bootstrap")).start();
    for (MemberProcess m : members.subList(1, members.size())) {
      m.withArgs(args("--seeds", first.address())).start();
    }
    awaitAll(s -> members.size() == countOnline(s), 60, "every member ONLINE");
    return this;
  }

  /** Waits until every live member sees every member of the cluster in the view, ONLINE. */
  void awaitWhole(int seconds, String what) {
    awaitAll(s -> s.getMembersCount() == members.size() && countOnline(s) == members.size(), seconds, what);
  }

  /**
   * A new member {@code id} with an empty data directory that joins through every member so far,
   * started but not waited for (it may clone first).
   */
  MemberProcess add(String id, Path dir, String... extra) {
    List<String> seeds = new ArrayList<>();
    members.forEach(o -> seeds.add(o.address()));
    MemberProcess m = new MemberProcess(id, dir, List.of());
    List<String> a = args("--seeds", String.join(",", seeds));
    a.addAll(List.of(extra));
    members.add(m);
    m.withArgs(a).spawn();
    return m;
  }

  /** Starts a stopped member again; it rejoins through the others. Returns once it is ONLINE. */
  void restart(MemberProcess m) {
    m.withArgs(restartArgs(m)).start();
  }

  /** Starts a stopped member again and returns once it answers Status, ONLINE or not. */
  void relaunch(MemberProcess m) {
    m.withArgs(restartArgs(m)).launch();
  }

  private List<String> restartArgs(MemberProcess m) {
    List<String> seeds = new ArrayList<>();
    for (MemberProcess o : members) {
      if (o != m) {
        seeds.add(o.address());
      }
    }
    return args("--seeds", String.join(",", seeds));
  }

  private List<String> args(String... more) {
    List<String> a = new ArrayList<>(common);
    a.addAll(List.of(more));
    return a;
  }

  MemberProcess member(String id) {
    return members.stream().filter(m -> m.memberId().equals(id)).findFirst().orElseThrow();
  }

  String addresses() {
    return String.join(",", members.stream().map(MemberProcess::address).toList());
  }

  /** The primary as the given member sees it. */
  MemberProcess primaryAccordingTo(MemberProcess m) {
    return member(m.status().getPrimary());
  }

  static long countOnline(StatusResponse s) {
    return s.getMembersList().stream().filter(x -> x.getState().equals("ONLINE")).count();
  }

  static Optional<MemberStatus> row(StatusResponse s, String memberId) {
    return s.getMembersList().stream().filter(x -> x.getMemberId().equals(memberId)).findFirst();
  }

  /** Waits until {@code ok} holds for the status of every live member. */
  void awaitAll(Predicate<StatusResponse> ok, int seconds, String what) {
    awaitOn(members.stream().filter(MemberProcess::isAlive).toList(), ok, seconds, what);
  }

  static void awaitOn(List<MemberProcess> on, Predicate<StatusResponse> ok, int seconds, String what) {
    Map<String, java.util.function.Supplier<StatusResponse>> statuses = new java.util.LinkedHashMap<>();
    on.forEach(m -> statuses.put(m.memberId(), m::status));
    await(statuses, ok, seconds, what, () -> {
      StringBuilder logs = new StringBuilder();
      for (MemberProcess m : on) {
        logs.append("\n--- ").append(m.memberId()).append(" ---\n").append(m.logTail());
      }
      return logs.toString();
    });
  }

  /** As {@link #awaitOn}, for members known only by their client addresses. */
  static void awaitOnAddresses(List<String> on, Predicate<StatusResponse> ok, int seconds, String what) {
    Map<String, java.util.function.Supplier<StatusResponse>> statuses = new java.util.LinkedHashMap<>();
    on.forEach(a -> statuses.put(a, () -> MemberReads.status(a, 2)));
    await(statuses, ok, seconds, what, () -> "");
  }

  private static void await(Map<String, java.util.function.Supplier<StatusResponse>> on, Predicate<StatusResponse> ok,
      int seconds, String what, java.util.function.Supplier<String> logs) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (var m : on.entrySet()) {
        try {
          StatusResponse s = m.getValue().get();
          if (!ok.test(s)) {
            all = false;
            last = m.getKey() + " sees " + s.getMembersList().stream()
                .map(x -> x.getMemberId() + ":" + x.getState() + ":" + x.getRole()).toList() + " view " + s.getViewId()
                + " state " + s.getState() + " " + s.getStateReason();
            break;
          }
        } catch (StatusRuntimeException e) {
          all = false;
          last = m.getKey() + ": " + e.getStatus();
          break;
        }
      }
      if (all) {
        return;
      }
      MemberProcess.sleep(100);
    }
    throw new AssertionError("not reached within " + seconds + " s: " + what + " (last: " + last + ")" + logs.get());
  }

  /** Cuts {@code m} off from the group (both directions) or reconnects it. */
  void isolate(MemberProcess m, boolean isolated) {
    cut(m, isolated, false);
  }

  /** Cuts what {@code m} receives from its group (what it sends still arrives), or heals it. */
  void cutOneWay(MemberProcess m, boolean cut) {
    cut(m, cut, true);
  }

  private void cut(MemberProcess m, boolean isolated, boolean inboundOnly) {
    faults(m, stub -> stub.setIsolated(SetIsolatedRequest.newBuilder().setIsolated(isolated)
        .setInboundOnly(inboundOnly).build()));
  }

  /** Makes {@code m}'s applier spend {@code micros} more on each transaction (0: back to normal). */
  void slowApplier(MemberProcess m, int micros) {
    faults(m, stub -> stub.setApplierDelay(SetApplierDelayRequest.newBuilder().setMicrosPerTransaction(micros).build()));
  }

  /** Deletes row {@code k} of {@code table} on {@code m} by hand: unlogged, with no GTID. */
  static void deleteRowUnlogged(MemberProcess m, String table, long k) {
    faults(m, stub -> stub.deleteRowUnlogged(io.cohort.proto.DeleteRowUnloggedRequest.newBuilder().setTable(table)
        .setKey(io.cohort.proto.Key.newBuilder().addValues(io.cohort.proto.Value.newBuilder().setInt64Value(k))).build()));
  }

  private static void faults(MemberProcess m, java.util.function.Consumer<FaultInjectionGrpc.FaultInjectionBlockingStub> call) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(m.address()).usePlaintext().build();
    try {
      call.accept(FaultInjectionGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS));
    } finally {
      ch.shutdownNow();
    }
  }

  @Override
  public void close() {
    for (MemberProcess m : members) {
      m.close();
    }
  }
}
