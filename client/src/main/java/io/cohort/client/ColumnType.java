package io.cohort.client;

import java.util.Locale;

/** The type of a column; every value stored in the column has this type (or is NULL). */
public enum ColumnType {
  /** 64-bit signed integer ({@code Long}). */
  INT64(io.cohort.proto.ColumnType.INT64, Long.class),
  /** IEEE 754 double ({@code Double}). */
  DOUBLE(io.cohort.proto.ColumnType.DOUBLE, Double.class),
  /** UTF-8 text ({@code String}). */
  STRING(io.cohort.proto.ColumnType.STRING, String.class),
  /** Opaque bytes ({@code byte[]}). */
  BYTES(io.cohort.proto.ColumnType.BYTES, byte[].class),
  /** Boolean ({@code Boolean}). */
  BOOL(io.cohort.proto.ColumnType.BOOL, Boolean.class);

  private final io.cohort.proto.ColumnType proto;
  private final Class<?> javaType;

  ColumnType(io.cohort.proto.ColumnType proto, Class<?> javaType) {
    this.proto = proto;
    this.javaType = javaType;
  }

  /**
   * The wire form.
   *
   * @return the proto enum value
   */
  public io.cohort.proto.ColumnType toProto() {
    return proto;
  }

  /**
   * The Java class of this type's values as the client hands them out.
   *
   * @return Long, Double, String, byte[] or Boolean
   */
  public Class<?> javaType() {
    return javaType;
  }

  /**
   * The lower-case name used by the CLI and in messages ({@code int64}, {@code string}...).
   *
   * @return the name
   */
  public String displayName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Converts from the wire form.
   *
   * @param type the proto enum value
   * @return the matching type
   * @throws IllegalArgumentException for an unspecified or unknown type
   */
  public static ColumnType fromProto(io.cohort.proto.ColumnType type) {
    for (ColumnType t : values()) {
      if (t.proto == type) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown column type " + type);
  }

  /**
   * Parses a type name, case-insensitively ({@code int64}, {@code double}, {@code string},
   * {@code bytes}, {@code bool}).
   *
   * @param name the name
   * @return the type
   * @throws IllegalArgumentException naming the accepted names if there is no such type
   */
  public static ColumnType parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown column type '" + name
          + "' (expected int64, double, string, bytes or bool)", e);
    }
  }
}
