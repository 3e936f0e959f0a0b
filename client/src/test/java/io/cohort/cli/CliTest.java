package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.testing.FakeCohortServer;
import io.grpc.Server;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CliTest {
  private Server server;
  private String address;
  private String out;
  private String err;

  @BeforeEach
  void start() throws Exception {
    server = new FakeCohortServer().serve();
    address = FakeCohortServer.address(server);
  }

  @AfterEach
  void stop() throws Exception {
    FakeCohortServer.stop(server);
  }

  private int cohort(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--connect";
    all[1] = address;
    System.arraycopy(args, 0, all, 2, args.length);
    int code = CohortCli.commandLine(new PrintWriter(o, true), new PrintWriter(e, true))
        .execute(all);
    out = o.toString();
    err = e.toString();
    return code;
  }

  private void createAccounts() {
    assertThat(cohort("create-table", "accounts", "--column", "id:int64", "--column",
        "name:string:null", "--column", "balance:int64", "--primary-key", "id",
        "--unique-key", "name_uk=name")).isZero();
  }

  @Test
  void schemaCommands() {
    createAccounts();
    assertThat(out).startsWith("created table accounts gtid=" + FakeCohortServer.GROUP + ":1");
    assertThat(cohort("create-table", "accounts", "--column", "id:int64", "--primary-key", "id",
        "--if-not-exists")).isZero();
    assertThat(out).contains("nothing changed");
    assertThat(cohort("tables")).isZero();
    assertThat(out.trim()).isEqualTo(
        "accounts (id int64, name string null, balance int64) pk(id) unique name_uk(name)");
    assertThat(cohort("describe", "accounts")).isZero();
    assertThat(out).contains("CREATE TABLE accounts (", "  name STRING NULL,",
        "  PRIMARY KEY (id)", "UNIQUE KEY name_uk (name)");
    assertThat(cohort("drop-table", "accounts")).isZero();
    assertThat(cohort("drop-table", "accounts")).isEqualTo(1);
    assertThat(err).startsWith("error: DropTable accounts failed on member " + address)
        .contains("NOT_FOUND");
    assertThat(err.lines().count()).isEqualTo(1);
  }

  @Test
  void rowCommandsPrintJsonInSchemaOrder() {
    createAccounts();
    assertThat(cohort("insert", "accounts", "balance=10", "id=1", "name=ann")).isZero();
    assertThat(out).startsWith("affected=1 gtid=" + FakeCohortServer.GROUP + ":2");
    assertThat(cohort("put", "accounts", "id=2", "name=null", "balance=20")).isZero();
    assertThat(cohort("update", "accounts", "id=1", "balance=11")).isZero();
    assertThat(cohort("get", "accounts", "1")).isZero();
    assertThat(out.trim()).isEqualTo("{\"id\":1,\"name\":\"ann\",\"balance\":11}");
    assertThat(cohort("scan", "accounts", "--reverse")).isZero();
    assertThat(out.lines()).containsExactly("{\"id\":2,\"name\":null,\"balance\":20}",
        "{\"id\":1,\"name\":\"ann\",\"balance\":11}");
    assertThat(cohort("delete", "accounts", "2")).isZero();
    assertThat(out).startsWith("affected=1");
    assertThat(cohort("get", "accounts", "2")).isEqualTo(1);
    assertThat(err).contains("not found");
    assertThat(cohort("insert", "accounts", "id=x")).isEqualTo(1);
    assertThat(err.trim()).isEqualTo("error: column 'id' is int64: cannot parse 'x' "
        + "(For input string: \"x\")");
  }

  @Test
  void logPrintsRowImagesPerGtid() {
    createAccounts();
    cohort("insert", "accounts", "id=1", "name=o'neil", "balance=10");
    cohort("update", "accounts", "id=1", "balance=11");
    cohort("delete", "accounts", "1");
    assertThat(cohort("log", "--from", "2")).isZero();
    String g = FakeCohortServer.GROUP;
    assertThat(out).contains("# GTID " + g + ":2  origin=m1  at ", "  txn=x2",
        "### INSERT INTO accounts\n### SET\n###   id=1\n###   name='o\\'neil'\n"
            + "###   balance=10\n",
        "### UPDATE accounts\n### WHERE\n###   id=1\n###   name='o\\'neil'\n###   balance=10\n"
            + "### SET\n###   id=1\n###   name='o\\'neil'\n###   balance=11\n",
        "### DELETE FROM accounts\n### WHERE\n###   id=1");
    assertThat(cohort("log", "--limit", "1")).isZero();
    assertThat(out).contains("CREATE TABLE accounts (").doesNotContain("INSERT");
  }

  @Test
  void statusHumanAndJson() {
    assertThat(cohort("status")).isZero();
    assertThat(out).contains("member         m1 at 127.0.0.1:7001", "ONLINE (PRIMARY)",
        "mode           SINGLE_PRIMARY  primary m1");
    assertThat(out.lines()).contains(
        "MEMBER  ADDRESS         STATE   ROLE     VERSION  VIEW_ID",
        "m1      127.0.0.1:7001  ONLINE  PRIMARY  fake     17000000:1");
    assertThat(cohort("status", "--json")).isZero();
    assertThat(out.trim()).startsWith("{\"memberId\":\"m1\"").contains("\"members\":[");
  }

  @Test
  void unreachableMemberIsOneClearLine() throws Exception {
    FakeCohortServer.stop(server);
    assertThat(cohort("--timeout", "5", "tables")).isEqualTo(1);
    assertThat(err.trim()).startsWith("error: ListTables failed on member " + address
        + ": UNAVAILABLE");
    assertThat(err.lines().count()).isEqualTo(1);
    server = new FakeCohortServer().serve();
  }
}
