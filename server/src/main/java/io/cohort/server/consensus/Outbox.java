package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.List;

/** Collects outgoing messages, kept apart by whether they must wait for persistence (see {@link Ready}). */
final class Outbox {

  private final int self;
  private final int members;
  private final List<Envelope> immediate = new ArrayList<>();
  private final List<Envelope> afterPersist = new ArrayList<>();

  Outbox(int self, int members) {
    this.self = self;
    this.members = members;
  }

  void send(int to, Message m, boolean afterPersistence) {
    (afterPersistence ? afterPersist : immediate).add(new Envelope(to, m));
  }

  void broadcast(Message m, boolean includeSelf, boolean afterPersistence) {
    for (int to = 0; to < members; to++) {
      if (to != self || includeSelf) {
        send(to, m, afterPersistence);
      }
    }
  }

  List<Envelope> immediate() {
    return immediate;
  }

  List<Envelope> afterPersist() {
    return afterPersist;
  }

  void clear() {
    immediate.clear();
    afterPersist.clear();
  }
}
