package io.cohort.server.consensus;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects outgoing messages, kept apart by whether they must wait for persistence (see
 * {@link Ready}). A broadcast goes to every member of a configuration in force at or after the
 * sender's first undelivered slot: the current members and any that a decided reconfiguration
 * will add.
 */
final class Outbox {

  private final int self;
  private List<Integer> recipients;
  private final List<Envelope> immediate = new ArrayList<>();
  private final List<Envelope> afterPersist = new ArrayList<>();

  Outbox(int self, List<Integer> recipients) {
    this.self = self;
    this.recipients = List.copyOf(recipients);
  }

  void setRecipients(List<Integer> members) {
    recipients = List.copyOf(members);
  }

  List<Integer> recipients() {
    return recipients;
  }

  void send(int to, Message m, boolean afterPersistence) {
    (afterPersistence ? afterPersist : immediate).add(new Envelope(to, m));
  }

  void broadcast(Message m, boolean includeSelf, boolean afterPersistence) {
    for (int to : recipients) {
      if (to != self) {
        send(to, m, afterPersistence);
      }
    }
    if (includeSelf) {
      send(self, m, afterPersistence);
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
