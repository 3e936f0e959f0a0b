package io.cohort.server.recovery;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.MemberStatus;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.server.apply.MetaKeys;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.storage.Storage;
import io.cohort.server.transport.MemberCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before a joining member opens its database, whether it must clone a donor's data
 * instead of replaying donors' logs, and clones when so. It clones when the group purged
 * transactions this member lacks (a brand-new member whose group purged anything, or one that
 * was away longer than the group keeps its log), when it is more than {@code clone-threshold}
 * transactions behind, when a clone was under way when it stopped (it resumes), or when the
 * member asked for one ({@link #request}: its recovery found that every donor had purged what it
 * lacked, and it restarted itself to clone).
 *
 * <p>Donors are ONLINE members, secondaries first in single-primary mode (the primary keeps
 * serving clients undisturbed), tried in turn for {@code recovery-retry-count} rounds, with
 * {@code recovery-reconnect-interval} between rounds.
 */
public final class CloneStart {
  private static final Logger LOG = LoggerFactory.getLogger(CloneStart.class);

  /** What a seed said of the group. */
  record GroupSeen(String groupUuid, long lastSeqno, long purgedUpTo, List<String> donors) {}

  /** A clone the member asked for at its last start, with the reason; removed once the copy is in place. */
  static final String REQUESTED = "clone-requested";

  private CloneStart() {}

  /**
   * Makes the next start of the member with {@code dataDir} clone, for {@code why}: durable, so a
   * crash before that start does not lose the request.
   */
  public static void request(Path dataDir, String why) throws IOException {
    Path tmp = dataDir.resolve(REQUESTED + ".tmp");
    byte[] text = why.getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text));
      ch.force(true);
    }
    Files.move(tmp, dataDir.resolve(REQUESTED), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    CloneReceiver.syncDir(dataDir);
  }

  private static String requested(Path dataDir) {
    try {
      Path p = dataDir.resolve(REQUESTED);
      return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dataDir.resolve(REQUESTED), e);
    }
  }

  /**
   * Clones into {@code config.dataDir()} when this member must; does nothing otherwise (no seeds,
   * bootstrap, no seed answers, or the logs can serve it).
   */
  public static void cloneIfNeeded(MemberConfig config, MemberCredentials credentials, String version,
      RecoveryReport report)
      throws InterruptedException {
    if (config.group().bootstrap() || config.group().seeds().isEmpty()) {
      return;
    }
    Path dataDir = config.dataDir();
    Path db = CloneReceiver.databaseDir(dataDir);
    boolean resuming = Files.exists(dataDir.resolve("clone-staging").resolve("clone.state"));
    String requested = requested(dataDir);
    long ownLast = 0;
    String ownGroup = config.groupName() == null ? "" : config.groupName();
    if (Files.exists(db.resolve("CURRENT"))) {
      List<byte[]> meta = Storage.readMetaOf(db, MetaKeys.LAST_SEQNO, MetaKeys.GROUP_UUID, MetaKeys.GROUP_SESSION);
      if (meta.get(2) != null && !resuming && requested == null) {
        // It keeps its place and catches up from its peers, who purge nothing a member of their
        // view has not applied. Asking a seed would delay a quick restart by seconds (seen in
        // GroupReplicationIT's short absence). Were it expelled meanwhile and the log purged
        // past it, its recovery is refused and the next start, without a place, clones.
        return;
      }
      ownLast = meta.get(0) == null ? 0 : ByteBuffer.wrap(meta.get(0)).getLong();
      if (meta.get(1) != null) {
        ownGroup = new String(meta.get(1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    Map<String, ManagedChannel> channels = new HashMap<>();
    try {
      GroupSeen g = ask(config, ownGroup, channels, credentials.toClientPorts());
      if (g == null) {
        if (resuming) {
          LOG.info("clone: no seed answers, so the clone under way cannot go on yet; joining as usual");
        }
        return;
      }
      String why = resuming ? reason(true, ownLast, 0, 0, 1) : requested != null ? requested
          : reason(false, ownLast, g.lastSeqno(), g.purgedUpTo(), config.recovery().cloneThreshold());
      if (why == null) {
        return;
      }
      if (g.donors().isEmpty()) {
        throw new IllegalStateException("this member must clone (" + why + ") but no member is ONLINE to donate");
      }
      LOG.info("recovery: clone, because {}; donors {}", why, g.donors());
      CloneProgress progress = new CloneProgress(System::nanoTime);
      report.cloning(why, progress);
      CloneStatusServer statusServer = CloneStatusServer.start(config, credentials, g.groupUuid(), version, report);
      ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cohort-clone-progress");
        t.setDaemon(true);
        return t;
      });
      reporter.scheduleAtFixedRate(() -> LOG.info("clone: {}", progress), 5, 5, TimeUnit.SECONDS);
      try {
        new CloneReceiver(dataDir, g.groupUuid(), config.memberId(), a -> channel(channels, a, credentials.toClientPorts()), progress)
            .run(g.donors(), config.recovery().retryCount(), config.recovery().reconnectIntervalSeconds() * 1000L);
      } finally {
        reporter.shutdownNow();
        if (statusServer != null) {
          statusServer.close();
        }
      }
      Files.deleteIfExists(dataDir.resolve(REQUESTED));
      LOG.info("recovery: clone done ({}); catching up from the donors' logs next", progress);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear the clone request in " + dataDir, e);
    } finally {
      channels.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * Why a member that applied {@code ownLast} transactions must clone from a donor that applied
   * {@code groupLast} and purged its log up to {@code groupPurged}; null when the logs can serve it.
   */
  public static String reason(boolean resuming, long ownLast, long groupLast, long groupPurged, long threshold) {
    if (resuming) {
      return "a clone was under way when this member stopped";
    }
    // Catching up from a log reads the entry of the member's last transaction first (to compare
    // histories), then the ones after it: so that entry must be there too (whole-group simulator
    // seed 72: a member whose last transaction was the donors' last purged one joined, was
    // refused and restarted without cloning, over and over).
    if (Math.max(ownLast, 1) <= groupPurged) {
      return "the group purged transactions this member needs (it has " + ownLast + ", the donor's log starts at "
          + (groupPurged + 1) + ")";
    }
    if (groupLast - ownLast > threshold) {
      return "it is " + (groupLast - ownLast) + " transactions behind, more than clone-threshold " + threshold;
    }
    return null;
  }

  /** The first seed that is ONLINE in the group: its view, log and donors; null when none answers. */
  private static GroupSeen ask(MemberConfig config, String group, Map<String, ManagedChannel> channels,
      ChannelCredentials credentials) {
    for (String seed : config.group().seeds()) {
      if (seed.equals(config.address()) || seed.equals(config.advertised())) {
        continue;
      }
      StatusResponse st;
      try {
        st = CohortServiceGrpc.newBlockingStub(channel(channels, seed, credentials)).withDeadlineAfter(2, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        continue;
      }
      if (!st.getState().equals("ONLINE") || (!group.isEmpty() && !group.equals(st.getGroupName()))) {
        continue;
      }
      List<String> secondaries = new ArrayList<>();
      List<String> others = new ArrayList<>();
      for (MemberStatus m : st.getMembersList()) {
        if (m.getState().equals("ONLINE") && !m.getMemberId().equals(config.memberId())) {
          (m.getRole().equals("SECONDARY") ? secondaries : others).add(m.getAddress());
        }
      }
      secondaries.addAll(others);
      GtidSet executed = GtidSet.parse(st.getGtidExecuted());
      return new GroupSeen(st.getGroupName(), executed.last(st.getGroupName()),
          st.hasLog() ? st.getLog().getFirstSeqno() - 1 : 0, secondaries);
    }
    return null;
  }

  /** A channel to a donor, taking chunks; kept in {@code channels}. */
  public static ManagedChannel channel(Map<String, ManagedChannel> channels, String address,
      ChannelCredentials credentials) {
    // A receive window of many chunks: with gRPC's default (1 MiB, one chunk) the donor waited for
    // a window update after every chunk, and a clone ran at a fifth of the disk's speed.
    return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a, credentials)
        .maxInboundMessageSize(CloneDonor.CHUNK_BYTES + (1 << 16)).flowControlWindow(16 * CloneDonor.CHUNK_BYTES)
        .build());
  }
}
