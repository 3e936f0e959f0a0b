package io.cohort.server.consensus;

/** Paxos phase 2b, to the proposer: the sender durably accepted {@code slot} at {@code ballot}. */
public record Accepted(int from, long ballot, long slot) implements Message {}
