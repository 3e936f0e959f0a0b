package io.cohort.server.model;

/**
 * How a message quotes a value someone sent (a transaction id, a name, a member id, a setting):
 * at most {@value #MAX} characters, then "…", with control characters shown as '?', so that a
 * message stays one short line whatever was sent.
 */
public final class Shown {
  public static final int MAX = 40;

  private Shown() {}

  public static String of(String value) {
    return of(value, MAX);
  }

  /** As {@link #of(String)}, cut after {@code max} characters: for longer text such as a peer's error. */
  public static String of(String value, int max) {
    if (value == null) {
      return "null";
    }
    int end = Math.min(value.length(), max);
    if (end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    StringBuilder b = new StringBuilder(end + 1);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return end < value.length() ? b.append('…').toString() : b.toString();
  }
}
