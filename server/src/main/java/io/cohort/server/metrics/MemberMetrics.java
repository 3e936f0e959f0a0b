package io.cohort.server.metrics;

import io.cohort.proto.FlowControlStatus;
import io.cohort.server.api.MemberContext;
import io.cohort.server.group.GroupReplication;
import io.cohort.server.driver.ConsensusDriver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A member's metrics, in Prometheus' text format on its HTTP endpoint ({@link HttpEndpoint}):
 * commit latency, throughput and aborts, the certifier and applier queues, flow control, the
 * view, recovery and clone progress, RocksDB and the JVM. Every member tags its series with
 * {@code member} and {@code group}. Counters and gauges read the member's own figures when
 * scraped; only the commit latency is recorded as commits finish.
 */
public final class MemberMetrics {
  /** States a member can be in, one series each (1 for the current one). */
  static final List<String> STATES = List.of("ONLINE", "RECOVERING", "OFFLINE", "ERROR");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer committed;
  private final Timer aborted;
  private final Counter failed;

  public MemberMetrics(String memberId, String groupUuid) {
    registry.config().commonTags("member", memberId, "group", groupUuid);
    committed = commitTimer("committed");
    aborted = commitTimer("aborted");
    failed = Counter.builder("cohort.commit.failures").description("commits that failed with an error (not a conflict)")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  private Timer commitTimer(String outcome) {
    return Timer.builder("cohort.commit").description("commit latency on this member, from the request to its answer")
        .tag("outcome", outcome).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
  }

  /** A commit proposed by a client of this member was answered after {@code nanos}. */
  public void commitAnswered(boolean wasCommitted, long nanos) {
    (wasCommitted ? committed : aborted).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** A commit failed with an error (unavailable, refused), neither committed nor aborted. */
  public void commitFailed() {
    failed.increment();
  }

  /** Binds the series read from the member when scraped. */
  public void bind(MemberContext m) {
    GroupReplication g = m.group();
    counter("cohort.transactions.certified", "transactions certified on this member (all origins)", g,
        x -> x.stats().checked());
    counter("cohort.transactions.committed", "transactions certified committed (all origins)", g,
        x -> x.stats().committed());
    counter("cohort.transactions.conflicts", "transactions that failed certification (all origins)", g,
        x -> x.stats().conflicts());
    counter("cohort.transactions.local.proposed", "transactions this member proposed", g,
        x -> x.stats().localProposed());
    counter("cohort.transactions.local.rolledback", "transactions this member proposed that were rolled back", g,
        x -> x.stats().localRolledBack());
    gauge("cohort.certifier.size", "write-set entries the certifier holds", g, x -> x.stats().certifierSize());
    // The consensus module's, counted since the member last entered its group (a new session
    // starts them at zero, which Prometheus reads as a counter reset).
    counter("cohort.consensus.delivered", "values the consensus module delivered here, every member's", g,
        x -> consensus(x, ConsensusDriver.Stats::deliveredValues));
    counter("cohort.consensus.fsyncs", "saves of acceptor state (one synced write each with fsync on)", g,
        x -> consensus(x, ConsensusDriver.Stats::fsyncs));
    counter("cohort.consensus.dropped.messages", "peer messages dropped because the input queue was full", g,
        x -> consensus(x, ConsensusDriver.Stats::droppedMessages));
    gauge("cohort.consensus.pending.proposals", "this member's proposals accepted and not yet delivered", g,
        x -> consensus(x, st -> st.pendingProposals()));
    gauge("cohort.consensus.queued.inputs", "peer messages and proposals waiting for the consensus loop", g,
        x -> consensus(x, st -> st.queuedInputs()));
    gauge("cohort.consensus.suspected.members", "peers the failure detector suspects (their slots get revoked)", g,
        x -> consensus(x, st -> st.suspected().size()));
    gauge("cohort.applier.queue", "transactions certified and not yet applied", m, x -> x.applier().queueSize());
    gauge("cohort.applied.seqno", "sequence number of the last transaction applied", m, x -> x.applier().lastApplied());
    gauge("cohort.transactions.open", "client transactions open on this member", m, x -> x.registry().openCount());
    gauge("cohort.flowcontrol.throttling", "1 while flow control throttles this member's commits", g,
        x -> x.status().flowControl().getThrottling() ? 1 : 0);
    gauge("cohort.flowcontrol.quota", "commits this member may propose per period while throttling", g,
        x -> x.status().flowControl().getQuota());
    gauge("cohort.flowcontrol.waiting", "commits waiting for quota", g, x -> x.status().flowControl().getWaiting());
    counter("cohort.flowcontrol.throttled", "commits that waited for quota", g,
        x -> flow(x).getThrottledTotal());
    gauge("cohort.view.epoch", "epoch of this member's view", g, x -> viewPart(x.viewId(), 0));
    gauge("cohort.view.seq", "view changes within the epoch", g, x -> viewPart(x.viewId(), 1));
    gauge("cohort.view.members", "members in this member's view", g, x -> x.members().size());
    for (String state : STATES) {
      Gauge.builder("cohort.member.state", g, x -> state.equals(x.localState()) ? 1 : 0)
          .description("1 for this member's state").tag("state", state).register(registry);
    }
    gauge("cohort.member.primary", "1 while this member is a primary", g,
        x -> x.members().stream().anyMatch(v -> v.memberId().equals(m.memberId()) && v.role().equals("PRIMARY")) ? 1 : 0);
    gauge("cohort.clone.done.bytes", "bytes of the last clone copied", m, x -> x.recovery().toProto().getClone().getBytesDone());
    gauge("cohort.clone.size.bytes", "bytes of the last clone", m, x -> x.recovery().toProto().getClone().getBytesTotal());
    gauge("cohort.log.first.seqno", "first transaction this member's log keeps", m, x -> x.logPurger().purgedUpTo() + 1);
    gauge("cohort.rocksdb.live.data.bytes", "RocksDB's estimate of its live data", m,
        x -> x.storage().longProperty("rocksdb.estimate-live-data-size"));
    gauge("cohort.rocksdb.memtable.bytes", "bytes in RocksDB's memtables", m,
        x -> x.storage().longProperty("rocksdb.cur-size-all-mem-tables"));
    gauge("cohort.rocksdb.pending.compaction.bytes", "RocksDB's estimate of bytes compaction has to rewrite", m,
        x -> x.storage().longProperty("rocksdb.estimate-pending-compaction-bytes"));
    gauge("cohort.rocksdb.sst.bytes", "bytes in RocksDB's table files", m,
        x -> x.storage().longProperty("rocksdb.total-sst-files-size"));
    if (g.replicaStatus() != null) { // a read replica: its default channel, and a multi-source one's named ones
      replicaGauges(g, "", GroupReplication::replicaStatus);
      List<io.cohort.proto.ReplicaStatus> channels = g.channelStatuses();
      for (int i = 0; i < channels.size(); i++) {
        int at = i;
        replicaGauges(g, channels.get(i).getChannelName(), x -> x.channelStatuses().get(at));
      }
    }
    if (m.semiSync().enabled()) {
      io.cohort.server.replica.SemiSyncSource s = m.semiSync();
      gauge("cohort.semisync.on", "1 while commits wait for semi-sync replicas' acknowledgements", s,
          x -> x.status().getStatus().equals("ON") ? 1 : 0);
      gauge("cohort.semisync.clients", "semi-sync replicas heard from within the timeout", s,
          x -> x.status().getClientsCount());
      counter("cohort.semisync.yes", "commits acknowledged by enough replicas (Rpl_semi_sync_source_yes_tx)", s,
          x -> x.status().getYesTx());
      counter("cohort.semisync.no", "commits that did not wait for replicas (Rpl_semi_sync_source_no_tx)", s,
          x -> x.status().getNoTx());
    }
  }

  private static double consensus(GroupReplication g, java.util.function.ToLongFunction<ConsensusDriver.Stats> f) {
    ConsensusDriver.Stats st = g.consensusStats();
    return st == null ? 0 : f.applyAsLong(st);
  }

  private static FlowControlStatus flow(GroupReplication g) {
    return g.status().flowControl();
  }

  static double viewPart(String viewId, int i) {
    String[] p = viewId == null ? new String[0] : viewId.split(":");
    try {
      return p.length == 2 ? Long.parseLong(p[i]) : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** One replication channel's lag, delay and applier state, tagged with the channel's name. */
  private void replicaGauges(GroupReplication g, String channel,
      java.util.function.Function<GroupReplication, io.cohort.proto.ReplicaStatus> status) {
    Gauge.builder("cohort.replica.seconds.behind.source", g, x -> {
      long s = status.apply(x).getSecondsBehindSource();
      return s < 0 ? Double.NaN : s;
    }).description("Seconds_Behind_Source: age of the oldest transaction received and not applied (NaN while no"
        + " source answers)").tag("channel", channel).register(registry);
    Gauge.builder("cohort.replica.sql.delay.seconds", g, x -> status.apply(x).getSqlDelay())
        .description("source-delay (SOURCE_DELAY)").tag("channel", channel).register(registry);
    Gauge.builder("cohort.replica.applier.stopped", g,
        x -> status.apply(x).getLastApplierErrorGtid().isEmpty() ? 0 : 1)
        .description("1 once the applier stopped on a transaction it cannot apply").tag("channel", channel)
        .register(registry);
  }

  private <T> void gauge(String name, String description, T obj, ToDoubleFunction<T> f) {
    Gauge.builder(name, obj, f).description(description).register(registry);
  }

  private <T> void counter(String name, String description, T obj, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, obj, f).description(description).register(registry);
  }

  /**
   * Committed commits' latency so far, for the dashboard: {"count":N,"sumSeconds":S,"buckets":
   * [[upper bound in seconds, commits at or under it], ...]}, cumulative as in Prometheus.
   */
  public String commitLatencyJson() {
    io.micrometer.core.instrument.distribution.HistogramSnapshot h = committed.takeSnapshot();
    StringBuilder b = new StringBuilder(4096).append("{\"count\":").append(h.count()).append(",\"sumSeconds\":")
        .append(h.total(java.util.concurrent.TimeUnit.SECONDS)).append(",\"buckets\":[");
    io.micrometer.core.instrument.distribution.CountAtBucket[] buckets = h.histogramCounts();
    for (int i = 0; i < buckets.length; i++) {
      b.append(i == 0 ? "[" : ",[").append(buckets[i].bucket(java.util.concurrent.TimeUnit.SECONDS)).append(',')
          .append((long) buckets[i].count()).append(']');
    }
    return b.append("]}").toString();
  }

  /** Every series, in Prometheus' text format. */
  public String scrape() {
    return registry.scrape();
  }
}
