package io.cohort.server.consensus;

/** Paxos phase 2a: "accept {@code value} in {@code slot} at {@code ballot}". */
public record Accept(int from, long ballot, long slot, Batch value) implements Message {}
