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

/**
 * When a test fails, prints the end of every member log in its temporary directory before
 * JUnit deletes it, so a failure seen only in CI can still be read from the test report.
 */
final class MemberLogsOnFailure implements TestExecutionExceptionHandler {
  private static final int TAIL_LINES = 200;

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    try {
      Object test = context.getRequiredTestInstance();
      for (Field f : test.getClass().getDeclaredFields()) {
        if (f.isAnnotationPresent(TempDir.class) && f.getType() == Path.class) {
          f.setAccessible(true);
          Path dir = (Path) f.get(java.lang.reflect.Modifier.isStatic(f.getModifiers()) ? null : test);
          if (dir != null) {
            print(context.getDisplayName(), dir);
          }
        }
      }
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    throw failure;
  }

  private static void print(String test, Path dir) throws IOException {
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
    }
  }
}
