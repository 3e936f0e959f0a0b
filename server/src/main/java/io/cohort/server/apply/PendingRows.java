package io.cohort.server.apply;

import io.cohort.server.storage.Batch;
import io.cohort.server.storage.RowWrites;
import java.util.ArrayList;
import java.util.List;

/**
 * One transaction's row and unique-key writes, built by an applier worker and kept in order until
 * the transaction commits, when {@link #writeTo} adds them to the group commit's batch.
 */
final class PendingRows implements RowWrites {
  private static final byte PUT_ROW = 0;
  private static final byte DELETE_ROW = 1;
  private static final byte PUT_UNIQUE = 2;
  private static final byte DELETE_UNIQUE = 3;

  private final List<byte[]> keys = new ArrayList<>(4);
  private final List<byte[]> values = new ArrayList<>(4);
  private byte[] kinds = new byte[4];

  @Override
  public void putRow(byte[] key, byte[] value) {
    add(PUT_ROW, key, value);
  }

  @Override
  public void deleteRow(byte[] key) {
    add(DELETE_ROW, key, null);
  }

  @Override
  public void putUnique(byte[] key, byte[] primaryKey) {
    add(PUT_UNIQUE, key, primaryKey);
  }

  @Override
  public void deleteUnique(byte[] key) {
    add(DELETE_UNIQUE, key, null);
  }

  private void add(byte kind, byte[] key, byte[] value) {
    int n = keys.size();
    if (n == kinds.length) {
      kinds = java.util.Arrays.copyOf(kinds, n * 2);
    }
    kinds[n] = kind;
    keys.add(key);
    values.add(value);
  }

  /** Adds every write, in the order made, to {@code batch}. */
  void writeTo(Batch batch) {
    for (int i = 0; i < keys.size(); i++) {
      byte[] k = keys.get(i);
      switch (kinds[i]) {
        case PUT_ROW -> batch.putRow(k, values.get(i));
        case DELETE_ROW -> batch.deleteRow(k);
        case PUT_UNIQUE -> batch.putUnique(k, values.get(i));
        default -> batch.deleteUnique(k);
      }
    }
  }
}
