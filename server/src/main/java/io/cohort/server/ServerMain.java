package io.cohort.server;

import io.cohort.server.config.ConfigException;
import io.cohort.server.config.MemberConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the member process: {@code cohort server ...} and {@code cohort storage-bench ...}. */
@Command(name = "cohort", mixinStandardHelpOptions = true, version = "cohort " + Member.VERSION,
    description = "Cohort member process.",
    subcommands = {ServerMain.ServerCommand.class, StorageBench.class, ConsensusNodeCommand.class,
        ConsensusBench.class})
public final class ServerMain implements Runnable {

  public static void main(String[] args) {
    int code = new CommandLine(new ServerMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** Runs a member until SIGTERM/SIGINT. Flags override the config file. */
  @Command(name = "server", mixinStandardHelpOptions = true,
      description = "Run a Cohort member. Flags override values from --config (a properties file"
          + " with the same keys, e.g. member-id=m1).")
  static final class ServerCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Properties file with member settings.")
    Path configFile;

    @Option(names = "--member-id", description = "This member's id (default m1).")
    String memberId;

    @Option(names = "--listen", description = "host:port to serve on (default 127.0.0.1:7001).")
    String listen;

    @Option(names = "--data-dir", description = "Directory for this member's data (default ./data/<member-id>).")
    Path dataDir;

    @Option(names = "--group-name", description = "Group UUID; a new one is generated when the data dir is new.")
    String groupName;

    @Option(names = "--fsync", arity = "1", description = "Sync every commit to disk before acknowledging (default true).")
    Boolean fsync;

    @Option(names = "--max-transaction-bytes", description = "Largest transaction accepted (default 16777216).")
    Long maxTransactionBytes;

    @Option(names = "--max-open-transactions", description = "Open explicit transactions allowed (default 10000).")
    Integer maxOpenTransactions;

    @Option(names = "--transaction-idle-timeout-ms", description = "Idle transactions are rolled back after this (default 60000).")
    Long idleTimeoutMs;

    @Override
    public Integer call() throws Exception {
      MemberConfig config;
      try {
        config = resolve();
      } catch (ConfigException e) {
        System.err.println("cohort server: " + e.getMessage());
        return 2;
      }
      Member member = Member.start(config);
      Runtime.getRuntime().addShutdownHook(new Thread(member::close, "cohort-shutdown"));
      member.awaitTermination();
      return 0;
    }

    private MemberConfig resolve() throws IOException {
      Properties p = new Properties();
      if (configFile != null) {
        if (!Files.isReadable(configFile)) {
          throw new ConfigException("config file " + configFile + " cannot be read");
        }
        try (InputStream in = Files.newInputStream(configFile)) {
          p.load(in);
        }
        for (String key : p.stringPropertyNames()) {
          if (!KNOWN_KEYS.contains(key)) {
            throw new ConfigException("unknown key '" + key + "' in " + configFile + "; known keys: " + KNOWN_KEYS);
          }
        }
      }
      String id = pick(memberId, p, "member-id", "m1");
      String[] hostPort = MemberConfig.splitAddress(pick(listen, p, "listen", "127.0.0.1:7001"));
      int port;
      try {
        port = Integer.parseInt(hostPort[1]);
      } catch (NumberFormatException e) {
        throw new ConfigException("listen port '" + hostPort[1] + "' is not a number");
      }
      Path dir = dataDir != null ? dataDir : Path.of(p.getProperty("data-dir", "data/" + id));
      return new MemberConfig(id, hostPort[0], port, dir,
          pick(groupName, p, "group-name", ""),
          Boolean.parseBoolean(pick(fsync == null ? null : fsync.toString(), p, "fsync", "true")),
          parseLong(maxTransactionBytes, p, "max-transaction-bytes", MemberConfig.DEFAULT_MAX_TRANSACTION_BYTES),
          (int) parseLong(maxOpenTransactions == null ? null : maxOpenTransactions.longValue(), p,
              "max-open-transactions", MemberConfig.DEFAULT_MAX_OPEN_TRANSACTIONS),
          parseLong(idleTimeoutMs, p, "transaction-idle-timeout-ms", MemberConfig.DEFAULT_IDLE_TIMEOUT_MS));
    }

    private static final java.util.Set<String> KNOWN_KEYS = java.util.Set.of("member-id", "listen", "data-dir",
        "group-name", "fsync", "max-transaction-bytes", "max-open-transactions", "transaction-idle-timeout-ms");

    private static String pick(String flag, Properties p, String key, String dflt) {
      return flag != null ? flag : p.getProperty(key, dflt).trim();
    }

    private static long parseLong(Long flag, Properties p, String key, long dflt) {
      if (flag != null) {
        return flag;
      }
      String v = p.getProperty(key);
      if (v == null) {
        return dflt;
      }
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key + " = '" + v + "' is not a number");
      }
    }
  }
}
