package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: a member that has data, restarted with {@code --bootstrap} and no seeds (as the
 * sample deploy configuration with {@code Restart=on-failure} used to do after a crash), must
 * not form a group: it exits at once with a message that names the fix, without ever serving
 * as ONLINE, and its data is untouched, so that a start without {@code --bootstrap} resumes its
 * group (it was alone in its last view) with the rows and gtid_executed it had.
 */
@ExtendWith(MemberLogsOnFailure.class)
class BootstrapRefusalIT {
  static final int REFUSAL_SECONDS = 30;

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void memberWithDataRestartedWithBootstrapAndNoSeedsRefusesAndNamesTheFix() {
    String group = UUID.randomUUID().toString();
    try (MemberProcess m = new MemberProcess("m1", dir, List.of("--group-name", group, "--bootstrap"))) {
      m.start();
      try (CohortClient c = Cohort.connect(m.address(), ClientOptions.builder()
          .routing(ClientOptions.Routing.PINNED).build())) {
        c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.INT64)
            .primaryKey("k").build());
        for (long k = 1; k <= 5; k++) {
          c.insert("kv", Row.of("k", k, "v", k * 10));
        }
      }
      String gtidsBefore = m.status().getGtidExecuted();
      MemberReads.TableContent rowsBefore = MemberReads.table(m.address(), "kv", "k");
      List<MemberReads.Entry> logBefore = MemberReads.log(m.address());
      assertThat(gtidsBefore).isEqualTo(group + ":1-6");
      m.kill9();

      // The old sample deploy config: bootstrap=true, seeds empty, group-name empty.
      int printed = m.log().length();
      m.withArgs(List.of("--bootstrap")).spawn();
      OptionalInt exit = OptionalInt.empty();
      String servedOnline = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REFUSAL_SECONDS);
      while (exit.isEmpty() && servedOnline == null && System.nanoTime() < deadline) {
        exit = m.awaitExit(100);
        try {
          StatusResponse s = m.status();
          if (s.getState().equals("ONLINE")) {
            servedOnline = "ONLINE in view " + s.getViewId() + " with gtid_executed " + s.getGtidExecuted()
                + ", role " + s.getRole();
          }
        } catch (StatusRuntimeException e) {
          // not serving (yet, or at all): what a refused start looks like
        }
      }
      // Its output, less the effective-configuration lines every start prints.
      String output = String.join("\n", m.log().substring(printed).lines()
          .filter(l -> !l.contains(" - config ")).toList());
      System.out.println("restart with --bootstrap: exit " + exit + ", output:\n" + output);
      assertThat(servedOnline).as("m1 restarted with --bootstrap on data of group %s served as %s; it formed a group"
          + " of its own. Its output:%n%s", group, servedOnline, output).isNull();
      assertThat(exit).as("m1 restarted with --bootstrap on data of its group exited within %d s; its output:%n%s",
          REFUSAL_SECONDS, output).isPresent();
      assertThat(exit.getAsInt()).as("exit code of the refused start; its output:%n%s", output).isEqualTo(2);
      assertThat(output).as("the refusal names the fix").contains("without --bootstrap");

      // The fix the message names: start without --bootstrap. Alone in its last view, it resumes.
      try {
        m.withArgs(List.of()).start();
      } catch (IllegalStateException e) {
        throw new AssertionError("m1 started without --bootstrap and without seeds, as the refusal says, did not"
            + " resume its group (it was alone in its last view): " + e.getMessage(), e);
      }
      StatusResponse after = m.status();
      assertThat(after.getState()).isEqualTo("ONLINE");
      assertThat(after.getGroupName()).as("group name").isEqualTo(group);
      assertThat(after.getGtidExecuted()).as("gtid_executed after the refused start").isEqualTo(gtidsBefore);
      assertThat(MemberReads.table(m.address(), "kv", "k")).as("rows after the refused start").isEqualTo(rowsBefore);
      assertThat(MemberReads.log(m.address())).as("log after the refused start").isEqualTo(logBefore);
    }
  }
}
