package io.cohort.server.model;

import io.cohort.proto.Value;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where members record client request ids (Transaction.request_id): for each committed
 * transaction that carries one, the applier writes, in the same batch, the sequence number it got
 * under the key (five-minute period of its origin timestamp, request id), in the key space of table id 0,
 * which no table has (table ids are the sequence numbers of their CREATE TABLE). Two commits of
 * one request conflict in certification on the request id (a WriteSet item of its own), or the
 * later one finds the earlier one's entry when it runs: either way the group commits a request
 * once, on every member alike, and a retry is answered with its first attempt's GTID.
 *
 * <p>Entries only ever answer the member that runs a retry; nothing else reads them, so each
 * member forgets periods before the last one on its own, in one range deletion:
 * what a member keeps is bounded by the commit rate times that period.
 */
public final class ClientRequests {
  /** What a request id may be, as messages say it. */
  public static final String RULE = "1-64 of letters, digits, '_', '.', ':', '-'";
  /**
   * Entries are kept by the five minutes they were written in. A retry looks in its own period,
   * the one before and the one after (members' clocks differ): three point reads on every commit
   * that carries an id, where one-minute periods took seven and cost a fifth of a primary's
   * throughput.
   */
  public static final long BUCKET_MS = 300_000;
  /** Periods a retry looks back, besides its own; what a member keeps. */
  public static final int KEPT_BUCKETS = 1;
  /** Periods a retry looks ahead: members' clocks may differ by up to this much. */
  public static final int AHEAD_BUCKETS = 1;
  /** The key space of the entries: a table id no table has. */
  private static final long SPACE = 0;

  private ClientRequests() {}

  /**
   * Throws INVALID_ARGUMENT unless {@code id} may be a request id.
   *
   * @return {@code id}
   */
  public static String check(String id) {
    boolean ok = !id.isEmpty() && id.length() <= 64;
    for (int i = 0; ok && i < id.length(); i++) {
      char c = id.charAt(i);
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
          || c == ':' || c == '-';
    }
    if (!ok) {
      throw DbException.invalid("request_id '%s' is not valid: %s", Shown.of(id), RULE);
    }
    return id;
  }

  public static long bucket(long ms) {
    return Math.floorDiv(ms, BUCKET_MS);
  }

  /** The key of request {@code id}'s entry in period {@code bucket}. */
  public static byte[] key(long bucket, String id) {
    return KeyCodec.encodeInt64String(SPACE, bucket, id);
  }

  /** The keys a retry at {@code nowMs} looks for: the kept periods and the one ahead. */
  public static byte[][] keysAround(long nowMs, String id) {
    long b = bucket(nowMs);
    byte[][] keys = new byte[KEPT_BUCKETS + 1 + AHEAD_BUCKETS][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = key(b - KEPT_BUCKETS + i, id);
    }
    return keys;
  }

  /** The first key a member keeps at {@code nowMs}: entries below it (and at or above {@link #spaceStart()}) are forgotten. */
  public static byte[] keptFrom(long nowMs) {
    return KeyCodec.encode(new long[] {SPACE}, List.of(Value.newBuilder().setInt64Value(bucket(nowMs) - KEPT_BUCKETS)
        .build()));
  }

  /** The first key of the entries' key space. */
  public static byte[] spaceStart() {
    return KeyCodec.prefix(SPACE);
  }

  /** What a member recorded of a committed request: its sequence number and its statements' answer. */
  public record Record(long seqno, List<Integer> affected) {}

  /**
   * An entry's value: the sequence number, then the rows each statement affected (none for a
   * commit of an explicit transaction), four bytes each.
   */
  public static byte[] value(long seqno, List<Integer> affected) {
    ByteBuffer b = ByteBuffer.allocate(8 + 4 * affected.size()).putLong(seqno);
    affected.forEach(b::putInt);
    return b.array();
  }

  public static Record record(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    long seqno = b.getLong();
    List<Integer> affected = new java.util.ArrayList<>();
    while (b.remaining() >= 4) {
      affected.add(b.getInt());
    }
    return new Record(seqno, List.copyOf(affected));
  }
}
