package io.cohort.it;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every process a test harness started and has not yet seen exit. A JVM shutdown hook kills
 * them all, so no member outlives the test run even when a test fails or is interrupted.
 */
final class LiveProcesses {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
  }

  private LiveProcesses() {}

  static void add(Process p) {
    LIVE.add(p);
  }

  static void remove(Process p) {
    LIVE.remove(p);
  }
}
