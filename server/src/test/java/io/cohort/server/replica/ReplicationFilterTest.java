package io.cohort.server.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.DdlChange;
import io.cohort.proto.RowChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationFilterTest {
  private static ReplicationFilter of(String doT, String ignore, String wildDo, String wildIgnore) {
    return new ReplicationFilter(list(doT), list(ignore), list(wildDo), list(wildIgnore));
  }

  private static List<String> list(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split(","));
  }

  @Test
  void withoutRulesEveryTableIsKeptAndTransactionsPassUnchanged() {
    Transaction tx = rows("a", "b");
    assertThat(ReplicationFilter.NONE.keepsAll()).isTrue();
    assertThat(ReplicationFilter.NONE.apply(tx)).isSameAs(tx);
    assertThat(ReplicationFilter.NONE.replicates("anything")).isTrue();
  }

  @Test
  void doRulesKeepOnlyWhatTheyName() {
    ReplicationFilter f = of("orders", "", "stock\\_%", "");
    assertThat(f.replicates("orders")).isTrue();
    assertThat(f.replicates("stock_eu")).isTrue();
    assertThat(f.replicates("stockxeu")).as("an escaped underscore is itself").isFalse();
    assertThat(f.replicates("orders2")).isFalse();
    assertThat(f.replicates("cohort$users")).as("accounts are always replicated").isTrue();
  }

  @Test
  void ignoreRulesDropWhatTheyNameAndKeepTheRest() {
    ReplicationFilter f = of("", "audit", "", "tmp_%");
    assertThat(f.replicates("audit")).isFalse();
    assertThat(f.replicates("tmp1")).isFalse(); // _ is any one character
    assertThat(f.replicates("tmp")).as("_ needs a character").isTrue();
    assertThat(f.replicates("tm")).isTrue();
    assertThat(f.replicates("orders")).isTrue();
  }

  @Test
  void anExactDoRuleWinsOverAWildIgnoreRuleAndAnIgnoreOverAWildDo() {
    ReplicationFilter f = of("tmp_keep", "logs_old", "logs_%", "tmp%");
    assertThat(f.replicates("tmp_keep")).isTrue();
    assertThat(f.replicates("tmp_other")).isFalse();
    assertThat(f.replicates("logs_old")).isFalse();
    assertThat(f.replicates("logs_new")).isTrue();
    assertThat(f.replicates("other")).as("do rules exist: what none names is dropped").isFalse();
  }

  @Test
  void aTransactionKeepsOnlyTheChangesOfKeptTablesAndMayEndEmpty() {
    ReplicationFilter f = of("", "audit", "", "");
    Transaction mixed = rows("orders", "audit", "orders");
    Transaction kept = f.apply(mixed);
    assertThat(kept.getChangesList()).extracting(RowChange::getTable).containsExactly("orders", "orders");
    assertThat(kept.getTxnId()).isEqualTo(mixed.getTxnId());
    assertThat(kept.getWriteSetList()).isEqualTo(mixed.getWriteSetList());
    Transaction onlyAudit = f.apply(rows("audit"));
    assertThat(onlyAudit.getChangesCount()).isZero();
    assertThat(onlyAudit.hasDdl()).isFalse();
    Transaction createAudit = Transaction.newBuilder().setTxnId("d").setDdl(DdlChange.newBuilder()
        .setCreateTable(TableSchema.newBuilder().setName("audit"))).build();
    assertThat(f.apply(createAudit).hasDdl()).as("the filtered table is never created").isFalse();
    Transaction dropOrders = Transaction.newBuilder().setTxnId("e").setDdl(DdlChange.newBuilder()
        .setDropTable(DdlChange.DropTable.newBuilder().setTable("orders"))).build();
    assertThat(f.apply(dropOrders)).isSameAs(dropOrders);
  }

  @Test
  void badNamesAreRefusedWithoutEchoingThemWhole() {
    assertThatThrownBy(() -> of("a b", "", "", "")).hasMessageContaining("replicate-do-table: 'a b' is not a table name");
    String longName = "x".repeat(5000);
    assertThatThrownBy(() -> of("", "", longName, "")).hasMessageContaining("replicate-wild-do-table")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
  }

  @Test
  void statusListsTheRulesAsConfigured() {
    var s = of("a,b", "c", "d%", "").showIn(io.cohort.proto.ReplicaStatus.newBuilder()).build();
    assertThat(s.getReplicateDoTable()).isEqualTo("a,b");
    assertThat(s.getReplicateIgnoreTable()).isEqualTo("c");
    assertThat(s.getReplicateWildDoTable()).isEqualTo("d%");
    assertThat(s.getReplicateWildIgnoreTable()).isEmpty();
  }

  @Test
  void aChannelTakesItsOwnRulesOfAKindAndTheGlobalOnesOfTheOthers() {
    java.util.Set<String> channels = java.util.Set.of("east", "north");
    List<String> doT = List.of("orders", "east:items");
    List<String> ignoreT = List.of("audit");
    var main = ReplicationFilter.forChannel("", channels, doT, ignoreT, List.of(), List.of())
        .showIn(io.cohort.proto.ReplicaStatus.newBuilder()).build();
    assertThat(main.getReplicateDoTable()).as("the default channel: global rules only").isEqualTo("orders");
    var east = ReplicationFilter.forChannel("EAST", channels, doT, ignoreT, List.of(), List.of())
        .showIn(io.cohort.proto.ReplicaStatus.newBuilder()).build();
    assertThat(east.getReplicateDoTable()).as("its own do rules replace the global ones").isEqualTo("items");
    assertThat(east.getReplicateIgnoreTable()).as("no ignore rule of its own: the global ones").isEqualTo("audit");
    var north = ReplicationFilter.forChannel("north", channels, doT, ignoreT, List.of(), List.of())
        .showIn(io.cohort.proto.ReplicaStatus.newBuilder()).build();
    assertThat(north.getReplicateDoTable()).isEqualTo("orders");
    assertThatThrownBy(() -> ReplicationFilter.forChannel("", channels, List.of("west:orders"), List.of(), List.of(),
        List.of())).hasMessageContaining("channel 'west', which is not a channel of this replica");
    assertThatThrownBy(() -> ReplicationFilter.forChannel("east", channels, List.of("east:a b"), List.of(), List.of(),
        List.of())).hasMessageContaining("'a b' is not a table name");
  }

  private static Transaction rows(String... tables) {
    Transaction.Builder b = Transaction.newBuilder().setTxnId("t").addWriteSet(42);
    for (String t : tables) {
      b.addChanges(RowChange.newBuilder().setKind(RowChange.Kind.INSERT).setTable(t));
    }
    return b.build();
  }
}
