package io.cohort.server.consensus;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a {@link Value.Kind#MEMBERSHIP} value carries: a compare-and-set of the group's
 * configuration, plus bytes the application attaches (e.g. the view it describes).
 *
 * <p><b>The rule</b>, applied by every member to the delivered sequence alone, so all agree:
 * call <em>latest</em> the configuration of the most recent change that applied (the group's
 * initial configuration before any), and <em>fresh</em> one above the highest member id any
 * configuration had so far. A change delivered in slot {@code d} applies when
 * {@link #appliesAfter appliesAfter(latest, fresh)}: {@code expected} equals <em>latest</em>
 * and every id it adds is at least <em>fresh</em>;
 * then {@code next} becomes <em>latest</em>, and governs slots from {@code d + horizon} on
 * (Mencius rule 7). Otherwise it changes nothing in consensus, and is delivered like any value.
 * <em>latest</em> is the last entry of the schedule, whether or not it is in force yet, so two
 * changes proposed against the same configuration can never both apply. An application mirrors
 * the decision by decoding each delivered MEMBERSHIP value and tracking <em>latest</em> itself,
 * starting from the configuration in its checkpoint's last entry.
 *
 * <p>Encoding (version 1): {@code [1][n][n ids][m][m ids][attachment length: 4 bytes, big
 * endian][attachment]}, counts as unsigned bytes, one byte per id (ids are 0..127).
 *
 * @param expected   the configuration this change is meant to replace
 * @param next       the configuration it installs when it applies
 * @param attachment opaque to consensus; delivered verbatim (copied in and out)
 */
public record MembershipChange(Membership expected, Membership next, byte[] attachment) {

  private static final byte VERSION = 1;

  public MembershipChange {
    if (expected == null || next == null) {
      throw new IllegalArgumentException("a membership change needs expected and next"
          + " configurations, got expected=" + expected + " next=" + next);
    }
    attachment = attachment == null ? new byte[0] : attachment.clone();
  }

  /**
   * True when, delivered after {@code latest} (the last configuration that applied), it applies:
   * it expects {@code latest}, and every member it adds has an id no configuration had before,
   * at or above {@code freshFrom}. Without the second condition a change could apply long after
   * it was proposed, once a join and a leave brought the configuration back to the one it
   * expected, and give a new member the id of one that had joined and left meanwhile (the
   * whole-group simulator's seed 201002: two members ran consensus id 6, whose acceptor state
   * the second never had).
   */
  public boolean appliesAfter(Membership latest, int freshFrom) {
    if (!expected.equals(latest)) {
      return false;
    }
    for (int id : next.members()) {
      if (id < freshFrom && !expected.members().contains(id)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public byte[] attachment() {
    return attachment.clone();
  }

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(1 + 1 + expected.size() + 1 + next.size() + 4
        + attachment.length);
    b.put(VERSION);
    putMembers(b, expected);
    putMembers(b, next);
    b.putInt(attachment.length);
    b.put(attachment);
    return b.array();
  }

  /**
   * @throws IllegalArgumentException when {@code data} is not a membership change of a version
   *     this member knows (a MEMBERSHIP value proposed by something other than
   *     {@link MenciusNode#proposeMembership}, or a newer format)
   */
  public static MembershipChange decode(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data);
    try {
      byte version = b.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("membership change of unknown version " + version
            + " (this member reads version " + VERSION + "); upgrade it");
      }
      Membership expected = getMembers(b);
      Membership next = getMembers(b);
      int length = b.getInt();
      if (length != b.remaining()) {
        throw new IllegalArgumentException("membership change announces a " + length
            + "-byte attachment but carries " + b.remaining() + " bytes");
      }
      byte[] attachment = new byte[length];
      b.get(attachment);
      return new MembershipChange(expected, next, attachment);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("membership change truncated: " + data.length
          + " bytes", e);
    }
  }

  private static void putMembers(ByteBuffer b, Membership m) {
    b.put((byte) m.size());
    m.members().forEach(id -> b.put((byte) (int) id));
  }

  private static Membership getMembers(ByteBuffer b) {
    int n = Byte.toUnsignedInt(b.get());
    List<Integer> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add((int) b.get());
    }
    return new Membership(ids);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MembershipChange c && c.expected.equals(expected) && c.next.equals(next)
        && Arrays.equals(c.attachment, attachment);
  }

  @Override
  public int hashCode() {
    return (expected.hashCode() * 31 + next.hashCode()) * 31 + Arrays.hashCode(attachment);
  }

  @Override
  public String toString() {
    return "MembershipChange[" + expected.members() + " -> " + next.members() + ", "
        + attachment.length + "B]";
  }
}
