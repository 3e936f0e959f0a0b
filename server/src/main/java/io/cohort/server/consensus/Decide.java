package io.cohort.server.consensus;

/** {@code slot} is decided as {@code value}: sent by the proposer that saw a quorum, and in catch-up. */
public record Decide(int from, long slot, Batch value) implements Message {}
