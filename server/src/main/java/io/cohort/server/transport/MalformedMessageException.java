package io.cohort.server.transport;

/**
 * A consensus message received from a peer could not be turned into a {@code Message}: an
 * unknown kind, a missing field, or a value out of range. The message is dropped; the peer
 * that sent it runs an incompatible or broken version.
 */
public final class MalformedMessageException extends RuntimeException {

  public MalformedMessageException(String message) {
    super(message);
  }
}
