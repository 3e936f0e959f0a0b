package io.cohort.server.config;

/** A configuration value is missing or out of range; the message names the key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  /** Refuses {@code v} for {@code key} unless it lies in {@code lo..hi}; the message names the key. */
  static void requireRange(String key, long v, long lo, long hi) {
    if (v < lo || v > hi) {
      throw new ConfigException(key + " " + v + " is out of range " + lo + "-" + hi);
    }
  }
}
