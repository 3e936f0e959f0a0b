package io.cohort.cli;

import io.cohort.client.CohortClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the subcommands, at any depth ({@code cohort status}, {@code cohort cluster
 * set-primary}): access to the global options and the output streams.
 */
abstract class CliCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** The top-level command, which holds the global options. */
  CohortCli root() {
    return (CohortCli) spec.root().userObject();
  }

  /** Standard output, as configured on the command line (so tests can capture it). */
  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Standard error, for progress and notes that must not mix with data on stdout. */
  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** A client for the global {@code --connect} addresses; the caller closes it. */
  CohortClient connect() {
    return root().newClient();
  }
}
