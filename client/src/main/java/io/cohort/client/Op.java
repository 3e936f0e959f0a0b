package io.cohort.client;

import io.cohort.proto.DeleteOp;
import io.cohort.proto.GetOp;
import io.cohort.proto.Operation;
import io.cohort.proto.ScanOp;
import io.cohort.proto.WriteOp;

/**
 * One statement for a batched {@code Execute}: several operations travel in one round trip
 * (see {@link CohortClient#execute} and {@link Transaction#execute}). Immutable.
 */
public final class Op {
  private final Operation proto;

  private Op(Operation proto) {
    this.proto = proto;
  }

  /**
   * Looks a row up by primary key.
   *
   * @param table the table
   * @param key the full primary key
   * @return the operation
   */
  public static Op get(String table, Key key) {
    return new Op(Operation.newBuilder()
        .setGet(GetOp.newBuilder().setTable(table).setKey(key.toProto())).build());
  }

  /**
   * Looks a row up by a unique key.
   *
   * @param table the table
   * @param keyName the unique key's name
   * @param key the full unique key
   * @return the operation
   */
  public static Op getByUniqueKey(String table, String keyName, Key key) {
    return new Op(Operation.newBuilder().setGet(
        GetOp.newBuilder().setTable(table).setKey(key.toProto()).setIndex(keyName)).build());
  }

  /**
   * Reads rows in primary-key order.
   *
   * @param table the table
   * @param start inclusive lower bound (a key prefix is allowed), or null for the start
   * @param end exclusive upper bound (a key prefix is allowed), or null for the end
   * @param limit the most rows to return; 0 for the server's default
   * @param reverse true to read from the end down
   * @return the operation
   */
  public static Op scan(String table, Key start, Key end, int limit, boolean reverse) {
    if (limit < 0) {
      throw new IllegalArgumentException("scan limit must not be negative: " + limit);
    }
    ScanOp.Builder b = ScanOp.newBuilder().setTable(table).setLimit(limit).setReverse(reverse);
    if (start != null) {
      b.setStart(start.toProto());
    }
    if (end != null) {
      b.setEnd(end.toProto());
    }
    return new Op(Operation.newBuilder().setScan(b).build());
  }

  /**
   * Inserts a row; fails with {@link DuplicateKeyException} if its key exists.
   *
   * @param table the table
   * @param row the whole row
   * @return the operation
   */
  public static Op insert(String table, Row row) {
    return new Op(Operation.newBuilder().setInsert(write(table, row)).build());
  }

  /**
   * Sets the given columns of an existing row (affected 0 if there is none).
   *
   * @param table the table
   * @param row the primary-key columns plus the columns to set
   * @return the operation
   */
  public static Op update(String table, Row row) {
    return new Op(Operation.newBuilder().setUpdate(write(table, row)).build());
  }

  /**
   * Inserts a row or replaces the whole existing row.
   *
   * @param table the table
   * @param row the whole row
   * @return the operation
   */
  public static Op upsert(String table, Row row) {
    return new Op(Operation.newBuilder().setUpsert(write(table, row)).build());
  }

  /**
   * Deletes a row by primary key (affected 0 if there is none).
   *
   * @param table the table
   * @param key the full primary key
   * @return the operation
   */
  public static Op delete(String table, Key key) {
    return new Op(Operation.newBuilder()
        .setDelete(DeleteOp.newBuilder().setTable(table).setKey(key.toProto())).build());
  }

  private static WriteOp write(String table, Row row) {
    return WriteOp.newBuilder().setTable(table).setRow(row.toProto()).build();
  }

  /**
   * Whether running this operation changes data (so sending it twice could apply it twice).
   *
   * @return true for insert, update, upsert and delete
   */
  public boolean isWrite() {
    Operation.OpCase c = toProto().getOpCase();
    return c != Operation.OpCase.GET && c != Operation.OpCase.SCAN;
  }

  /**
   * The wire form.
   *
   * @return the proto operation
   */
  public Operation toProto() {
    return proto;
  }

  /**
   * A short description for error messages, e.g. {@code "insert into accounts"}.
   *
   * @return the description
   */
  public String describe() {
    switch (proto.getOpCase()) {
      case GET:
        return "get from " + proto.getGet().getTable();
      case SCAN:
        return "scan of " + proto.getScan().getTable();
      case INSERT:
        return "insert into " + proto.getInsert().getTable();
      case UPDATE:
        return "update of " + proto.getUpdate().getTable();
      case UPSERT:
        return "upsert into " + proto.getUpsert().getTable();
      case DELETE:
        return "delete from " + proto.getDelete().getTable();
      default:
        return "empty operation";
    }
  }

  @Override
  public String toString() {
    return "Op{" + describe() + "}";
  }
}
