package io.cohort.server.api;

import io.cohort.proto.OpResult;
import io.cohort.proto.Operation;
import io.cohort.proto.Row;
import io.cohort.server.auth.Privilege;
import io.cohort.server.model.DbException;
import io.cohort.server.model.Names;
import io.cohort.server.txn.ServerTransaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs the statements of one request on a transaction. */
final class Statements {
  static final int MAX_OPS_PER_REQUEST = 10_000;

  private Statements() {}

  static List<OpResult> run(ServerTransaction tx, List<Operation> ops) {
    if (ops.size() > MAX_OPS_PER_REQUEST) {
      throw DbException.invalid("%d operations in one request; at most %d are allowed", ops.size(), MAX_OPS_PER_REQUEST);
    }
    List<OpResult> results = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      try {
        results.add(runOne(tx, ops.get(i)));
      } catch (DbException e) {
        throw ops.size() == 1 ? e : new DbException(e.code(), "operation " + (i + 1) + ": " + e.getMessage());
      }
    }
    return results;
  }

  /** Like {@link #run}, but if one statement fails the transaction is left as it was before. */
  static List<OpResult> runAtomically(ServerTransaction tx, List<Operation> ops) {
    if (ops.size() <= 1) {
      return run(tx, ops); // a single statement changes nothing when it fails
    }
    ServerTransaction.Savepoint sp = tx.savepoint();
    try {
      return run(tx, ops);
    } catch (RuntimeException e) {
      tx.rollbackTo(sp);
      throw e;
    }
  }

  private static OpResult runOne(ServerTransaction tx, Operation op) {
    check(op);
    return switch (op.getOpCase()) {
      case GET -> {
        Optional<Row> r = op.getGet().getIndex().isEmpty()
            ? tx.get(op.getGet().getTable(), op.getGet().getKey())
            : tx.getByUniqueKey(op.getGet().getTable(), op.getGet().getIndex(), op.getGet().getKey());
        yield r.map(row -> OpResult.newBuilder().setFound(true).setRow(row).build())
            .orElse(OpResult.getDefaultInstance());
      }
      case SCAN -> {
        ServerTransaction.ScanResult s = tx.scan(op.getScan());
        yield OpResult.newBuilder().addAllRows(s.rows()).setMore(s.more()).build();
      }
      case INSERT -> affected(tx.insert(op.getInsert().getTable(), op.getInsert().getRow()));
      case UPDATE -> affected(tx.update(op.getUpdate().getTable(), op.getUpdate().getRow()));
      case UPSERT -> affected(tx.upsert(op.getUpsert().getTable(), op.getUpsert().getRow()));
      case DELETE -> affected(tx.delete(op.getDelete().getTable(), op.getDelete().getKey()));
      case OP_NOT_SET -> throw DbException.invalid("operation has no statement set (get, scan, insert, ...)");
    };
  }

  /** A statement on a system table, or one its user may not run, is refused before it runs. */
  private static void check(Operation op) {
    switch (op.getOpCase()) {
      case GET -> read(op.getGet().getTable(), "a get");
      case SCAN -> read(op.getScan().getTable(), "a scan");
      case INSERT -> write(op.getInsert().getTable(), "an insert");
      case UPDATE -> write(op.getUpdate().getTable(), "an update");
      case UPSERT -> write(op.getUpsert().getTable(), "an upsert");
      case DELETE -> write(op.getDelete().getTable(), "a delete");
      case OP_NOT_SET -> { }
    }
  }

  private static void read(String table, String what) {
    Names.refuseSystem(table);
    Authorization.require(Privilege.READ, what);
  }

  private static void write(String table, String what) {
    Names.refuseSystem(table);
    Authorization.require(Privilege.WRITE, what);
  }

  private static OpResult affected(int n) {
    return OpResult.newBuilder().setAffected(n).build();
  }
}
