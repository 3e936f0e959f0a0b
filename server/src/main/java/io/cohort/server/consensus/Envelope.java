package io.cohort.server.consensus;

/** A message and the member it goes to (possibly the sender itself). */
public record Envelope(int to, Message message) {}
