package io.cohort.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The values of a key's columns in key order: a primary key, a unique key, or (for scan bounds)
 * a prefix of the primary key. Immutable.
 */
public final class Key {
  private final List<Object> values;

  private Key(List<Object> values) {
    this.values = Collections.unmodifiableList(values);
  }

  /**
   * Creates a key.
   *
   * @param values the column values in key order (Long/Integer, Double, String, byte[], Boolean)
   * @return the key
   * @throws IllegalArgumentException if a value's type is not supported
   */
  public static Key of(Object... values) {
    List<Object> list = new ArrayList<>(values.length);
    for (Object v : values) {
      list.add(Values.normalize(v));
    }
    return new Key(list);
  }

  /**
   * Creates a key from its wire form.
   *
   * @param key the proto key
   * @return the key
   */
  public static Key fromProto(io.cohort.proto.Key key) {
    List<Object> list = new ArrayList<>(key.getValuesCount());
    key.getValuesList().forEach(v -> list.add(Values.fromProto(v)));
    return new Key(list);
  }

  /**
   * The values in key order.
   *
   * @return an unmodifiable list (byte[] elements must not be modified)
   */
  public List<Object> values() {
    return values;
  }

  /**
   * The number of key columns given.
   *
   * @return the size of this key
   */
  public int size() {
    return values.size();
  }

  /**
   * Converts to the wire form.
   *
   * @return the proto key
   */
  public io.cohort.proto.Key toProto() {
    io.cohort.proto.Key.Builder b = io.cohort.proto.Key.newBuilder();
    values.forEach(v -> b.addValues(Values.toProto(v)));
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key && Arrays.deepEquals(values.toArray(), ((Key) o).values.toArray());
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(values.toArray());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Key(");
    for (int i = 0; i < values.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(Row.render(values.get(i)));
    }
    return sb.append(')').toString();
  }
}
