package io.cohort.server.consensus;

import java.util.Arrays;

/**
 * One proposed value with its group-unique id. The id lets every member drop a second
 * delivery of the same value (Mencius rule 5: a value revoked to a no-op is proposed again).
 *
 * <p>{@link Kind#DATA} values are opaque to consensus. A {@link Kind#MEMBERSHIP} value carries
 * an encoded {@link MembershipChange} that the core itself acts on once it is delivered: if it
 * applies, its configuration takes effect a fixed number of slots later (the event horizon).
 */
public record Value(long id, Kind kind, byte[] data) {

  /** What a value is to the consensus core. */
  public enum Kind {
    DATA,
    MEMBERSHIP
  }

  /**
   * Takes {@code data} as it is, without a copy: a value's bytes are never changed once it is
   * built, by its maker or by any reader (they are sent, saved and delivered as they are, and a
   * member recognises its own proposal on delivery by this very array).
   */
  public Value {
    if (kind == null) {
      throw new IllegalArgumentException("value kind must not be null");
    }
    java.util.Objects.requireNonNull(data, "data");
  }

  public Value(long id, byte[] data) {
    this(id, Kind.DATA, data);
  }

  /** The value's bytes, not a copy: never change them. */
  @Override
  public byte[] data() {
    return data;
  }

  /** The length of {@link #data}, without copying it. */
  public int size() {
    return data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Value v && v.id == id && v.kind == kind && Arrays.equals(v.data, data);
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(id) * 31 + kind.hashCode()) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Value[" + Long.toHexString(id) + (kind == Kind.DATA ? ", " : ", " + kind + ", ")
        + data.length + "B]";
  }
}
