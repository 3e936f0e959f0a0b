package io.cohort.cli.bench;

import java.util.List;

/** The built-in workloads by name. */
public final class Workloads {
  /** The names accepted by {@link #create}. */
  public static final List<String> NAMES = List.of("update", "txn4", "txn4-interactive", "bank");

  private Workloads() {}

  /**
   * Creates a workload.
   *
   * @param name {@code update}, {@code txn4}, {@code txn4-interactive} or {@code bank}
   * @return a new instance
   * @throws IllegalArgumentException for an unknown name
   */
  public static Workload create(String name) {
    switch (name) {
      case "update":
        return new UpdateWorkload();
      case "txn4":
        return new Txn4Workload(false);
      case "txn4-interactive":
        return new Txn4Workload(true);
      case "bank":
        return new BankWorkload();
      default:
        throw new IllegalArgumentException("unknown workload '" + name + "' (expected one of "
            + NAMES + ")");
    }
  }
}
