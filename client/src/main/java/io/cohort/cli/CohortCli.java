package io.cohort.cli;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code cohort} command-line tool: schema, rows, status, log, group administration, local
 * clusters, bench.
 */
@Command(name = "cohort", mixinStandardHelpOptions = true, version = "cohort 0.1.0",
    description = "Command-line client for a Cohort replicated database.",
    subcommands = {
        SchemaCommands.CreateTable.class, SchemaCommands.DropTable.class,
        SchemaCommands.CreateUniqueKey.class, SchemaCommands.DropUniqueKey.class,
        SchemaCommands.Tables.class, SchemaCommands.Describe.class,
        RowCommands.Put.class, RowCommands.Insert.class, RowCommands.Update.class,
        RowCommands.Get.class, RowCommands.Delete.class, RowCommands.Scan.class,
        StatusCommand.class, LogCommand.class,
        ClusterCommands.Up.class, ClusterCommands.Down.class, GroupCommands.class, CertsCommand.class,
        UserCommands.class, ReplicaCommands.class, BenchCommand.class, VerifyCommand.class, ChecksumCommand.class})
public final class CohortCli implements Runnable {
  @Option(names = "--connect", scope = ScopeType.INHERIT, defaultValue = "127.0.0.1:7001",
      paramLabel = "ADDR[,ADDR...]",
      description = "Member addresses host:port, comma-separated (default: ${DEFAULT-VALUE}).")
  String connect;

  @Option(names = "--timeout", scope = ScopeType.INHERIT, defaultValue = "30",
      paramLabel = "SECONDS", description = "Deadline of each request (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--consistency", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
      description = "Consistency of each transaction: EVENTUAL, BEFORE_ON_PRIMARY_FAILOVER, BEFORE, AFTER or"
          + " BEFORE_AND_AFTER (default: the member's setting).")
  io.cohort.client.Consistency consistency;

  @Option(names = "--tls-dir", scope = ScopeType.INHERIT, paramLabel = "DIR", defaultValue = "${env:COHORT_TLS_DIR}",
      description = "Speak TLS to the members: trust DIR/ca.pem and show DIR/client.pem (key DIR/client-key.pem)"
          + " if it is there, as 'cohort certs create' writes them (default: $COHORT_TLS_DIR; none: plain text)."
          + " With 'up', the local group uses TLS with the certificates in DIR.")
  Path tlsDir;

  @Option(names = "--user", scope = ScopeType.INHERIT, paramLabel = "NAME", defaultValue = "${env:COHORT_USER}",
      description = "Call the members as this user, for members with auth on (default: $COHORT_USER). The password"
          + " comes from $COHORT_PASSWORD, else --password-file, else a prompt.")
  String user;

  @Option(names = "--password-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "A file whose first line is the --user's password.")
  Path passwordFile;

  @Spec
  CommandSpec spec;

  /** Without a subcommand there is nothing to do: show what there is. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** Opens a client on the {@code --connect} addresses with the {@code --timeout} deadline. */
  CohortClient newClient() {
    if (timeoutSeconds <= 0) {
      throw new CliException("--timeout must be positive, got " + timeoutSeconds);
    }
    ClientOptions options = clientOptions().deadline(Duration.ofSeconds(timeoutSeconds))
        .consistency(consistency).build();
    return Cohort.connect(connect, options);
  }

  /** Client options from the defaults, {@code --tls-dir} and {@code --user}. */
  ClientOptions.Builder clientOptions() {
    ClientOptions.Builder b = withTls(ClientOptions.builder(), tlsDir);
    if (user != null && !user.isEmpty()) {
      b.credentials(user, password(System.getenv("COHORT_PASSWORD"), passwordFile, user));
    }
    return b;
  }

  /** The --user's password: the environment's, the file's first line, or typed at a prompt. */
  static String password(String fromEnv, Path file, String user) {
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    if (file != null) {
      return firstLine(file, "--password-file");
    }
    java.io.Console console = System.console();
    if (console == null) {
      throw new CliException("--user " + user + " needs a password: set COHORT_PASSWORD or give --password-file");
    }
    char[] typed = console.readPassword("password for %s: ", user);
    if (typed == null) {
      throw new CliException("no password typed for --user " + user);
    }
    return new String(typed);
  }

  /** The first line of {@code file} ("-": standard input), which must not be empty. */
  static String firstLine(Path file, String option) {
    try {
      String text = file.toString().equals("-")
          ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          : Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
      String line = text.lines().findFirst().orElse("");
      if (line.isEmpty()) {
        throw new CliException(option + " " + file + ": the first line is empty");
      }
      return line;
    } catch (java.io.IOException e) {
      throw new CliException(option + " " + file + ": cannot read it (" + e.getMessage() + ")");
    }
  }

  /**
   * {@code b} speaking TLS with the files in {@code dir} ({@code cohort certs create}'s names), or
   * unchanged when {@code dir} is null.
   */
  static ClientOptions.Builder withTls(ClientOptions.Builder b, Path dir) {
    if (dir == null) {
      return b;
    }
    Path ca = dir.resolve(CertificateSet.CA);
    if (!Files.isReadable(ca)) {
      throw new CliException("--tls-dir " + dir + ": no readable " + CertificateSet.CA
          + " there ('cohort certs create --dir " + dir + "' writes one)");
    }
    Path cert = dir.resolve(CertificateSet.CLIENT + ".pem");
    Path key = dir.resolve(CertificateSet.CLIENT + "-key.pem");
    return Files.isReadable(cert) && Files.isReadable(key) ? b.tls(ca, cert, key) : b.tls(ca);
  }

  /**
   * Builds the command line with the error handling the tool uses.
   *
   * @param out where results go
   * @param err where errors go
   * @return the configured command line
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CohortCli cli = new CohortCli();
    CommandLine cl = new CommandLine(cli);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + oneLine(e).replace('\n', ' ') + tlsHint(e, cli.tlsDir));
      commandLine.getErr().flush();
      return 1;
    });
    return cl;
  }

  /**
   * A hint when a member could not be reached because one side speaks TLS and the other does not:
   * gRPC says only that the connection was reset, or that the record was not TLS.
   */
  static String tlsHint(Throwable e, Path tlsDir) {
    String m = String.valueOf(e.getMessage());
    if (!(e instanceof io.cohort.client.UnavailableException)) {
      return "";
    }
    if (tlsDir == null && m.contains("Connection reset by peer")) {
      return " (if the members use TLS, give --tls-dir DIR with their CA's ca.pem)";
    }
    String lower = m.toLowerCase(java.util.Locale.ROOT);
    if (tlsDir != null && (lower.contains("ssl") || lower.contains("tls") || lower.contains("certificat"))) {
      return " (TLS failed: do the members use TLS, and did " + tlsDir.resolve(CertificateSet.CA)
          + " sign their certificates?)";
    }
    return "";
  }

  /** The one-line description of a failure shown to the user. */
  static String oneLine(Throwable e) {
    if (e instanceof CohortException || e instanceof CliException
        || e instanceof IllegalArgumentException) {
      return e.getMessage();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /**
   * Runs the tool.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      // Keep library chatter out of the output; the library itself ships no logging config.
      System.setProperty("logback.configurationFile", "cohort-cli-logback.xml");
    }
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(out, err).execute(args);
    out.flush();
    err.flush();
    System.exit(code);
  }
}
