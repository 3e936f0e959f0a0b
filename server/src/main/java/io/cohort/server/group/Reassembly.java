package io.cohort.server.group;

import com.google.protobuf.ByteString;
import io.cohort.proto.Compressed;
import io.cohort.proto.Fragment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Puts split group messages together again ({@link GroupMessages}), the same way on every
 * member: what it holds after a slot depends only on the slots delivered, so every member hands
 * a message on at the same slot, the one of its last part, and drops the same unfinished ones.
 *
 * <p>Parts may come in any order (a part revoked to a no-op is proposed again later, Mencius
 * rule 5) and a part delivered twice counts once. An unfinished message is dropped
 * <ul>
 *   <li>at the end of a slot in which a view change applied: a member that joins there, or resumes
 *       from a place taken there, starts with nothing held, and so must everyone else;</li>
 *   <li>{@link GroupMessages.Settings#expirySlots} after the last of its parts that came: its
 *       origin crashed while sending it, or lost a part for good. Counted from the latest part,
 *       not the first: an origin sends a few parts at a time, each after the one before is
 *       delivered, and while the group runs many slots a round trip (every member proposing), a
 *       message of many parts counted from its first never finished in time, however often it
 *       was sent again (whole-group simulator seed 2086: ten parts, one at a time, 74 slots).</li>
 * </ul>
 * Its origin hears of it and sends the message again under a new id; parts of a dropped id that
 * come later are ignored. A member takes its places to resume from only where nothing is held
 * ({@link #isEmpty}), so a restarted member never misses the first parts of a message.
 *
 * <p>Pure and single-threaded (the delivery loop owns it), except that {@link #bytesHeld} and
 * {@link #isEmpty} may be read from any thread.
 */
final class Reassembly {

  /** A message whose parts all came, concatenated (without copying). */
  record Whole(String messageId, int origin, Compressed.Codec codec, long originalBytes, ByteString data) {}

  /** A message dropped unfinished. */
  record Dropped(String messageId, int origin, String reason) {}

  /** Ids of dropped messages remembered, so that their late parts are ignored (oldest forgotten first). */
  static final int REMEMBERED_DROPS = 4096;
  /** Parts of one message at most (2 GiB in parts of the smallest fragment size, and then some). */
  static final int MAX_PARTS = 1 << 25;

  private final long expirySlots;
  /** Unfinished messages by id, in the order their latest parts came. */
  private final LinkedHashMap<String, Partial> partials = new LinkedHashMap<>();
  private final LinkedHashSet<String> dropped = new LinkedHashSet<>();
  private volatile long bytesHeld;
  private volatile int held;

  Reassembly(long expirySlots) {
    this.expirySlots = expirySlots;
  }

  /**
   * Takes one part delivered in {@code slot}; returns the whole message when this was the last
   * part it lacked, else null.
   */
  Whole offer(long slot, Fragment f) {
    String id = f.getMessageId();
    if (dropped.contains(id)) {
      return null;
    }
    if (f.getCount() < 2 || f.getCount() > MAX_PARTS || f.getIndex() < 0 || f.getIndex() >= f.getCount() || f.getTotalBytes() < 0
        || f.getTotalBytes() > GroupMessages.MAX_MESSAGE_BYTES) {
      throw new IllegalStateException("the group delivered a malformed part of message " + id + " (part "
          + f.getIndex() + " of " + f.getCount() + ", " + f.getTotalBytes() + " bytes)");
    }
    Partial p = partials.get(id);
    if (p == null) {
      p = new Partial(slot, f);
      partials.put(id, p);
    } else if (!p.sameMessage(f)) {
      throw new IllegalStateException("the group delivered parts of message " + id + " that disagree on its shape");
    }
    if (p.parts[f.getIndex()] != null) {
      return null; // delivered twice
    }
    if (p.lastSlot != slot) {
      p.lastSlot = slot;
      partials.remove(id); // to the end: the order stays that of the latest parts
      partials.put(id, p);
    }
    p.parts[f.getIndex()] = f.getData();
    p.received++;
    p.bytes += f.getData().size();
    bytesHeld += f.getData().size();
    held = partials.size();
    if (p.received < p.parts.length) {
      return null;
    }
    partials.remove(id);
    bytesHeld -= p.bytes;
    held = partials.size();
    if (p.bytes != p.totalBytes) {
      throw new IllegalStateException("the parts of message " + id + " hold " + p.bytes + " bytes, not the "
          + p.totalBytes + " they claim");
    }
    return new Whole(id, p.origin, p.codec, p.originalBytes, concat(p.parts));
  }

  /** A view change applied in the slot just delivered: drops every unfinished message. */
  List<Dropped> dropAll(String reason) {
    List<Dropped> out = new ArrayList<>(partials.size());
    for (Map.Entry<String, Partial> e : partials.entrySet()) {
      out.add(new Dropped(e.getKey(), e.getValue().origin, reason));
      remember(e.getKey());
    }
    partials.clear();
    bytesHeld = 0;
    held = 0;
    return out;
  }

  /** The end of {@code slot}: drops the messages whose latest part came more than the expiry before. */
  List<Dropped> expire(long slot) {
    List<Dropped> out = List.of();
    for (Iterator<Map.Entry<String, Partial>> it = partials.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Partial> e = it.next();
      Partial p = e.getValue();
      if (slot - p.lastSlot <= expirySlots) {
        break; // in latest-part order: the rest came later
      }
      if (out.isEmpty()) {
        out = new ArrayList<>();
      }
      out.add(new Dropped(e.getKey(), p.origin, "none of its missing parts arrived within " + expirySlots + " slots"));
      remember(e.getKey());
      bytesHeld -= p.bytes;
      it.remove();
    }
    held = partials.size();
    return out;
  }

  /** Nothing unfinished is held: a member may resume from here. Any thread. */
  boolean isEmpty() {
    return held == 0;
  }

  /** Bytes of unfinished messages held. Any thread. */
  long bytesHeld() {
    return bytesHeld;
  }

  private void remember(String id) {
    dropped.add(id);
    if (dropped.size() > REMEMBERED_DROPS) {
      Iterator<String> it = dropped.iterator();
      it.next();
      it.remove();
    }
  }

  private static ByteString concat(ByteString[] parts) {
    ByteString all = ByteString.EMPTY;
    for (ByteString p : parts) {
      all = all.concat(p);
    }
    return all;
  }

  private static final class Partial {
    long lastSlot;
    final int origin;
    final long totalBytes;
    final Compressed.Codec codec;
    final long originalBytes;
    final ByteString[] parts;
    int received;
    long bytes;

    Partial(long firstSlot, Fragment f) {
      this.lastSlot = firstSlot;
      this.origin = f.getOrigin();
      this.totalBytes = f.getTotalBytes();
      this.codec = f.getCodec();
      this.originalBytes = f.getOriginalBytes();
      this.parts = new ByteString[f.getCount()];
    }

    boolean sameMessage(Fragment f) {
      return f.getCount() == parts.length && f.getTotalBytes() == totalBytes && f.getOrigin() == origin
          && f.getCodec() == codec && f.getOriginalBytes() == originalBytes;
    }
  }
}
