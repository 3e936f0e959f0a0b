package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client as a user's project gets it: {@code client/example}, a Maven project of its own
 * outside the build, imports {@code cohort-bom} and depends on the installed
 * {@code cohort-client} (./test.sh runs {@code mvn install}, which installs the client before
 * this module's tests). It compiles, its classpath holds no CLI dependency (no logback,
 * picocli, HdrHistogram or BouncyCastle: it chose slf4j-simple itself), and it runs against a
 * group started with {@code cohort up}.
 */
class ExampleProjectIT {
  @TempDir Path dir;

  @Test
  @Timeout(600)
  void theExampleProjectBuildsOnTheInstalledClientAndRunsAgainstCohortUp() throws Exception {
    Path home = CliCluster.cohortHome();
    String version = firstMatch(home.resolve("pom.xml"), "<artifactId>cohort-parent</artifactId>\\s*<version>([^<]+)</version>");
    assertThat(firstMatch(home.resolve("client/bom/pom.xml"), "<artifactId>cohort-bom</artifactId>\\s*<version>([^<]+)</version>"))
        .as("cohort-bom's version").isEqualTo(version);
    assertThat(firstMatch(home.resolve("client/example/pom.xml"), "<cohort.version>([^<]+)</cohort.version>"))
        .as("the example's cohort.version").isEqualTo(version);

    // A copy, so that its build output stays out of the source tree.
    Path example = dir.resolve("example");
    copy(home.resolve("client/example"), example);
    Path cpFile = example.resolve("classpath.txt");
    Run build = run(List.of("mvn", "-B", "-q", "-f", example.resolve("pom.xml").toString(), "package",
        "dependency:build-classpath", "-Dmdep.outputFile=" + cpFile), dir.resolve("build.out"), 300);
    assertThat(build.code()).as("the example's build (output: %s)", build.output()).isZero();
    String classpath = Files.readString(cpFile).trim();
    assertThat(classpath).contains("cohort-client-" + version + ".jar").contains("slf4j-simple")
        .doesNotContain("logback", "picocli", "HdrHistogram", "bcpkix");

    try (CliCluster c = new CliCluster(dir.resolve("group"))) {
      CliCluster.CliResult up = c.up();
      assertThat(up.ok()).as(up.toString()).isTrue();
      Run app = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          example.resolve("target/classes") + java.io.File.pathSeparator + classpath, "com.example.QuickStart",
          c.addresses()), dir.resolve("app.out"), 120);
      assertThat(app.code()).as("the example's run (output: %s)", app.output()).isZero();
      assertThat(app.output()).contains("accounts/1 balance=90");
      CliCluster.CliResult get = c.cli(java.time.Duration.ofSeconds(60), "--connect", c.addresses(), "get", "accounts",
          "1");
      assertThat(get.ok()).as(get.toString()).isTrue();
      assertThat(get.output()).contains("90");
    }
  }

  private record Run(int code, String output) {}

  private static Run run(List<String> cmd, Path out, int seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        return new Run(-1, "(timed out after " + seconds + " s) " + Files.readString(out));
      }
      return new Run(p.exitValue(), Files.readString(out));
    } finally {
      p.destroyForcibly();
    }
  }

  private static String firstMatch(Path file, String regex) throws IOException {
    Matcher m = Pattern.compile(regex).matcher(Files.readString(file));
    assertThat(m.find()).as("%s in %s", regex, file).isTrue();
    return m.group(1);
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.filter(p -> !p.toString().contains("/target")).toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    }
  }
}
