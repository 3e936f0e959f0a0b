package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.proto.MemberStatus;
import io.cohort.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members that listen on the wildcard address, as in a container, and advertise where they can
 * be reached (advertise-address, group-advertise-address): the group forms at the advertised
 * addresses, status shows them and never 0.0.0.0, and clients reach every member there.
 */
@ExtendWith(MemberLogsOnFailure.class)
class AdvertisedAddressIT {
  @TempDir Path dir;

  @Test
  void membersListeningOnTheWildcardAddressFormTheirGroupAtTheAddressesTheyAdvertise() {
    try (GroupCluster g = new GroupCluster(dir, 3)) {
      for (int i = 0; i < 3; i++) {
        g.members.get(i).listeningOn("0.0.0.0", "127.0.0." + (i + 2)); // 127.0.0.2-4 reach 0.0.0.0 on loopback
      }
      g.start();
      List<String> advertised = g.members.stream().map(MemberProcess::address).toList();
      List<String> groupAdvertised = g.members.stream().map(MemberProcess::groupAddress).toList();
      for (MemberProcess m : g.members) {
        StatusResponse s = m.status();
        assertThat(s.getMembersList()).extracting(MemberStatus::getAddress).as("client addresses in %s's view",
            m.memberId()).containsExactlyInAnyOrderElementsOf(advertised);
        assertThat(s.getMembersList()).extracting(MemberStatus::getGroupAddress).as("group addresses in %s's view",
            m.memberId()).containsExactlyInAnyOrderElementsOf(groupAdvertised);
        assertThat(s.getAddress()).isEqualTo(m.address());
      }
      try (CohortClient c = Cohort.connect(String.join(",", advertised),
          ClientOptions.builder().deadline(Duration.ofSeconds(20)).build())) {
        c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.STRING)
            .primaryKey("k").build());
        c.insert("kv", Row.of("k", 1L, "v", "seen everywhere"));
      }
      String gtids = g.members.get(0).status().getGtidExecuted();
      GroupCluster.awaitOn(g.members, s -> s.getGtidExecuted().equals(gtids), 30, "every member applied the insert");
      for (String a : advertised) {
        try (CohortClient c = Cohort.connect(a, ClientOptions.builder().routing(ClientOptions.Routing.PINNED)
            .deadline(Duration.ofSeconds(20)).build())) {
          assertThat(c.get("kv", Key.of(1L))).as("the row read at %s", a).isPresent()
              .hasValueSatisfying(r -> assertThat(r.get("v")).isEqualTo("seen everywhere"));
        }
      }
    }
  }
}
