package io.cohort.server.api;

import io.cohort.server.apply.Applier;
import io.cohort.server.config.MemberConfig;
import io.cohort.server.group.GroupReplication;
import io.cohort.server.recovery.LogPurger;
import io.cohort.server.storage.Storage;
import io.cohort.server.txn.TransactionRegistry;
import java.util.function.LongSupplier;

/**
 * What the API needs of the member it serves. Clients read {@code data}: the applier's, or on a
 * multi-source replica every channel's.
 */
public record MemberContext(
    MemberConfig config,
    String groupUuid,
    String version,
    Storage storage,
    Applier applier,
    GroupReplication group,
    TransactionRegistry registry,
    LogPurger logPurger,
    io.cohort.server.recovery.RecoveryReport recovery,
    LongSupplier wallClock,
    long startedAtMillis,
    io.cohort.server.metrics.MemberMetrics metrics,
    io.cohort.server.auth.Accounts accounts,
    io.cohort.server.replica.SemiSyncSource semiSync,
    io.cohort.server.apply.AppliedData data) {

  public String memberId() {
    return config.memberId();
  }
}
