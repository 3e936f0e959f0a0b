package io.cohort.server.storage;

/** Where a transaction's row and unique-key writes go: a {@link Batch}, or a list kept until commit. */
public interface RowWrites {
  void putRow(byte[] key, byte[] value);

  void deleteRow(byte[] key);

  void putUnique(byte[] key, byte[] primaryKey);

  void deleteUnique(byte[] key);
}
