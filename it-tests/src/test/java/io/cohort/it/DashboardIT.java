package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard (/ui) in a real browser: headless Chromium (Debian's {@code chromium} package;
 * skipped where it is not installed) loads m2's page of a group of three member processes. The
 * page shows three ONLINE members and one PRIMARY; after the primary is killed it shows, without
 * a reload, the new primary and the old one's expulsion. Screenshots go to target/.
 */
@ExtendWith(MemberLogsOnFailure.class)
class DashboardIT {
  /** [member, state, role] of every row of the page's member table, as JSON. */
  private static final String ROWS = "JSON.stringify([...document.querySelectorAll('#members tbody tr')]"
      + ".map(r => [r.dataset.member, r.dataset.state, r.dataset.role]))";
  /** "KIND member" of every timeline entry, newest first, as JSON. */
  private static final String TIMELINE = "JSON.stringify([...document.querySelectorAll('#timeline li')]"
      + ".map(li => li.dataset.kind + ' ' + li.dataset.member))";

  @TempDir Path dir;

  @Test
  void thePageShowsTheGroupAndAFailoverLiveWithoutAReload() throws Exception {
    Assumptions.assumeTrue(HeadlessChromium.installed(), "no " + HeadlessChromium.BINARY
        + " (apt-get install chromium): the dashboard's browser test is skipped");
    try (GroupCluster g = new GroupCluster(dir, 3)) {
      g.members.forEach(MemberProcess::withHttp);
      g.start();
      MemberProcess m1 = g.member("m1");
      MemberProcess m2 = g.member("m2");
      try (HeadlessChromium browser = HeadlessChromium.start(dir.resolve("chromium-profile"))) {
        browser.navigate(m2.httpUrl() + "/ui");
        browser.awaitEval(ROWS, rows -> rows.equals(
            "[[\"m1\",\"ONLINE\",\"PRIMARY\"],[\"m2\",\"ONLINE\",\"SECONDARY\"],[\"m3\",\"ONLINE\",\"SECONDARY\"]]"),
            Duration.ofSeconds(30), "three ONLINE members, m1 the PRIMARY");
        browser.eval("window.sameDocument = 'loaded once'");
        Path target = Path.of("target");
        Files.createDirectories(target);
        browser.screenshot(target.resolve("dashboard-before-failover.png"));

        m1.kill9();
        String rows = browser.awaitEval(ROWS, r -> !r.contains("\"m1\"") && (r.contains("\"m2\",\"ONLINE\",\"PRIMARY\"")
            || r.contains("\"m3\",\"ONLINE\",\"PRIMARY\"")), Duration.ofSeconds(60), "a new primary and m1 gone");
        String primary = rows.contains("\"m2\",\"ONLINE\",\"PRIMARY\"") ? "m2" : "m3";
        assertThat(rows).as("one PRIMARY").containsOnlyOnce("PRIMARY");
        browser.awaitEval(TIMELINE, t -> t.contains("EXPEL m1") && t.contains("PRIMARY " + primary),
            Duration.ofSeconds(30), "m1's expulsion and " + primary + "'s election in the timeline");
        assertThat(browser.eval("document.querySelector('#summary').innerText")).contains("primary\n" + primary + "\n");
        assertThat(browser.eval("String(window.sameDocument)")).as("the page was not reloaded").isEqualTo("loaded once");
        browser.screenshot(target.resolve("dashboard-after-failover.png"));
      }
      // The same group on every member's page: m3 serves the same table.
      String m3Json = new String(java.net.URI.create(g.member("m3").httpUrl() + "/api/status").toURL().openStream()
          .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(m3Json).contains("\"primary\":\"" + m2.status().getPrimary() + "\"");
    }
  }
}
