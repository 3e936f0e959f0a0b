package io.cohort.server.consensus;

/**
 * Refusal of a prepare or accept at {@code ballot} for {@code slot}, because the sender has
 * promised the higher ballot {@code promised}.
 */
public record Nack(int from, long slot, long ballot, long promised) implements Message {}
