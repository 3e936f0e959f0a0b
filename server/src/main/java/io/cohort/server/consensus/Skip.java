package io.cohort.server.consensus;

/**
 * The sender's own slots in {@code [firstSlot, endSlot)} are no-ops. Learned at once by the
 * receiver with no accept round (Mencius rule 2: only the owner may propose a real value in
 * its slots, and it has promised, durably, never to use these).
 */
public record Skip(int from, long firstSlot, long endSlot) implements Message {}
