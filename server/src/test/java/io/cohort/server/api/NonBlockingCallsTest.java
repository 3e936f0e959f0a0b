package io.cohort.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.proto.GroupServiceGrpc;
import io.grpc.MethodDescriptor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Only calls that never wait run on a network thread; a waiting one there would stall its connection. */
class NonBlockingCallsTest {

  @Test
  void transactionCallsRunOnTheNetworkThread() {
    for (MethodDescriptor<?, ?> m : List.of(CohortServiceGrpc.getBeginMethod(),
        CohortServiceGrpc.getExecuteMethod(), CohortServiceGrpc.getCommitMethod(),
        CohortServiceGrpc.getRollbackMethod())) {
      assertThat(NonBlockingCalls.direct(m.getFullMethodName())).as(m.getFullMethodName()).isTrue();
    }
  }

  @Test
  void callsThatMayWaitKeepTheExecutor() {
    for (MethodDescriptor<?, ?> m : List.of(CohortServiceGrpc.getCreateTableMethod(),
        CohortServiceGrpc.getForceBootstrapMethod(), CohortServiceGrpc.getReadLogMethod(),
        CohortServiceGrpc.getSetPrimaryMethod(), CohortServiceGrpc.getStatusMethod(),
        GroupServiceGrpc.getJoinMethod())) {
      assertThat(NonBlockingCalls.direct(m.getFullMethodName())).as(m.getFullMethodName()).isFalse();
    }
  }
}
