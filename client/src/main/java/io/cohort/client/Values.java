package io.cohort.client;

import com.google.protobuf.ByteString;
import io.cohort.proto.NullValue;
import io.cohort.proto.Value;

/**
 * Conversion between Java values and the wire {@link Value}. The Java side of a column value is
 * one of {@code Long}, {@code Double}, {@code String}, {@code byte[]}, {@code Boolean} or null;
 * {@code Integer}, {@code Short} and {@code Byte} widen to {@code Long} and {@code Float} to
 * {@code Double} on the way in.
 */
public final class Values {
  private Values() {}

  /**
   * Widens a Java value to the canonical type the client stores.
   *
   * @param value a supported Java value or null
   * @return the canonical value ({@code byte[]} is copied so callers cannot change it later)
   * @throws IllegalArgumentException if the type is not supported
   */
  public static Object normalize(Object value) {
    if (value == null || value instanceof Long || value instanceof Double
        || value instanceof String || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float) {
      return ((Float) value).doubleValue();
    }
    if (value instanceof byte[]) {
      return ((byte[]) value).clone();
    }
    throw new IllegalArgumentException("unsupported column value type " + value.getClass().getName()
        + " (use Long, Integer, Double, Float, String, byte[], Boolean or null)");
  }

  /**
   * Converts a Java value to its wire form.
   *
   * @param value a supported Java value or null (SQL NULL)
   * @return the proto value
   * @throws IllegalArgumentException if the type is not supported
   */
  public static Value toProto(Object value) {
    Object v = normalize(value);
    Value.Builder b = Value.newBuilder();
    if (v == null) {
      b.setNullValue(NullValue.NULL_VALUE);
    } else if (v instanceof Long) {
      b.setInt64Value((Long) v);
    } else if (v instanceof Double) {
      b.setDoubleValue((Double) v);
    } else if (v instanceof String) {
      b.setStringValue((String) v);
    } else if (v instanceof Boolean) {
      b.setBoolValue((Boolean) v);
    } else {
      b.setBytesValue(ByteString.copyFrom((byte[]) v));
    }
    return b.build();
  }

  /**
   * Converts a wire value to Java.
   *
   * @param value the proto value; an unset kind is NULL
   * @return Long, Double, String, byte[], Boolean, or null
   */
  public static Object fromProto(Value value) {
    switch (value.getKindCase()) {
      case INT64_VALUE:
        return value.getInt64Value();
      case DOUBLE_VALUE:
        return value.getDoubleValue();
      case STRING_VALUE:
        return value.getStringValue();
      case BYTES_VALUE:
        return value.getBytesValue().toByteArray();
      case BOOL_VALUE:
        return value.getBoolValue();
      case NULL_VALUE:
      case KIND_NOT_SET:
      default:
        return null;
    }
  }

  /**
   * Names the column type a canonical Java value belongs to, for error messages.
   *
   * @param value a canonical value or null
   * @return {@code "int64"}, {@code "double"}, {@code "string"}, {@code "bytes"},
   *     {@code "bool"} or {@code "null"}
   */
  public static String typeName(Object value) {
    if (value == null) {
      return "null";
    } else if (value instanceof Long) {
      return "int64";
    } else if (value instanceof Double) {
      return "double";
    } else if (value instanceof String) {
      return "string";
    } else if (value instanceof Boolean) {
      return "bool";
    } else if (value instanceof byte[]) {
      return "bytes";
    }
    return value.getClass().getName();
  }
}
