package io.cohort.server.group;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.cohort.proto.Compressed;
import io.cohort.proto.Fragment;
import io.cohort.proto.GroupMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a group message becomes consensus values and back (MySQL's message pipeline: compress,
 * then split). A message whose encoding is above the compression threshold is compressed with
 * zstd; one still larger than the fragment size is split into {@link Fragment}s, each its own
 * value, so that no value, accept or decision is larger than a fragment: a large transaction
 * never holds a peer stream, an acceptor's write or a slot for long, and heartbeats and other
 * members' commits pass between its parts. {@link Reassembly} puts the parts together again.
 *
 * <p>Compression streams into fragment-sized buffers and a delivered message is parsed with
 * aliasing (its byte fields share the delivered arrays), so a member holds few copies of a
 * large message at once.
 *
 * <p>Thread-safe: encoding runs on client threads, opening on the delivery loop; the counters
 * are atomic.
 */
final class GroupMessages {

  /**
   * @param fragmentBytes        a message whose encoding (compressed or not) is larger is sent in
   *                             parts of at most this many bytes (MySQL's
   *                             communication_max_message_size; see MemberConfig for the default)
   * @param compressionThreshold a message whose encoding is larger is compressed; 0 = never
   *                             (MySQL's compression_threshold, 1,000,000)
   * @param expirySlots          a message still missing parts when none came for this many slots
   *                             is dropped everywhere (its origin crashed, or lost some to a
   *                             revocation); its origin sends it again
   * @param partsInFlight        parts of one message its origin has proposed and not yet seen
   *                             delivered, at most (see GroupSession#proposeAll)
   */
  record Settings(int fragmentBytes, int compressionThreshold, long expirySlots, int partsInFlight) {
    static final int MIN_FRAGMENT_BYTES = 64;
    /** Well under the peer transport's largest frame (64 MiB). */
    static final int MAX_FRAGMENT_BYTES = 32 << 20;
    static final int PARTS_IN_FLIGHT = 4;
    static final Settings DEFAULTS = new Settings(1 << 20, 1_000_000, 1_000_000);

    Settings(int fragmentBytes, int compressionThreshold, long expirySlots) {
      this(fragmentBytes, compressionThreshold, expirySlots, PARTS_IN_FLIGHT);
    }

    Settings {
      if (fragmentBytes < MIN_FRAGMENT_BYTES || fragmentBytes > MAX_FRAGMENT_BYTES) {
        throw new IllegalArgumentException("fragment size " + fragmentBytes + " is outside "
            + MIN_FRAGMENT_BYTES + ".." + MAX_FRAGMENT_BYTES);
      }
      if (compressionThreshold < 0) {
        throw new IllegalArgumentException("compression threshold " + compressionThreshold + " is negative");
      }
      if (expirySlots < 1) {
        throw new IllegalArgumentException("fragment expiry " + expirySlots + " slots is below 1");
      }
      if (partsInFlight < 1) {
        throw new IllegalArgumentException("parts in flight " + partsInFlight + " is below 1");
      }
    }
  }

  /** The values to propose for one message, and the id its fragments carry (null: one value). */
  record Encoded(List<byte[]> values, String messageId) {}

  /** zstd's fastest standard level: see the README for the measurement behind it. */
  static final int ZSTD_LEVEL = 1;
  /** Largest message a member puts together (a Java array's limit, with room for headers). */
  static final long MAX_MESSAGE_BYTES = Integer.MAX_VALUE - 1024;

  private final Settings settings;
  private final AtomicLong compressedIn = new AtomicLong();
  private final AtomicLong compressedOut = new AtomicLong();
  private final AtomicLong fragmentsSent = new AtomicLong();
  private final AtomicLong partsHeldBack = new AtomicLong();

  GroupMessages(Settings settings) {
    this.settings = settings;
  }

  /**
   * Loads zstd now: its first use loads a native library and links calls to it, which took 1.3 s,
   * and it must not happen in the delivery loop (peers suspected the member meanwhile).
   */
  static void loadCodec() {
    GroupMessages m = new GroupMessages(new Settings(Settings.MIN_FRAGMENT_BYTES, 1, 1));
    GroupMessage probe = GroupMessage.newBuilder().setSync(io.cohort.proto.SyncPoint.newBuilder()
        .setId("x".repeat(256))).build();
    try {
      GroupMessage back = m.open(parse(m.encode(probe, () -> "probe", 0).values().get(0)).getCompressed());
      if (!back.equals(probe)) {
        throw new IllegalStateException("zstd does not give back what it compressed");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("zstd does not work here: " + e.getMessage(), e);
    }
  }

  Settings settings() {
    return settings;
  }

  /**
   * The values that carry {@code m}: its encoding as it is when small, else compressed and/or
   * split. {@code newId} names a split message; {@code origin} is this member's consensus id.
   */
  Encoded encode(GroupMessage m, java.util.function.Supplier<String> newId, int origin) {
    int size = m.getSerializedSize();
    boolean compress = settings.compressionThreshold() > 0 && size > settings.compressionThreshold();
    if (!compress && size <= settings.fragmentBytes()) {
      return new Encoded(List.of(m.toByteArray()), null);
    }
    Chunks chunks = null;
    if (compress) {
      chunks = write(m, true);
      if (chunks.total >= size) {
        chunks = null; // incompressible: send it as it is
      } else {
        compressedIn.addAndGet(size);
        compressedOut.addAndGet(chunks.total);
      }
    }
    Compressed.Codec codec = chunks != null ? Compressed.Codec.ZSTD : Compressed.Codec.CODEC_UNSPECIFIED;
    if (chunks == null) {
      if (size <= settings.fragmentBytes()) {
        return new Encoded(List.of(m.toByteArray()), null);
      }
      chunks = write(m, false);
    }
    if (chunks.parts.size() == 1) {
      byte[] part = chunks.parts.get(0);
      return new Encoded(List.of(GroupMessage.newBuilder().setCompressed(Compressed.newBuilder()
          .setCodec(codec).setOriginalBytes(size).setData(UnsafeByteOperations.unsafeWrap(part, 0, chunks.lastLength)))
          .build().toByteArray()), null);
    }
    String id = newId.get();
    List<byte[]> values = new ArrayList<>(chunks.parts.size());
    int count = chunks.parts.size();
    for (int i = 0; i < count; i++) {
      byte[] part = chunks.parts.set(i, null); // each buffer goes once its value is built
      int len = i == count - 1 ? chunks.lastLength : part.length; // all but the last are full
      Fragment.Builder f = Fragment.newBuilder().setMessageId(id).setOrigin(origin).setIndex(i).setCount(count)
          .setTotalBytes(chunks.total).setData(UnsafeByteOperations.unsafeWrap(part, 0, len));
      if (codec != Compressed.Codec.CODEC_UNSPECIFIED) {
        f.setCodec(codec).setOriginalBytes(size);
      }
      values.add(GroupMessage.newBuilder().setFragment(f).build().toByteArray());
    }
    fragmentsSent.addAndGet(count);
    return new Encoded(values, id);
  }

  /** Parses a delivered value; byte fields share {@code data} (a value's bytes never change). */
  static GroupMessage parse(byte[] data) throws InvalidProtocolBufferException {
    // Through an immutable wrapper: protobuf shares an array only when told it never changes.
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(data).newCodedInput();
    in.enableAliasing(true);
    try {
      GroupMessage m = GroupMessage.parseFrom(in);
      in.checkLastTagWas(0);
      return m;
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) { // an array is read whole: only malformed input fails
      throw new InvalidProtocolBufferException(e.getMessage());
    }
  }

  /** The message a compressed one holds. */
  GroupMessage open(Compressed c) throws InvalidProtocolBufferException {
    return open(c.getCodec(), c.getOriginalBytes(), c.getData());
  }

  /** The message a reassembled one holds. */
  GroupMessage open(Reassembly.Whole w) throws InvalidProtocolBufferException {
    return open(w.codec(), w.originalBytes(), w.data());
  }

  private GroupMessage open(Compressed.Codec codec, long originalBytes, ByteString data)
      throws InvalidProtocolBufferException {
    byte[] plain;
    if (codec == Compressed.Codec.CODEC_UNSPECIFIED) {
      plain = data.toByteArray(); // one contiguous array, so the parse below can share it
    } else if (codec == Compressed.Codec.ZSTD) {
      if (originalBytes < 0 || originalBytes > MAX_MESSAGE_BYTES) {
        throw new InvalidProtocolBufferException("a compressed group message claims " + originalBytes + " bytes");
      }
      plain = new byte[(int) originalBytes];
      try (InputStream in = new ZstdInputStream(data.newInput())) {
        int n = in.readNBytes(plain, 0, plain.length);
        if (n != plain.length || in.read() != -1) {
          throw new InvalidProtocolBufferException("a compressed group message holds other than the "
              + originalBytes + " bytes it claims");
        }
      } catch (InvalidProtocolBufferException e) {
        throw e;
      } catch (IOException e) {
        throw new InvalidProtocolBufferException("a compressed group message does not decompress: " + e.getMessage());
      }
    } else {
      throw new InvalidProtocolBufferException("a group message is compressed with an unknown codec " + codec);
    }
    GroupMessage m = parse(plain);
    if (m.hasFragment() || m.hasCompressed()) {
      throw new InvalidProtocolBufferException("a group message nests " + m.getKindCase());
    }
    return m;
  }

  /** Bytes before and after compression, over this member's life. */
  long compressedIn() {
    return compressedIn.get();
  }

  long compressedOut() {
    return compressedOut.get();
  }

  long fragmentsSent() {
    return fragmentsSent.get();
  }

  /** Times the origin of a split message held its next part back until an earlier one was delivered. */
  void heldBack() {
    partsHeldBack.incrementAndGet();
  }

  long partsHeldBack() {
    return partsHeldBack.get();
  }

  private Chunks write(GroupMessage m, boolean compress) {
    Chunks chunks = new Chunks(settings.fragmentBytes());
    try {
      if (compress) {
        try (ZstdOutputStream z = new ZstdOutputStream(chunks, ZSTD_LEVEL)) {
          CodedOutputStream out = CodedOutputStream.newInstance(z, 64 << 10);
          m.writeTo(out);
          out.flush();
        }
      } else {
        CodedOutputStream out = CodedOutputStream.newInstance(chunks, 64 << 10);
        m.writeTo(out);
        out.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode a group message", e);
    }
    return chunks;
  }

  /** An output into buffers of one fragment's size each; only the last is partly filled. */
  private static final class Chunks extends OutputStream {
    private static final int FIRST_BUFFER = 256 << 10;
    private final int chunkBytes;
    final List<byte[]> parts = new ArrayList<>();
    int lastLength;
    long total;

    Chunks(int chunkBytes) {
      this.chunkBytes = chunkBytes;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        if (parts.isEmpty() || lastLength == chunkBytes) {
          parts.add(new byte[Math.min(chunkBytes, Math.max(len, FIRST_BUFFER))]);
          lastLength = 0;
        }
        byte[] last = parts.get(parts.size() - 1);
        if (lastLength == last.length) { // grows to a whole fragment by doubling
          last = java.util.Arrays.copyOf(last, (int) Math.min(chunkBytes, 2L * last.length));
          parts.set(parts.size() - 1, last);
        }
        int n = Math.min(len, last.length - lastLength);
        System.arraycopy(b, off, last, lastLength, n);
        lastLength += n;
        off += n;
        len -= n;
        total += n;
      }
    }
  }
}
