package io.cohort.server.config;

/** A configuration value is missing or out of range; the message names the key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  /** A value as an error message may quote it: at most 40 characters. */
  public static String shown(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "…";
  }
}
