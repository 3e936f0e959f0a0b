package io.cohort.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort certs}: TLS material for tests and local groups. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "TLS certificates for tests and local groups.",
    subcommands = CertsCommand.Create.class)
final class CertsCommand implements Runnable {
  @Override
  public void run() {
    throw new CliException("missing subcommand: cohort certs create --dir DIR --members N");
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Write a new CA and certificates for members m1..mN and one client into DIR:",
          "ca.pem (ca-key.pem), m<i>.pem and m<i>-key.pem, client.pem and client-key.pem.",
          "Members' certificates name localhost, the member id, 127.0.0.1, ::1 and --hosts.",
          "Start members with --tls-cert DIR/m<i>.pem --tls-key DIR/m<i>-key.pem --tls-ca DIR/ca.pem"
              + " --client-tls on --group-tls on, and clients with --tls-dir DIR."})
  static final class Create extends CliCommand {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where to write; must hold no CA yet.")
    Path dir;

    @Option(names = "--members", defaultValue = "3", paramLabel = "N",
        description = "Members m1..mN to certify (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--member-ids", paramLabel = "ID[,ID...]",
        description = "Member ids to certify instead of m1..mN.")
    String memberIds;

    @Option(names = "--hosts", defaultValue = "", paramLabel = "HOST[,HOST...]",
        description = "Further DNS names or IP addresses each member is reached at.")
    String hosts;

    @Override
    public Integer call() {
      if (members < 1 || members > 100) {
        throw new CliException("--members must be 1-100, got " + members);
      }
      List<String> ids = new ArrayList<>();
      if (memberIds != null) {
        ids.addAll(split(memberIds));
      } else {
        for (int i = 1; i <= members; i++) {
          ids.add("m" + i);
        }
      }
      for (String id : ids) {
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
          throw new CliException("member id '" + (id.length() > 40 ? id.substring(0, 40) + "…" : id) + "' is not valid: 1-64 letters, digits, '_', '.', '-'");
        }
      }
      try {
        for (Path p : CertificateSet.create(dir, ids, split(hosts))) {
          out().println(p);
        }
      } catch (IOException e) {
        throw new CliException("cohort certs create: " + e.getMessage(), e);
      }
      return 0;
    }

    private static List<String> split(String list) {
      return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
  }
}
