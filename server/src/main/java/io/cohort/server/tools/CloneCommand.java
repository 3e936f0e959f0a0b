package io.cohort.server.tools;

import io.cohort.proto.CloneManifest;
import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import io.cohort.server.recovery.CloneProgress;
import io.cohort.server.recovery.CloneReceiver;
import io.cohort.server.recovery.CloneStart;
import io.cohort.server.config.ConfigException;
import io.cohort.server.config.TlsConfig;
import io.cohort.server.transport.MemberCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort clone}: seeds a member's data directory, offline, with a copy of a running
 * donor's data. A member started on it with {@code --seeds} then only catches up from the
 * donors' logs. Resumes a copy that was interrupted.
 */
@Command(name = "clone", mixinStandardHelpOptions = true,
    description = "Copy a running member's data into an empty data directory (offline), resuming a copy that was"
        + " interrupted; then start a member on it with --seeds to join the group.")
public final class CloneCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "ADDR[,ADDR...]",
      description = "Client addresses (host:port) of donors, in order of preference.")
  String from;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The new member's data directory.")
  Path dataDir;

  @Option(names = "--member-id", defaultValue = "clone", paramLabel = "ID",
      description = "The member the copy is for (shown in the donor's log).")
  String memberId;

  @Option(names = "--tls-ca", paramLabel = "PEM", description = "CA that signed the donors' certificates, when"
      + " their client port uses TLS.")
  Path tlsCa;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate to show the donors (a member's:"
      + " donors serve clones only to callers with a certificate from their CA).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key of --tls-cert (PKCS#8).")
  Path tlsKey;

  @Override
  public Integer call() throws Exception {
    ChannelCredentials transport;
    try {
      transport = tlsCa == null && tlsCert == null && tlsKey == null ? InsecureChannelCredentials.create()
          : MemberCredentials.of(new TlsConfig(tlsCert, tlsKey, tlsCa, TlsConfig.ClientTls.ON, false)).toClientPorts();
    } catch (ConfigException e) {
      System.err.println("cohort clone: " + e.getMessage());
      return 2;
    }
    String user = System.getenv("COHORT_USER");
    // Donors with auth on serve a user with REPLICATION.
    ChannelCredentials credentials = user == null || user.isEmpty() ? transport
        : io.grpc.CompositeChannelCredentials.create(transport, new io.cohort.server.auth.BasicCredentials(user,
            String.valueOf(System.getenv("COHORT_PASSWORD"))).asCallCredentials());
    Path db = CloneReceiver.databaseDir(dataDir);
    boolean resuming = Files.exists(dataDir.resolve("clone-staging").resolve("clone.state"));
    if (Files.exists(db) && !resuming) {
      System.err.println("cohort clone: " + db + " already holds a database; give an empty data directory");
      return 2;
    }
    List<String> donors = Arrays.stream(from.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    Map<String, ManagedChannel> channels = new HashMap<>();
    ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
    try {
      StatusResponse st = null;
      for (String d : donors) {
        try {
          st = CohortServiceGrpc.newBlockingStub(CloneStart.channel(channels, d, credentials)).withDeadlineAfter(5, TimeUnit.SECONDS)
              .status(StatusRequest.getDefaultInstance());
          break;
        } catch (StatusRuntimeException e) {
          System.err.println("donor " + d + " does not answer: " + e.getStatus().getCode());
        }
      }
      if (st == null) {
        System.err.println("cohort clone: no donor answers");
        return 1;
      }
      CloneProgress progress = new CloneProgress(System::nanoTime);
      reporter.scheduleAtFixedRate(() -> System.out.println(progress), 2, 2, TimeUnit.SECONDS);
      CloneManifest m = new CloneReceiver(dataDir, st.getGroupName(), memberId, a -> CloneStart.channel(channels, a, credentials), progress)
          .run(donors, 3, 1000);
      reporter.shutdownNow();
      System.out.println("cloned " + m.getTotalBytes() + " bytes from " + m.getDonorMemberId() + " into " + db
          + "; gtid_executed " + m.getGtidExecuted() + " (" + progress + ")");
      System.out.println("start a member on it with: cohort server --data-dir " + dataDir + " --group-name "
          + st.getGroupName() + " --seeds " + from + " ...");
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("cohort clone: " + e.getMessage());
      return 1;
    } finally {
      reporter.shutdownNow();
      channels.values().forEach(ManagedChannel::shutdownNow);
    }
  }
}
