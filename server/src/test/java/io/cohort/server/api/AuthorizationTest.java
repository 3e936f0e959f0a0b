package io.cohort.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.server.auth.Privilege;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every client API method needs the privilege cohort_service.proto says; one added later needs ADMIN. */
class AuthorizationTest {
  @Test
  void eachMethodNeedsItsPrivilege() {
    Map<String, Privilege> expected = new java.util.HashMap<>();
    for (String m : Set.of("Begin", "Execute", "Commit", "Rollback", "Status")) {
      expected.put(m, null);
    }
    expected.put("DescribeTable", Privilege.READ);
    expected.put("ListTables", Privilege.READ);
    for (String m : Set.of("CreateTable", "DropTable", "CreateUniqueKey", "DropUniqueKey")) {
      expected.put(m, Privilege.DDL);
    }
    expected.put("ReadLog", Privilege.REPLICATION);
    expected.put("ReplicaAck", Privilege.REPLICATION);
    for (String m : Set.of("SetPrimary", "SwitchToMultiPrimary", "SwitchToSinglePrimary", "ForceBootstrap",
        "ForceMembers", "CreateUser", "AlterUser", "DropUser", "ListUsers", "SkipReplicaTransaction")) {
      expected.put(m, Privilege.ADMIN);
    }
    for (MethodDescriptor<?, ?> md : CohortServiceGrpc.getServiceDescriptor().getMethods()) {
      String name = md.getBareMethodName();
      assertThat(expected).as("a privilege decided for %s", name).containsKey(name);
      assertThat(Authorization.required(md.getFullMethodName())).as(name).isEqualTo(expected.get(name));
    }
    assertThat(Authorization.required("cohort.v1.CohortService/SomethingNew")).isEqualTo(Privilege.ADMIN);
  }
}
