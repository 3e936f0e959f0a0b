package io.cohort.server.membership;

import io.cohort.proto.GroupState;
import io.cohort.proto.MemberInfo;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

/**
 * Group state with another primary election than {@link PrimaryElection}: only for proving that
 * the group simulator's election check notices a wrong one. Production has no way to do this.
 */
public final class ElectionSeam {
  private ElectionSeam() {}

  public static GroupMembership bootstrap(String groupUuid, long epoch, MemberInfo self, boolean singlePrimary,
      long certifiedSeqno, int horizon, Function<Collection<MemberInfo>, Optional<MemberInfo>> election) {
    return GroupMembership.bootstrap(groupUuid, epoch, self, singlePrimary, certifiedSeqno, horizon, election);
  }

  public static GroupMembership fromState(GroupState s,
      Function<Collection<MemberInfo>, Optional<MemberInfo>> election) {
    return GroupMembership.fromState(s, election);
  }
}
