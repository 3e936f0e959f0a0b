package io.cohort.server.consensus;

import java.util.List;
import java.util.Optional;

/**
 * What the core hands its driver, in the etcd-raft style. The driver:
 * <ol>
 *   <li>may send {@link #messages()} at once;
 *   <li>makes {@link #persist()} durable (fsync);
 *   <li>only then sends {@link #afterPersist()};
 *   <li>hands {@link #decided()} on, in order;
 *   <li>calls {@link MenciusNode#advance(Ready)}.
 * </ol>
 * When {@link #decidedBeforePersist()} is true the driver may hand {@code decided} on before the
 * save instead (steps 1, 4, 2, 3, 5): none of those decisions relies on it. A value is decided
 * only once a quorum of acceptors answered Accepted, and each answer leaves after its own save,
 * so what is decided is already durable on a majority; the exception is a skip of this member's
 * own slots that this very save makes final (its next-slot index grows past them), and while
 * that index is being saved the flag is false. Handing decisions on early takes a save off the
 * path of every commit that the busy proposer learns while its next batch is being written.
 * Messages are split because some state only counts once it survives a crash. The core puts in
 * {@code afterPersist} every message that relies on it: Promise, Accepted and Nack (Paxos: an
 * acceptor must not forget what it answered), an owner's Accept and Skip (Mencius rule 2: the
 * owner must never reuse a slot it announced, so its next-slot index is durable first), Prepare
 * and a revoker's Accept (their ballot carries the persisted incarnation), and any Decide of an
 * own slot (it may be a skip). {@code messages} holds what only repeats facts already chosen by
 * a quorum, or asks: catch-up requests, and decisions of other members' slots.
 */
public record Ready(
    Optional<DurableUpdate> persist,
    List<Envelope> messages,
    List<Envelope> afterPersist,
    List<Decision> decided,
    boolean decidedBeforePersist) {

  public Ready {
    messages = List.copyOf(messages);
    afterPersist = List.copyOf(afterPersist);
    decided = List.copyOf(decided);
  }

  public boolean isEmpty() {
    return persist.isEmpty() && messages.isEmpty() && afterPersist.isEmpty() && decided.isEmpty();
  }
}
