package io.cohort.server.consensus;

/**
 * "I no longer hold decisions below {@code retainedFrom}": the answer to a catch-up request, a
 * prepare or an accept for a slot this member has compacted away. A member whose first
 * undelivered slot is below it cannot catch up from this peer's log and needs a snapshot (the
 * recovery seam, {@link MenciusNode#snapshotNeeded()}).
 */
public record Truncated(int from, long retainedFrom) implements Message {}
