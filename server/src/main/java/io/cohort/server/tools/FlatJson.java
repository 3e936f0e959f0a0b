package io.cohort.server.tools;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the consensus commands write and read: {@link #write} renders objects whose values
 * are strings, numbers, booleans, null, lists and nested maps; {@link #parse} reads back flat
 * objects only (no lists, no nesting), the shape of every report they exchange. The server has
 * no JSON library on its compile classpath, and these reports do not justify one.
 */
final class FlatJson {

  private FlatJson() {}

  /** Renders {@code fields} in iteration order; non-finite doubles become strings. */
  static String write(Map<String, ?> fields) {
    StringBuilder sb = new StringBuilder("{");
    String sep = "";
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      sb.append(sep).append(quote(e.getKey())).append(": ").append(value(e.getValue()));
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  private static String list(List<?> items) {
    StringBuilder sb = new StringBuilder("[");
    String sep = "";
    for (Object item : items) {
      sb.append(sep).append(value(item));
      sep = ", ";
    }
    return sb.append(']').toString();
  }

  /**
   * Parses one flat object: numbers come back as {@link Long} when integral, else
   * {@link Double}; strings, booleans and null as themselves.
   *
   * @throws IllegalArgumentException on anything else (nested values included)
   */
  static Map<String, Object> parse(String text) {
    return new Parser(text).object();
  }

  private static String value(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> fields = new LinkedHashMap<>();
      m.forEach((k, x) -> fields.put(String.valueOf(k), x));
      return write(fields);
    }
    if (v instanceof List<?> l) {
      return list(l);
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) ? v.toString() : quote(v.toString());
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    return quote(v.toString());
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** A recursive-descent reader of exactly the subset {@link #write} produces, plus spacing. */
  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    Map<String, Object> object() {
      Map<String, Object> fields = new LinkedHashMap<>();
      expect('{');
      if (peek() == '}') {
        i++;
      } else {
        do {
          String key = string();
          expect(':');
          fields.put(key, value());
        } while (next() == ',');
        i--;
        expect('}');
      }
      if (peek() != 0) {
        throw error("text after the object");
      }
      return fields;
    }

    private Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      for (String word : new String[] {"true", "false", "null"}) {
        if (s.startsWith(word, i)) {
          i += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word);
        }
      }
      int start = i;
      while (i < s.length() && "+-.eE0123456789".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      String number = s.substring(start, i);
      try {
        return number.matches("-?\\d+") ? (Object) Long.valueOf(number) : Double.valueOf(number);
      } catch (NumberFormatException e) {
        throw error("a value must be a string, number, true, false or null");
      }
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (i < s.length() && s.charAt(i) != '"') {
        char c = s.charAt(i++);
        if (c == '\\' && i < s.length()) {
          char e = s.charAt(i++);
          if (e == 'u' && i + 4 <= s.length()) {
            c = (char) Integer.parseInt(s.substring(i, i + 4), 16);
            i += 4;
          } else {
            c = switch (e) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              default -> e;
            };
          }
        }
        sb.append(c);
      }
      expect('"');
      return sb.toString();
    }

    private void expect(char c) {
      if (next() != c) {
        throw error("expected '" + c + "'");
      }
    }

    /** The next non-space character, consumed; 0 at the end. */
    private char next() {
      char c = peek();
      if (c != 0) {
        i++;
      }
      return c;
    }

    /** The next non-space character, not consumed; 0 at the end. */
    private char peek() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      return i < s.length() ? s.charAt(i) : 0;
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("not a flat JSON object (" + what + " at offset " + i
          + "): " + (s.length() > 200 ? s.substring(0, 200) + "..." : s));
    }
  }
}
