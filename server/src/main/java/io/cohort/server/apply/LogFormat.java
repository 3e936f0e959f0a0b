package io.cohort.server.apply;

/**
 * What this member writes into the transactions it originates and into its log, as MySQL's
 * binlog settings: {@code binlog-row-image} (FULL, or MINIMAL when {@code minimalRowImage}) and
 * {@code binlog-transaction-compression} ({@code compression}, null when off).
 */
public record LogFormat(Applier.LogCompression compression, boolean minimalRowImage) {
  /** FULL row images, nothing compressed. */
  public static final LogFormat DEFAULT = new LogFormat(null, false);
}
