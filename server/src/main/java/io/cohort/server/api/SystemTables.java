package io.cohort.server.api;

import io.cohort.proto.CommitResult;
import io.cohort.proto.TableSchema;
import io.cohort.proto.Transaction;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.txn.DdlPlanner;
import io.cohort.server.txn.SnapshotPins;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;
import java.util.function.Function;

/** Creates the members' own tables (cohort$...) the first time the group needs one. */
final class SystemTables {
  private SystemTables() {}

  /**
   * Runs {@code next} once the table {@code def} names exists here, committing its CREATE TABLE
   * through the group first when it does not; {@code failed} hears why that commit failed (on a
   * secondary, that writes go to the primary).
   */
  static void ensure(MemberContext m, Committer committer, TableSchema def, Runnable next, Consumer<Throwable> failed) {
    if (m.data().catalog().byName(def.getName()) != null) {
      next.run();
      return;
    }
    SnapshotPins.Pin pin = m.registry().pinSnapshot();
    Transaction built;
    try (DataSnapshot snap = m.data().snapshot()) {
      built = DdlPlanner.createTable(snap, def, true);
    } catch (RuntimeException e) {
      pin.release();
      throw e;
    }
    if (built == null) {
      pin.release();
      next.run();
      return;
    }
    built = built.toBuilder().setOriginMember(m.memberId()).setOriginTimestampMs(m.wallClock().getAsLong()).build();
    committer.commit(m.config().consistency(), built, pin, new StreamObserver<CommitResult>() {
      @Override
      public void onNext(CommitResult value) {
        try {
          next.run();
        } catch (RuntimeException e) {
          failed.accept(e);
        }
      }

      @Override
      public void onError(Throwable t) {
        failed.accept(t);
      }

      @Override
      public void onCompleted() {}
    }, Function.identity());
  }
}
