package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientFailoverTest {
  private static final TableDefinition T = TableDefinition.builder("t")
      .column("id", ColumnType.INT64).column("v", ColumnType.STRING, true).primaryKey("id")
      .build();

  @Test
  void newRequestsMoveToTheNextMemberWhenOneIsUnavailable() throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, ClientOptions.defaults())) {
      c.fake(0).inject("Status", Status.UNAVAILABLE, 1);
      assertThat(c.client.status().getMemberId()).isEqualTo("m2");
      c.client.createTable(T);
      // The second member answered, so it now comes first; the first never saw the table.
      assertThat(c.client.listTables()).extracting(TableInfo::name).containsExactly("t");
      assertThat(c.fake(0).begins()).isZero();
    }
  }

  @Test
  void anExplicitTransactionStaysOnItsMember() throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, ClientOptions.defaults())) {
      c.client.createTable(T);
      Transaction tx = c.client.begin();
      assertThat(tx.member()).isEqualTo("member-1");
      assertThat(tx.upsert("t", Row.of("id", 2, "v", "y"))).isEqualTo(1); // begins it there
      assertThat(tx.id()).isNotEmpty();
      c.fake(0).inject("Execute", Status.UNAVAILABLE, 1);
      assertThatThrownBy(() -> tx.upsert("t", Row.of("id", 1))).isInstanceOf(
          UnavailableException.class).hasMessageContaining("member-1");
      assertThat(tx.upsert("t", Row.of("id", 1, "v", "x"))).isEqualTo(1);
      assertThat(tx.commit().hasGtid()).isTrue();
    }
  }

  @Test
  void aTransactionNotBegunYetBeginsOnTheNextMemberWhenOneIsUnavailable() throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, ClientOptions.defaults());
        CohortClient second = c.direct(1)) {
      c.client.createTable(T);
      second.createTable(T); // these fakes do not replicate
      Transaction tx = c.client.begin();
      assertThat(tx.id()).isEmpty();
      c.fake(0).inject("Execute", Status.UNAVAILABLE, 1);
      assertThat(tx.upsert("t", Row.of("id", 1, "v", "x"))).isEqualTo(1);
      assertThat(tx.member()).isEqualTo("member-2");
      assertThat(tx.commit().hasGtid()).isTrue();
      assertThat(c.fake(0).begins()).isZero();
      assertThat(c.fake(1).begins()).isEqualTo(1);
    }
  }

  @Test
  void allMembersDownIsOneUnavailableNamingThem() throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, ClientOptions.defaults())) {
      c.fake(0).inject("Status", Status.UNAVAILABLE, 1);
      c.fake(1).inject("Status", Status.UNAVAILABLE, 1);
      assertThatThrownBy(c.client::status).isInstanceOf(UnavailableException.class)
          .hasMessageContaining("member-1").hasMessageContaining("member-2");
    }
  }

  @Test
  void autocommitHelpersAndScansWork() throws Exception {
    try (InProcessCluster c = new InProcessCluster(1, ClientOptions.defaults())) {
      CohortClient client = c.client;
      client.createTable(T);
      for (int i = 1; i <= 5; i++) {
        assertThat(client.insert("t", Row.of("id", i, "v", "r" + i)).affected()).isEqualTo(1);
      }
      assertThat(client.update("t", Row.of("id", 9, "v", "x")).affected()).isZero();
      WriteResult u = client.update("t", Row.of("id", 2, "v", "two"));
      assertThat(u.affected()).isEqualTo(1);
      assertThat(u.gtid()).isNotEmpty();
      assertThat(client.delete("t", Key.of(5)).affected()).isEqualTo(1);
      List<Row> rows = client.scan("t", Key.of(2), Key.of(4), 0);
      assertThat(rows).extracting(r -> r.getLong("id")).containsExactly(2L, 3L);
      assertThat(rows.get(0).getString("v")).isEqualTo("two");
      assertThat(client.scanReverse("t", null, null, 2)).extracting(r -> r.getLong("id"))
          .containsExactly(4L, 3L);
      assertThat(client.get("t", Key.of(5))).isEmpty();
      assertThat(client.readLog(1, 0)).hasSize(1 + 5 + 1 + 1);
      assertThat(client.dropTableIfExists("nope").changed()).isFalse();
    }
  }

  @Test
  void aWriteMovesOnWhenItsMemberRefusesTheConnection() throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, ClientOptions.defaults());
        CohortClient second = c.direct(1)) {
      // The first member also listens on TCP, so that once it stops, connecting to it is refused.
      io.grpc.Server tcp = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
          .forAddress(new java.net.InetSocketAddress("127.0.0.1", 0)).addService(c.fake(0)).build().start();
      String address = "127.0.0.1:" + tcp.getPort();
      io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
          .forTarget(address).usePlaintext().build();
      try (CohortClient client = c.clientWith(new MemberConnection(address, ch,
          ClientOptions.defaults().deadline()), 1)) {
        client.createTable(T); // on the first member: it is the write member now
        second.createTable(T);
        tcp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ch.getState(false) == io.grpc.ConnectivityState.READY && System.nanoTime() < deadline) {
          Thread.sleep(10); // until the client has seen the connection close
        }
        // The stopped member never saw the insert, so the next member may take it.
        assertThat(client.insert("t", Row.of("id", 1, "v", "x")).affected()).isEqualTo(1);
        assertThat(second.get("t", Key.of(1))).map(r -> r.getString("v")).contains("x");
      } finally {
        tcp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aWriteMovesOnWithItsRequestIdButDdlDoesNot() throws Exception {
    try (InProcessCluster c = new InProcessCluster(2, ClientOptions.defaults())) {
      c.client.createTable(T); // only the first member has the table
      c.fake(0).inject("Execute", Status.UNAVAILABLE, 1);
      // The insert carries a request id, which the group commits once: it may move on, and the
      // second member (no table) answers it.
      assertThatThrownBy(() -> c.client.insert("t", Row.of("id", 1)))
          .isInstanceOf(NotFoundException.class).hasMessageContaining("member-2");
      // DDL carries none: it may have committed before the connection broke, so it is not resent.
      c.fake(1).inject("CreateTable", Status.UNAVAILABLE, 1);
      assertThatThrownBy(() -> c.client.createTable(T)).isInstanceOf(UnavailableException.class);
      c.fake(1).inject("Execute", Status.UNAVAILABLE, 1);
      assertThat(c.client.get("t", Key.of(1))).isEmpty(); // a read moves on: answered by the first member
    }
  }
}
