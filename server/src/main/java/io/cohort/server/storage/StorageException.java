package io.cohort.server.storage;

/** The disk or RocksDB failed; the member cannot go on safely with this storage. */
public final class StorageException extends RuntimeException {
  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
