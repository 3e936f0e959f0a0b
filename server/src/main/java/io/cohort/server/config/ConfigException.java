package io.cohort.server.config;

/** A configuration value is missing or out of range; the message names the key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
