package io.cohort.client;

/**
 * The body of a transaction that computes a value, run by
 * {@link CohortClient#transactionResult(TransactionFunction)}.
 *
 * @param <T> the type of the value
 */
@FunctionalInterface
public interface TransactionFunction<T> {
  /**
   * Does the transaction's work. May run several times (once per attempt).
   *
   * @param tx the open transaction; the helper commits it when the body returns
   * @return the value to hand back once the transaction committed
   */
  T apply(Transaction tx);
}
