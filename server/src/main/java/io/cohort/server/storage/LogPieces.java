package io.cohort.server.storage;

import io.cohort.server.model.KeyCodec;
import java.nio.ByteBuffer;

/**
 * How a log entry too large to build as one array is stored: under its own key a marker (a zero
 * byte, which no serialised entry starts with, then the number of pieces and the entry's size),
 * and its bytes in pieces under its key followed by the piece's index, which sort between it and
 * the next entry. {@link Storage#logEntry} puts them together again. The pieces are written ahead,
 * each on its own, and the marker in the batch of the transaction's rows: so the batch holds the
 * rows alone (a 100 MB transaction's batch was 200 MB of native memory, and as much again in the
 * memtables when written), and the entry is still as atomic as a single value. Pieces without a
 * marker, left by a crash before that batch, are never read ({@link Storage#readLog} skips piece
 * keys, and an entry is read through its marker) and are written again when the transaction is
 * applied again. Pure.
 */
public final class LogPieces {
  /** Bytes of each piece but the last. */
  public static final int PIECE_BYTES = 4 << 20;

  private static final int MARKER_BYTES = 1 + Integer.BYTES + Long.BYTES;

  /** The marker stored under the entry's key. */
  public record Marker(int pieces, long totalBytes) {}

  private LogPieces() {}

  /** Pieces an entry of {@code totalBytes} is stored in. */
  public static int piecesFor(long totalBytes) {
    return Math.toIntExact((totalBytes + PIECE_BYTES - 1) / PIECE_BYTES);
  }

  static byte[] marker(int pieces, long totalBytes) {
    return ByteBuffer.allocate(MARKER_BYTES).put((byte) 0).putInt(pieces).putLong(totalBytes).array();
  }

  static boolean isMarker(byte[] value) {
    return value.length == MARKER_BYTES && value[0] == 0;
  }

  static Marker marker(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value, 1, MARKER_BYTES - 1);
    Marker m = new Marker(b.getInt(), b.getLong());
    if (m.pieces() <= 0 || m.totalBytes() <= 0 || m.totalBytes() > Integer.MAX_VALUE - 8
        || piecesFor(m.totalBytes()) != m.pieces()) {
      throw new StorageException("a log entry's marker names " + m.pieces() + " pieces of " + m.totalBytes()
          + " bytes: the log is damaged");
    }
    return m;
  }

  static byte[] pieceKey(long seqno, int index) {
    return ByteBuffer.allocate(Long.BYTES + Integer.BYTES).put(KeyCodec.seqnoKey(seqno)).putInt(index).array();
  }
}
