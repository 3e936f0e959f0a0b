package io.cohort.server.model;

/** Rules for table, column and key names: what MySQL accepts unquoted, 1 to 64 characters. */
public final class Names {
  public static final int MAX_LENGTH = 64;

  /**
   * Tables whose names start with this are the member's own (the accounts, in {@code cohort$users}):
   * replicated like any table, but no client statement, DDL or listing reaches them.
   */
  public static final String SYSTEM_PREFIX = "cohort$";

  private Names() {}

  /** Whether {@code table} names a system table ({@link #SYSTEM_PREFIX}). */
  public static boolean isSystem(String table) {
    return table != null && table.startsWith(SYSTEM_PREFIX);
  }

  /** Throws PERMISSION_DENIED when a client statement names a system table. */
  public static void refuseSystem(String table) {
    if (isSystem(table)) {
      throw new DbException(ErrorCode.PERMISSION_DENIED, "table '" + Shown.of(table) + "' is a system table (names"
          + " starting with " + SYSTEM_PREFIX + " are the member's own); accounts change through 'cohort user'");
    }
  }

  /** Throws INVALID_ARGUMENT naming {@code what} unless {@code name} is a valid identifier. */
  public static String check(String what, String name) {
    if (name == null || name.isEmpty()) {
      throw DbException.invalid("%s name is empty", what);
    }
    if (name.length() > MAX_LENGTH) {
      throw DbException.invalid("%s name '%s…' is longer than %d characters",
          what, name.substring(0, 16), MAX_LENGTH);
    }
    if (!valid(name)) {
      throw DbException.invalid(
          "%s name '%s' is not valid: use letters, digits, '_' or '$', not starting with a digit",
          what, name);
    }
    return name;
  }

  /** [A-Za-z_][A-Za-z0-9_$]*, checked by hand: every statement checks its names (a regex was 5% of a primary's samples). */
  private static boolean valid(String name) {
    char first = name.charAt(0);
    if (!(first == '_' || (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z'))) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c == '_' || c == '$' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }
}
