package io.cohort.server.membership;

import io.cohort.proto.MemberInfo;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Picks the primary of a single-primary group from its ONLINE members, the way every member
 * computes it alike: the lowest version (so a rolling upgrade never puts a newer member in
 * charge of older ones), then the highest weight, then the lowest member id.
 */
public final class PrimaryElection {
  private PrimaryElection() {}

  static final Comparator<MemberInfo> ORDER = Comparator
      .comparing(MemberInfo::getVersion, PrimaryElection::compareVersions)
      .thenComparing(Comparator.comparingInt(MemberInfo::getWeight).reversed())
      .thenComparing(MemberInfo::getMemberId);

  public static Optional<MemberInfo> elect(Collection<MemberInfo> online) {
    return online.stream().min(ORDER);
  }

  /** Dotted numeric versions ("0.10.2" after "0.9.9"); a non-numeric part compares as text. */
  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      String p = i < x.length ? x[i] : "0";
      String q = i < y.length ? y[i] : "0";
      int c;
      try {
        c = Long.compare(Long.parseLong(p), Long.parseLong(q));
      } catch (NumberFormatException e) {
        c = p.compareTo(q);
      }
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
