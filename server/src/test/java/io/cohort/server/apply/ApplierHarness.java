package io.cohort.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.DdlChange;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.server.certification.Certifier;
import io.cohort.server.certification.WriteSetItems;
import io.cohort.server.model.Table;
import java.util.concurrent.CompletableFuture;

/**
 * An applier fed by a real certifier, for tests: each transaction is certified as read at the
 * last one certified and queued in order; a failure of the applier is kept in {@link #failed}.
 */
final class ApplierHarness {
  final Applier applier;
  final Certifier certifier = new Certifier(0);
  final CompletableFuture<Throwable> failed = new CompletableFuture<>();
  private long head;

  ApplierHarness(Applier applier) {
    this.applier = applier;
  }

  /** Starts the applier. */
  ApplierHarness start() {
    applier.start(new Applier.Listener() {
      @Override
      public void applied(long seqno, Transaction tx, String gtid) {}

      @Override
      public void failed(Throwable cause) {
        failed.complete(cause);
      }
    });
    return this;
  }

  /** Certifies {@code tx} as read at the last transaction certified, queues it, and returns its seqno. */
  long apply(Transaction tx) {
    Certifier.Verdict v = certifier.certify(tx.toBuilder().setSnapshotSeqno(head).build());
    assertThat(v.positive()).as("certified %s", tx.getTxnId()).isTrue();
    applier.enqueue(v.seqno(), tx, v.lastCommitted());
    head = v.seqno();
    return v.seqno();
  }

  /** Creates table {@code schema} and returns it as the applier will know it. */
  Table create(TableSchema schema) {
    long created = apply(Transaction.newBuilder().setTxnId("create " + schema.getName())
        .setDdl(DdlChange.newBuilder().setCreateTable(schema)).addWriteSet(WriteSetItems.tableName(schema.getName()))
        .build());
    TableSchema.Builder s = schema.toBuilder().setTableId(created).setSchemaSeqno(created);
    for (int i = 0; i < s.getUniqueKeysCount(); i++) {
      s.setUniqueKeys(i, s.getUniqueKeys(i).toBuilder().setIndexId(i + 1));
    }
    return new Table(s.build());
  }

  /** A table of INT64 columns, the first the primary key. */
  static TableSchema int64Table(String name, String... columns) {
    TableSchema.Builder b = TableSchema.newBuilder().setName(name).addPrimaryKey(columns[0]);
    for (String c : columns) {
      b.addColumns(Column.newBuilder().setName(c).setType(ColumnType.INT64));
    }
    return b.build();
  }
}
