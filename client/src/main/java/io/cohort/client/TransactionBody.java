package io.cohort.client;

/** The body of a transaction run by {@link CohortClient#transaction(TransactionBody)}. */
@FunctionalInterface
public interface TransactionBody {
  /**
   * Does the transaction's work. May run several times (once per attempt), so it must not
   * have side effects outside the transaction that cannot be repeated.
   *
   * @param tx the open transaction; the helper commits it when the body returns
   */
  void run(Transaction tx);
}
