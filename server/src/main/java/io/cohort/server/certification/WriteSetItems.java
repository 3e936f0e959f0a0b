package io.cohort.server.certification;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * Hashes of the items a transaction's WriteSet names. Every member must compute the same
 * hash for the same item, so the function and the item spelling are part of the protocol.
 * A collision only makes two unrelated transactions conflict (a false ABORTED), never lets a
 * real conflict through.
 */
public final class WriteSetItems {
  private static final HashFunction HASH = Hashing.murmur3_128(0x436f686f);

  private WriteSetItems() {}

  /** A row or a unique-key entry: its encoded storage key (already carries table/index ids). */
  public static long key(byte[] encodedKey) {
    return HASH.newHasher().putByte((byte) 'k').putBytes(encodedKey).hash().asLong();
  }

  /** The schema of a table: changed by DDL on it, read by every transaction that uses it. */
  public static long tableSchema(long tableId) {
    return HASH.newHasher().putByte((byte) 's').putLong(tableId).hash().asLong();
  }

  /** The data of a table as a whole: touched by DML, read by DDL that must see all of it. */
  public static long tableData(long tableId) {
    return HASH.newHasher().putByte((byte) 'd').putLong(tableId).hash().asLong();
  }

  /** A client request id: two commits of one request conflict, whichever members they ran on. */
  public static long requestId(String id) {
    return HASH.newHasher().putByte((byte) 'r').putString(id, StandardCharsets.UTF_8).hash().asLong();
  }

  /** A table name: CREATE and DROP of the same name conflict. */
  public static long tableName(String name) {
    return HASH.newHasher().putByte((byte) 'n').putString(name, StandardCharsets.UTF_8).hash().asLong();
  }
}
