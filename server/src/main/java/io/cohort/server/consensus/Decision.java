package io.cohort.server.consensus;

import java.util.List;

/**
 * A slot delivered in order: {@code chosen} is what consensus decided for the slot;
 * {@code values} are its values not delivered before (a value re-proposed after a revocation
 * is delivered once). Empty for a no-op.
 */
public record Decision(long slot, Batch chosen, List<Value> values) {

  public Decision {
    values = List.copyOf(values);
  }
}
