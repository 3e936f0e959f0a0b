package io.cohort.cli;

/** A failure the CLI reports as one line on stderr with a non-zero exit code. */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and, where possible, what to do about it
   */
  public CliException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure
   */
  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
