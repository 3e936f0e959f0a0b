package io.cohort.server.txn;

import io.cohort.proto.Value;

/** Short readable form of a value for error messages. */
final class ValueText {
  private ValueText() {}

  static String of(Value v) {
    if (v == null) {
      return "NULL";
    }
    return switch (v.getKindCase()) {
      case INT64_VALUE -> Long.toString(v.getInt64Value());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case STRING_VALUE -> "'" + abbreviate(v.getStringValue()) + "'";
      case BYTES_VALUE -> "0x" + abbreviate(com.google.common.io.BaseEncoding.base16().encode(v.getBytesValue().toByteArray()));
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> "NULL";
    };
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
