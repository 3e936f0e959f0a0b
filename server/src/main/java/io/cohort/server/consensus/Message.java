package io.cohort.server.consensus;

/**
 * A message between consensus cores. Plain data only (ints, longs, byte arrays, lists), so
 * the transport can map each variant to a protobuf message one to one.
 */
public sealed interface Message
    permits Accept, Accepted, Nack, Skip, Prepare, Promise, Decide, Learn, CatchUp, Truncated {

  /** The sending member. */
  int from();
}
