package io.cohort.server.driver;

import io.cohort.server.consensus.Membership;
import java.util.concurrent.CompletableFuture;

/**
 * What the group layer needs of the consensus event loop it runs on: to propose, to say where
 * its checkpoint stands, and to read the loop's counters. {@link ConsensusDriver} in a member
 * process; the whole-group simulator's stepped loop in tests. Every method may be called from
 * any thread and only queues work for the loop.
 */
public interface ConsensusPort {

  /** See {@link ConsensusDriver#propose}. */
  CompletableFuture<Delivered> propose(byte[] data);

  /** See {@link ConsensusDriver#proposeOwned}: {@code data} is not copied. */
  CompletableFuture<Delivered> proposeOwned(byte[] data);

  /** See {@link ConsensusDriver#proposeOwnedFirst}. */
  CompletableFuture<Delivered> proposeOwnedFirst(byte[] data);

  /** See {@link ConsensusDriver#proposeMembership}. */
  CompletableFuture<Delivered> proposeMembership(Membership expected, Membership next, byte[] attachment);

  /** See {@link ConsensusDriver#checkpointed}. */
  void checkpointed(long slot);

  ConsensusDriver.Stats stats();

  /** See {@link ConsensusDriver#execute}: runs {@code work} on the loop thread, exactly once. */
  void execute(Runnable work);

  /** Stops the loop; see {@link ConsensusDriver#close}. */
  void close();
}
