package io.cohort.server.consensus;

/**
 * {@code slot} is decided as the value accepted there at {@code ballot}: what a proposer that
 * saw a quorum tells the others, in place of a {@link Decide} that would carry the value a
 * second time. Paxos allows one value per slot and ballot, so a receiver whose acceptor took
 * that ballot knows the value already; one that did not (it missed the accept, or took a higher
 * ballot since) learns the slot from a peer's {@link Decide} in answer to its catch-up request.
 */
public record Learn(int from, long slot, long ballot) implements Message {}
