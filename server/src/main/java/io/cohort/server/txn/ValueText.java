package io.cohort.server.txn;

import io.cohort.server.model.Shown;
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
      case STRING_VALUE -> "'" + Shown.of(v.getStringValue()) + "'";
      case BYTES_VALUE -> "0x" + Shown.of(com.google.common.io.BaseEncoding.base16().encode(v.getBytesValue().substring(0,
          Math.min(v.getBytesValue().size(), Shown.MAX)).toByteArray()));
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> "NULL";
    };
  }
}
