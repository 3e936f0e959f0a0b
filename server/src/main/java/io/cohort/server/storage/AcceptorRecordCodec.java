package io.cohort.server.storage;

import io.cohort.server.consensus.AcceptorRecord;
import io.cohort.server.consensus.Batch;
import io.cohort.server.consensus.Value;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-disk form of the consensus store's keys and values. Hand-written rather than protobuf
 * so that every byte of a promise is explicit and a damaged record is caught field by field.
 *
 * <pre>
 * slot key     : slot as 8 bytes big-endian (slots are never negative, so byte order = slot order)
 * state value  : format(1) self(int) incarnation(int) nextOwnSlot(long)
 * record value : format(1) promised(long) acceptedBallot(long) count(int)
 *                count x { id(long) kind(byte) length(int) data(length bytes) }
 * </pre>
 * The leading format byte lets a later release change the layout and still read old records.
 */
final class AcceptorRecordCodec {

  static final byte STATE_FORMAT = 2;
  static final byte RECORD_FORMAT = 1;
  static final int STATE_LENGTH = 1 + 4 + 4 + 8 + 8;
  /** The first state format, without the truncation point (stores that never deleted records). */
  static final byte STATE_FORMAT_1 = 1;
  static final int STATE_LENGTH_1 = 1 + 4 + 4 + 8;

  private static final int RECORD_HEADER = 1 + 8 + 8 + 4;
  private static final int VALUE_HEADER = 8 + 1 + 4;

  /** What {@link ConsensusStore} keeps besides the slot records. */
  record State(int self, int incarnation, long nextOwnSlot, long truncatedBelow) {}

  private AcceptorRecordCodec() {}

  static byte[] slotKey(long slot) {
    if (slot < 0) {
      throw new IllegalArgumentException("slot must not be negative, got " + slot);
    }
    return ByteBuffer.allocate(8).putLong(slot).array();
  }

  /** The slot of a key; throws {@link IllegalArgumentException} when it is not a slot key. */
  static long slotOf(byte[] key) {
    long slot = key.length == 8 ? ByteBuffer.wrap(key).getLong() : -1;
    if (slot < 0) {
      throw new IllegalArgumentException("not a slot key: " + hex(key));
    }
    return slot;
  }

  static byte[] encodeState(State s) {
    return ByteBuffer.allocate(STATE_LENGTH)
        .put(STATE_FORMAT)
        .putInt(s.self())
        .putInt(s.incarnation())
        .putLong(s.nextOwnSlot())
        .putLong(s.truncatedBelow())
        .array();
  }

  /** Throws {@link IllegalArgumentException} naming what is wrong when the bytes are damaged. */
  static State decodeState(byte[] bytes) {
    if (bytes.length == STATE_LENGTH_1 && bytes[0] == STATE_FORMAT_1) {
      ByteBuffer b = ByteBuffer.wrap(bytes, 1, STATE_LENGTH_1 - 1);
      return new State(b.getInt(), b.getInt(), b.getLong(), 0);
    }
    if (bytes.length != STATE_LENGTH || bytes[0] != STATE_FORMAT) {
      throw new IllegalArgumentException("expected " + STATE_LENGTH + " bytes of format "
          + STATE_FORMAT + ", got " + hex(bytes));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes, 1, STATE_LENGTH - 1);
    return new State(b.getInt(), b.getInt(), b.getLong(), b.getLong());
  }

  static byte[] encode(AcceptorRecord r) {
    List<Value> values = r.acceptedValue().values();
    List<byte[]> data = new ArrayList<>(values.size());
    int size = RECORD_HEADER;
    for (Value v : values) {
      byte[] d = v.data();
      data.add(d);
      size = Math.addExact(size, VALUE_HEADER + d.length);
    }
    ByteBuffer b = ByteBuffer.allocate(size)
        .put(RECORD_FORMAT)
        .putLong(r.promised())
        .putLong(r.acceptedBallot())
        .putInt(values.size());
    for (int i = 0; i < values.size(); i++) {
      Value v = values.get(i);
      b.putLong(v.id()).put(kindCode(v.kind())).putInt(data.get(i).length).put(data.get(i));
    }
    return b.array();
  }

  /** Throws {@link IllegalArgumentException} naming what is wrong when the bytes are damaged. */
  static AcceptorRecord decode(long slot, byte[] bytes) {
    check(bytes.length >= 1, "empty value");
    check(bytes[0] == RECORD_FORMAT, "unknown format byte " + bytes[0] + " (this release reads "
        + RECORD_FORMAT + ")");
    check(bytes.length >= RECORD_HEADER, "truncated header: " + bytes.length + " bytes");
    ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
    long promised = b.getLong();
    long acceptedBallot = b.getLong();
    int count = b.getInt();
    check(count >= 0 && count <= b.remaining() / VALUE_HEADER,
        "value count " + count + " does not fit in " + b.remaining() + " bytes");
    List<Value> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      check(b.remaining() >= VALUE_HEADER, "value " + i + " truncated");
      long id = b.getLong();
      Value.Kind kind = kindOf(b.get());
      int length = b.getInt();
      check(length >= 0 && length <= b.remaining(),
          "value " + i + " claims " + length + " bytes, " + b.remaining() + " left");
      byte[] data = new byte[length];
      b.get(data);
      values.add(new Value(id, kind, data));
    }
    check(!b.hasRemaining(), b.remaining() + " unexpected trailing bytes");
    Batch batch = values.isEmpty() ? Batch.NOOP : new Batch(values);
    return new AcceptorRecord(slot, promised, acceptedBallot, batch);
  }

  // Explicit codes, not ordinal(): reordering the enum must not change what old records mean.
  // The switch has no default so that a new Kind fails to compile until it gets a code here.
  private static byte kindCode(Value.Kind kind) {
    return switch (kind) {
      case DATA -> 1;
      case MEMBERSHIP -> 2;
    };
  }

  private static Value.Kind kindOf(byte code) {
    return switch (code) {
      case 1 -> Value.Kind.DATA;
      case 2 -> Value.Kind.MEMBERSHIP;
      default -> throw new IllegalArgumentException("unknown value kind code " + code);
    };
  }

  private static void check(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem);
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder("0x");
    for (int i = 0; i < Math.min(bytes.length, 32); i++) {
      s.append(String.format("%02x", bytes[i]));
    }
    return bytes.length > 32 ? s.append("...(").append(bytes.length).append(" bytes)").toString()
        : s.toString();
  }
}
