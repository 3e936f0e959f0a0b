package io.cohort.server.model;

import java.util.regex.Pattern;

/** Rules for table, column and key names: what MySQL accepts unquoted, 1 to 64 characters. */
public final class Names {
  public static final int MAX_LENGTH = 64;
  private static final Pattern VALID = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

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
    if (!VALID.matcher(name).matches()) {
      throw DbException.invalid(
          "%s name '%s' is not valid: use letters, digits, '_' or '$', not starting with a digit",
          what, name);
    }
    return name;
  }
}
