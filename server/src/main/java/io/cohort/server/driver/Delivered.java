package io.cohort.server.driver;

/**
 * A proposal of this member was delivered: it is decided, and delivered here in slot order.
 *
 * @param slot    the slot whose decision carried the value
 * @param valueId the value's group-unique id
 */
public record Delivered(long slot, long valueId) {}
