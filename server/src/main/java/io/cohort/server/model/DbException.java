package io.cohort.server.model;

/**
 * A request failed for a reason the client should hear about. The message is shown to the
 * user as it is, so it says what was wrong and, where useful, what to do.
 */
public final class DbException extends RuntimeException {
  private final ErrorCode code;

  public DbException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static DbException invalid(String fmt, Object... args) {
    return new DbException(ErrorCode.INVALID_ARGUMENT, String.format(fmt, args));
  }

  public static DbException notFound(String fmt, Object... args) {
    return new DbException(ErrorCode.NOT_FOUND, String.format(fmt, args));
  }

  public static DbException exists(String fmt, Object... args) {
    return new DbException(ErrorCode.ALREADY_EXISTS, String.format(fmt, args));
  }

  public static DbException aborted(String fmt, Object... args) {
    return new DbException(ErrorCode.ABORTED, String.format(fmt, args));
  }
}
