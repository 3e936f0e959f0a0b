package io.cohort.it;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * When a test fails, prints the end of every member log in its temporary directory before
 * JUnit deletes it, so a failure seen only in CI can still be read from the test report; the
 * last lines of each also go into the failure's message, which the build's summary repeats.
 */
final class MemberLogsOnFailure implements TestExecutionExceptionHandler {
  private static final int TAIL_LINES = 200;

  /** Lines per member log repeated in the failure's own message. */
  private static final int SUMMARY_LINES = 12;
  private static final int SUMMARY_LINE_CHARS = 170;

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    if (failure instanceof TestAbortedException) {
      throw failure; // skipped (no Docker engine, say): nothing failed
    }
    StringBuilder summary = new StringBuilder();
    try {
      Object test = context.getRequiredTestInstance();
      for (Field f : test.getClass().getDeclaredFields()) {
        if (f.isAnnotationPresent(TempDir.class) && f.getType() == Path.class) {
          f.setAccessible(true);
          Path dir = (Path) f.get(java.lang.reflect.Modifier.isStatic(f.getModifiers()) ? null : test);
          if (dir != null) {
            print(context.getDisplayName(), dir, summary);
          }
        }
      }
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    if (summary.isEmpty()) {
      throw failure;
    }
    // The build's summary shows a failure's message on one line, and a CI report may keep only
    // that: the last lines of each member log go into it too.
    AssertionError withLogs = new AssertionError(oneLine(String.valueOf(failure)) + " || member logs, last "
        + SUMMARY_LINES + " lines each:" + summary, failure);
    withLogs.setStackTrace(failure.getStackTrace());
    throw withLogs;
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " / ");
  }

  private static void print(String test, Path dir, StringBuilder summary) throws IOException {
    List<Path> logs;
    try (Stream<Path> files = Files.walk(dir, 3)) {
      // Member logs only: RocksDB's write-ahead logs are named by number (000004.log).
      logs = files.filter(p -> {
        String name = p.getFileName().toString();
        return name.endsWith(".log") && !name.matches("\\d+\\.log");
      }).sorted().toList();
    }
    for (Path log : logs) {
      List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
      int from = Math.max(0, lines.size() - TAIL_LINES);
      System.out.println("---- " + test + ": last " + (lines.size() - from) + " of " + lines.size()
          + " lines of " + dir.relativize(log) + " ----");
      lines.subList(from, lines.size()).forEach(System.out::println);
      summary.append(" || ").append(dir.relativize(log)).append(":");
      for (String line : lines.subList(Math.max(0, lines.size() - SUMMARY_LINES), lines.size())) {
        String l = oneLine(line);
        summary.append(" | ").append(l.length() > SUMMARY_LINE_CHARS ? l.substring(0, SUMMARY_LINE_CHARS) + "…" : l);
      }
    }
  }
}
