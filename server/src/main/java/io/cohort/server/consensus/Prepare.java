package io.cohort.server.consensus;

import java.util.List;

/** Paxos phase 1a over several slots at one ballot: the revocation of Mencius rule 4. */
public record Prepare(int from, long ballot, List<Long> slots) implements Message {

  public Prepare {
    slots = List.copyOf(slots);
  }
}
