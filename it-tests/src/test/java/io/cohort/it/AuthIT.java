package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.cli.CertificateSet;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.CohortException;
import io.cohort.client.ColumnType;
import io.cohort.client.ErrorCode;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Accounts with real member processes. Every call needs a user; each is admitted only with the
 * privilege it needs, and a refused call changes nothing (gtid_executed, the primary and the
 * rows stay as they were). Users are replicated, survive a restart, and a member joins a group
 * without TLS only as a user with REPLICATION.
 */
@ExtendWith(MemberLogsOnFailure.class)
class AuthIT {
  private static final String ADMIN_PASSWORD = "s3cret-admin";

  @TempDir Path dir;

  @Test
  void eachCallNeedsAUserWithItsPrivilege() throws Exception {
    Path certs = dir.resolve("tls");
    CertificateSet.create(certs, List.of("m1", "m2", "m3"), List.of());
    try (GroupCluster g = new GroupCluster(dir, 3).tls(certs).auth(ADMIN_PASSWORD).start()) {
      String all = g.addresses();
      ClientOptions tls = ClientOptions.builder().deadline(Duration.ofSeconds(20)).tls(certs.resolve("ca.pem")).build();
      try (CohortClient admin = Cohort.connect(all, as(tls, "admin", ADMIN_PASSWORD))) {
        admin.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.STRING)
            .primaryKey("k").build());
        admin.insert("kv", Row.of("k", 1L, "v", "by admin"));
        assertThat(admin.createUser("reader", "reader-pw", "READ").getUser().getPrivilegesList())
            .containsExactly("READ");
        admin.createUser("writer", "writer-pw", "READ,WRITE");
        assertThatThrownBy(() -> admin.createUser("writer", "other", "ADMIN")).as("a second writer")
            .isInstanceOfSatisfying(CohortException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        assertThatThrownBy(() -> admin.scan("cohort$users", null, null, 10)).as("reading the accounts table, even as admin")
            .isInstanceOfSatisfying(CohortException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
        assertThat(admin.listTables()).extracting(t -> t.name()).containsExactly("kv");
      }
      String before = g.members.get(0).status().getGtidExecuted();
      GroupCluster.awaitOn(g.members, s -> s.getGtidExecuted().equals(before), 30, "every member applied the users");

      try (CohortClient nobody = Cohort.connect(all, tls);
           CohortClient wrong = Cohort.connect(all, as(tls, "writer", "not-its-password"));
           CohortClient reader = Cohort.connect(all, as(tls, "reader", "reader-pw"));
           CohortClient writer = Cohort.connect(all, as(tls, "writer", "writer-pw"))) {
        refused(() -> nobody.get("kv", Key.of(1L)), ErrorCode.UNAUTHENTICATED, "requires a user");
        refused(() -> wrong.insert("kv", Row.of("k", 2L, "v", "wrong password")), ErrorCode.UNAUTHENTICATED,
            "access denied for user 'writer'");
        refused(() -> reader.insert("kv", Row.of("k", 2L, "v", "by reader")), ErrorCode.PERMISSION_DENIED,
            "lacks the WRITE privilege");
        refused(() -> writer.setPrimary("m2"), ErrorCode.PERMISSION_DENIED, "lacks the ADMIN privilege");
        refused(() -> writer.createTable(TableDefinition.builder("t2").column("k", ColumnType.INT64).primaryKey("k")
            .build()), ErrorCode.PERMISSION_DENIED, "lacks the DDL privilege");
        refused(() -> writer.readLog(0, 10), ErrorCode.PERMISSION_DENIED, "lacks the REPLICATION privilege");
        refused(() -> writer.createUser("sneaky", "pw", "ALL"), ErrorCode.PERMISSION_DENIED, "lacks the ADMIN");
        refused(() -> writer.upsert("cohort$users", Row.of("user", "sneaky")), ErrorCode.PERMISSION_DENIED,
            "system table");
        for (MemberProcess m : g.members) {
          assertThat(m.status().getGtidExecuted()).as("%s's gtid_executed after the refusals", m.memberId())
              .isEqualTo(before);
          assertThat(m.status().getPrimary()).as("%s's primary", m.memberId()).isEqualTo("m1");
        }
        assertThat(reader.get("kv", Key.of(1L))).hasValueSatisfying(r -> assertThat(r.get("v")).isEqualTo("by admin"));
        assertThat(reader.get("kv", Key.of(2L))).as("rows the refused writes named").isEmpty();
        writer.insert("kv", Row.of("k", 3L, "v", "by writer"));
      }

      // The users are the group's: m3 admits them, and a change of privileges holds at once.
      MemberProcess m3 = g.member("m3");
      ClientOptions onM3 = tls.toBuilder().routing(ClientOptions.Routing.PINNED).build();
      GroupCluster.awaitOn(g.members, s -> s.getGtidExecuted().equals(g.members.get(0).status().getGtidExecuted()),
          30, "every member applied the writer's row");
      try (CohortClient writerOnM3 = Cohort.connect(m3.address(), as(onM3, "writer", "writer-pw"));
           CohortClient admin = Cohort.connect(all, as(tls, "admin", ADMIN_PASSWORD))) {
        assertThat(writerOnM3.get("kv", Key.of(3L))).as("the writer's row, read on m3 as the writer").isPresent();
        admin.alterUser("writer", null, List.of(), List.of("WRITE"));
        try (CohortClient writer = Cohort.connect(all, as(tls, "writer", "writer-pw"))) {
          refused(() -> writer.insert("kv", Row.of("k", 4L, "v", "after revoke")), ErrorCode.PERMISSION_DENIED,
              "lacks the WRITE privilege");
        }
        admin.dropUser("reader");
      }
      String dropped = g.members.get(0).status().getGtidExecuted();
      GroupCluster.awaitOn(g.members, s -> s.getGtidExecuted().equals(dropped), 30, "every member applied the drop");

      // A restarted member still knows the users: they are in its data, not in memory.
      m3.stop();
      g.restart(m3);
      try (CohortClient writerOnM3 = Cohort.connect(m3.address(), as(onM3, "writer", "writer-pw"));
           CohortClient readerOnM3 = Cohort.connect(m3.address(), as(onM3, "reader", "reader-pw"))) {
        assertThat(writerOnM3.get("kv", Key.of(1L))).as("a read on the restarted m3 as the writer").isPresent();
        refused(() -> readerOnM3.get("kv", Key.of(1L)), ErrorCode.UNAUTHENTICATED, "access denied for user 'reader'");
      }
    }
  }

  @Test
  void withoutTlsAMemberJoinsOnlyAsAUserWithReplication() throws Exception {
    try (GroupCluster g = new GroupCluster(dir, 1).auth(ADMIN_PASSWORD).start()) {
      MemberProcess m1 = g.members.get(0);
      try (CohortClient admin = Cohort.connect(m1.address(), as(ClientOptions.builder().deadline(Duration.ofSeconds(20))
          .build(), "admin", ADMIN_PASSWORD))) {
        admin.createUser("repl", "repl-pw", "REPLICATION");
        admin.createUser("app", "app-pw", "READ,WRITE");
      }
      String before = m1.status().getGtidExecuted();

      // m2 calls m1 as 'app', which may read and write but not replicate: m1 never admits it.
      MemberProcess m2 = new MemberProcess("m2", dir, List.of()).withAuth(ADMIN_PASSWORD,
          Map.of("COHORT_REPLICATION_USER", "app", "COHORT_REPLICATION_PASSWORD", "app-pw"));
      g.members.add(m2);
      m2.withArgs(List.of("--group-name", g.groupName, "--seeds", m1.address())).spawn();
      m2.awaitLog("lacks the REPLICATION privilege", 60);
      m2.close();
      g.members.remove(m2);
      assertThat(m1.status().getMembersList()).as("m1's view").hasSize(1);
      assertThat(m1.status().getGtidExecuted()).as("m1's gtid_executed").isEqualTo(before);

      // m3 calls as 'repl': it joins, recovers the users from m1, and admits 'app' itself.
      MemberProcess m3 = new MemberProcess("m3", dir, List.of()).withAuth(ADMIN_PASSWORD,
          Map.of("COHORT_REPLICATION_USER", "repl", "COHORT_REPLICATION_PASSWORD", "repl-pw"));
      g.members.add(m3);
      m3.withArgs(List.of("--group-name", g.groupName, "--seeds", m1.address())).start();
      g.awaitWhole(60, "m3 ONLINE beside m1");
      try (CohortClient app = Cohort.connect(m3.address(), as(ClientOptions.builder().deadline(Duration.ofSeconds(20))
          .routing(ClientOptions.Routing.PINNED).build(), "app", "app-pw"))) {
        assertThat(app.listTables()).as("the tables m3 shows 'app'").isEmpty();
      }
    }
  }

  private static ClientOptions as(ClientOptions base, String user, String password) {
    return base.toBuilder().credentials(user, password).build();
  }

  private static void refused(ThrowingCallable call, ErrorCode code, String says) {
    assertThatThrownBy(call).isInstanceOfSatisfying(CohortException.class, e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).contains(says).hasSizeLessThan(600);
    });
  }
}
