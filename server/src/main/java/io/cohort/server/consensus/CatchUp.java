package io.cohort.server.consensus;

/**
 * Heartbeat and catch-up request: "I have delivered every slot below {@code frontier} and know
 * of slots up to {@code maxKnownSlot}; send me decisions from {@code frontier} on". The
 * receiver also skips its own unused slots below {@code maxKnownSlot} (Mencius rule 3), which
 * is how an idle member's skips reach a member that missed them.
 */
public record CatchUp(int from, long frontier, long maxKnownSlot) implements Message {}
