package io.cohort.server.model;

/** Rules for table, column and key names: what MySQL accepts unquoted, 1 to 64 characters. */
public final class Names {
  public static final int MAX_LENGTH = 64;

  private Names() {}

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
