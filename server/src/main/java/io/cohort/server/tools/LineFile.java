package io.cohort.server.tools;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A text file that several threads append whole lines to, for observers outside the process
 * (tests, benches). Lines are buffered and reach the file when {@link #flush} runs (a timer
 * calls it) or the buffer fills; a reader may see a last line without its newline and must
 * ignore it. Nothing here is synced to disk: these files report, they are not state.
 *
 * <p>Thread-safe: every method holds the instance's lock, so a flush never splits a line
 * that {@link #append} is writing.
 */
final class LineFile implements AutoCloseable {

  private final Path path;
  private final BufferedWriter out;
  private boolean closed; // guarded by this

  private LineFile(Path path, BufferedWriter out) {
    this.path = path;
    this.out = out;
  }

  /** Opens {@code path}, emptying it first when {@code truncate}, else appending to it. */
  static LineFile open(Path path, boolean truncate) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // A FileOutputStream, not Files.newBufferedWriter: that one writes through an interruptible
    // channel, which an interrupted appending thread would close for every other writer.
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(
        new FileOutputStream(path.toFile(), !truncate), StandardCharsets.US_ASCII), 1 << 16);
    return new LineFile(path, out);
  }

  /**
   * Appends {@code line} and a newline.
   *
   * @throws UncheckedIOException when the file cannot be written, or was closed: losing lines
   *     silently would make the file lie to whoever reads it
   */
  synchronized void append(String line) {
    if (closed) {
      throw new UncheckedIOException(new IOException(path + " is already closed"));
    }
    try {
      out.write(line);
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** Hands buffered lines to the operating system. A no-op once closed. */
  synchronized void flush() {
    if (closed) {
      return;
    }
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  Path path() {
    return path;
  }

  /** Flushes and closes; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
    }
  }
}
