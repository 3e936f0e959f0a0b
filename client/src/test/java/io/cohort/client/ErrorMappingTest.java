package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {
  @Test
  void eachStatusCodeBecomesItsExceptionType() {
    Map<Status.Code, Class<? extends CohortException>> expected = Map.of(
        Status.Code.ABORTED, ConflictException.class,
        Status.Code.ALREADY_EXISTS, DuplicateKeyException.class,
        Status.Code.NOT_FOUND, NotFoundException.class,
        Status.Code.INVALID_ARGUMENT, InvalidArgumentException.class,
        Status.Code.RESOURCE_EXHAUSTED, TransactionTooLargeException.class,
        Status.Code.UNAVAILABLE, UnavailableException.class,
        Status.Code.DEADLINE_EXCEEDED, DeadlineExceededException.class);
    expected.forEach((code, type) -> {
      CohortException e = Errors.fromGrpc(
          Status.fromCode(code).withDescription("why").asRuntimeException(), "10.0.0.1:7001",
          "Execute");
      assertThat(e).isInstanceOf(type);
      assertThat(e.code().name()).isEqualTo(code.name());
      assertThat(e.serverMessage()).isEqualTo("why");
      assertThat(e.member()).isEqualTo("10.0.0.1:7001");
      assertThat(e.getMessage()).contains("Execute", "10.0.0.1:7001", code.name(), "why");
    });
  }

  @Test
  void otherCodesKeepTheirCodeOnTheBaseType() {
    CohortException e = Errors.fromGrpc(Status.FAILED_PRECONDITION.withDescription("not online")
        .asRuntimeException(), "m", "Begin");
    assertThat(e.getClass()).isEqualTo(CohortException.class);
    assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
  }

  @Test
  void aRefusedWriteWithPrimaryTrailersNamesThePrimary() {
    io.grpc.Metadata trailers = new io.grpc.Metadata();
    trailers.put(Errors.PRIMARY, "m2");
    trailers.put(Errors.PRIMARY_ADDRESS, "10.0.0.2:7001");
    CohortException e = Errors.fromGrpc(Status.FAILED_PRECONDITION
        .withDescription("member m1 is SECONDARY").asRuntimeException(trailers),
        "10.0.0.1:7001", "Commit of transaction t1");
    assertThat(e).isInstanceOfSatisfying(NotPrimaryException.class, np -> {
      assertThat(np.primaryId()).isEqualTo("m2");
      assertThat(np.primaryAddress()).isEqualTo("10.0.0.2:7001");
    });
    assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
    assertThat(e.getMessage()).isEqualTo("Commit of transaction t1 failed on member "
        + "10.0.0.1:7001: FAILED_PRECONDITION: member m1 is SECONDARY (this member is a "
        + "secondary; the primary is m2 at 10.0.0.2:7001: run the transaction again there, "
        + "nothing was committed)");
  }

  @Test
  void serverErrorsArriveTyped() throws Exception {
    try (InProcessCluster c = new InProcessCluster(1, ClientOptions.defaults())) {
      CohortClient client = c.client;
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.describeTable("nope"))
          .isInstanceOf(NotFoundException.class).hasMessageContaining("member-1");
      client.createTable(TableDefinition.builder("t").column("id", ColumnType.INT64)
          .primaryKey("id").build());
      org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> client.insert("t", Row.of("id", "not a number")))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }
}
