package io.cohort.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort up} and {@code cohort down}: a local group for development and tests. */
final class ClusterCommands {
  private ClusterCommands() {}

  @Command(name = "up", mixinStandardHelpOptions = true,
      description = {"Start a local group in the background and wait until every member is "
          + "ONLINE.",
          "A new DIR gets a new group: m1 bootstraps it and the others join through m1.",
          "On a DIR that has a group (DIR/group-name and member data), every member is "
              + "restarted at once, none bootstrapping: after a whole-group outage the group "
              + "resumes by itself once every member of its last view is back. If some never "
              + "come back, see 'cohort cluster force-bootstrap'.",
          "A pid file that names anything but the member's own process (a recycled pid, a "
              + "thread) is removed."})
  static final class Up extends CliCommand {
    @Option(names = "--members", defaultValue = "3", paramLabel = "N",
        description = "Number of members (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--dir", defaultValue = "./cluster", paramLabel = "DIR",
        description = "Cluster directory; member i lives in DIR/m<i> (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--base-port", defaultValue = "7001", paramLabel = "P",
        description = "Client port of m1; m<i> listens on P+i-1, on P+i-1+1000 for the "
            + "group and on P+i-1+2000 for HTTP (/metrics) (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--fsync", defaultValue = "true", arity = "1", paramLabel = "true|false",
        description = "Whether members fsync their log on commit (default: ${DEFAULT-VALUE}).")
    boolean fsync;

    @Option(names = "--wait", defaultValue = "90", paramLabel = "SECONDS",
        description = "How long to wait, in all, for every member to be ONLINE "
            + "(default: ${DEFAULT-VALUE}).")
    long waitSeconds;

    @Option(names = "--config", paramLabel = "FILE",
        description = "A properties file every member reads (cohort server --config), e.g. "
            + "flow control settings; what up sets itself (ids, ports, directories, seeds) wins.")
    Path config;

    @Option(names = "--tls", description = "Members speak TLS to clients and mutual TLS to each other, with"
        + " certificates from --tls-dir (default DIR/tls; made there with a new CA when missing). A DIR whose"
        + " group has DIR/tls/ca.pem keeps TLS without this flag.")
    boolean tls;

    @Option(names = "--auth", description = "Members require a user (auth on); the bootstrap administrator is"
        + " 'admin' with a random password written to DIR/admin-password. A DIR with that file keeps auth on"
        + " without this flag.")
    boolean auth;

    @Override
    public Integer call() {
      LocalCluster cluster = new LocalCluster(dir, out());
      if (config != null) {
        cluster.serverConfig(config);
      }
      Path tlsDir = root().tlsDir != null ? root().tlsDir : dir.resolve("tls");
      if (tls || root().tlsDir != null || java.nio.file.Files.exists(tlsDir.resolve(CertificateSet.CA))) {
        cluster.tls(tlsDir, members);
      }
      if (auth || java.nio.file.Files.exists(cluster.adminPasswordFile())) {
        cluster.auth();
      } else if (root().user != null && !root().user.isEmpty()) {
        cluster.callAs(root().user, CohortCli.password(System.getenv("COHORT_PASSWORD"), root().passwordFile,
            root().user));
      }
      cluster.up(members, basePort, fsync, serverJar(), Duration.ofSeconds(waitSeconds));
      return 0;
    }

    /** The launcher sets cohort.home to the repository root; COHORT_HOME is the fallback. */
    private static Path serverJar() {
      String home = System.getProperty("cohort.home", System.getenv("COHORT_HOME"));
      if (home == null || home.isEmpty()) {
        throw new CliException("cannot find the server: set -Dcohort.home (or COHORT_HOME) to "
            + "the Cohort directory, as bin/cohort does");
      }
      return Path.of(home, "server", "target", "cohort-server.jar");
    }
  }

  @Command(name = "down", mixinStandardHelpOptions = true,
      description = "Stop the local members named by the pid files under DIR.")
  static final class Down extends CliCommand {
    @Option(names = "--dir", defaultValue = "./cluster", paramLabel = "DIR",
        description = "Cluster directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--grace", defaultValue = "20", paramLabel = "SECONDS",
        description = "Wait this long after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    long graceSeconds;

    @Override
    public Integer call() {
      new LocalCluster(dir, out()).down(Duration.ofSeconds(graceSeconds));
      return 0;
    }
  }
}
