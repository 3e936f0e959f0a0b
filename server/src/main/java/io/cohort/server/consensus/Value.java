package io.cohort.server.consensus;

import java.util.Arrays;

/**
 * One proposed value with its group-unique id. The id lets every member drop a second
 * delivery of the same value (Mencius rule 5: a value revoked to a no-op is proposed again).
 */
public record Value(long id, byte[] data) {

  public Value {
    data = data.clone();
  }

  @Override
  public byte[] data() {
    return data.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Value v && v.id == id && Arrays.equals(v.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Value[" + Long.toHexString(id) + ", " + data.length + "B]";
  }
}
