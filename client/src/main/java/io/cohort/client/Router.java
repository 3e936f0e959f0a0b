package io.cohort.client;

import io.cohort.proto.MemberStatus;
import io.cohort.proto.StatusRequest;
import io.cohort.proto.StatusResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Decides which member a request goes to. Transactions and writes go to the write member: in
 * single-primary mode the primary, learnt lazily from a member's Status and from the redirects
 * of secondaries; otherwise the first member that answered. When the write member stops
 * answering the next member takes its place and the primary is looked up again. With
 * {@link ClientOptions.Routing#PINNED} the write member is always the first address.
 *
 * <p>Thread-safe: the fields are guarded by {@code this}; calls to members are made outside
 * the lock, so several threads may look the primary up at once, and a lookup that raced with
 * a newer redirect or failure is dropped (see {@link #epoch}).
 */
final class Router {
  private static final String ONLINE = "ONLINE";
  private static final String UNREACHABLE = "UNREACHABLE";

  private final ClientOptions.Routing routing;
  private final Function<String, MemberConnection> connector;
  /** The addresses given to connect, in order, then members learnt from status or redirects. */
  private final List<MemberConnection> members;
  private final int initialCount;
  /** Index in {@link #members} of the write member. */
  private int current;
  /** Whether {@link #current} comes from a status answer or a redirect since the last failure. */
  private boolean known;
  /** Bumped on every change of {@link #current} or {@link #known}. */
  private long epoch;

  Router(List<MemberConnection> initial, Function<String, MemberConnection> connector,
      ClientOptions.Routing routing) {
    if (initial.isEmpty()) {
      throw new IllegalArgumentException("at least one member address is needed");
    }
    this.members = new ArrayList<>(initial);
    this.initialCount = initial.size();
    this.connector = connector;
    this.routing = routing;
  }

  /** The addresses given to connect, in order. */
  synchronized List<String> initialAddresses() {
    return members.subList(0, initialCount).stream().map(MemberConnection::address).toList();
  }

  /** Every connection, learnt ones included, e.g. to close them. */
  synchronized List<MemberConnection> allMembers() {
    return List.copyOf(members);
  }

  /**
   * The member for a new transaction or a write, looking up the primary first if it is not
   * known. If no member answers Status, the current candidate is returned unconfirmed: the
   * request itself then reports the failure.
   */
  MemberConnection writeMember() {
    long seen;
    synchronized (this) {
      if (routing == ClientOptions.Routing.PINNED || known) {
        return members.get(routing == ClientOptions.Routing.PINNED ? 0 : current);
      }
      seen = epoch;
    }
    MemberConnection found = discover();
    synchronized (this) {
      if (found != null && epoch == seen) {
        moveTo(found);
      }
      return members.get(current);
    }
  }

  /**
   * The members to try, in order, for a read outside a transaction: the write member first
   * (so a client reads its own writes), then the others; only the first address when pinned.
   */
  synchronized List<MemberConnection> readOrder() {
    return routing == ClientOptions.Routing.PINNED ? List.of(members.get(0)) : anyOrder();
  }

  /** Every member, the write member first: for status, the log and group administration. */
  synchronized List<MemberConnection> anyOrder() {
    List<MemberConnection> order = new ArrayList<>(members.size());
    for (int i = 0; i < members.size(); i++) {
      order.add(members.get((current + i) % members.size()));
    }
    return order;
  }

  /** How many members a request that is safe to repeat may try. */
  synchronized int failoverLimit() {
    return routing == ClientOptions.Routing.PINNED ? 1 : members.size();
  }

  /**
   * Follows a secondary's redirect: the primary it named becomes the write member.
   *
   * @return whether the next attempt goes to the named primary (false when pinned, or when
   *     the secondary named no usable address)
   */
  boolean follow(NotPrimaryException e) {
    if (routing == ClientOptions.Routing.PINNED || e.primaryAddress().isEmpty()) {
      return false;
    }
    MemberConnection primary;
    try {
      primary = connection(e.primaryAddress());
    } catch (IllegalArgumentException badAddress) {
      e.addSuppressed(badAddress);
      return false;
    }
    synchronized (this) {
      moveTo(primary);
    }
    return true;
  }

  /** Hands a failure seen by a transaction to {@link #follow} or {@link #unavailable}. */
  void failed(MemberConnection member, CohortException e) {
    if (e instanceof NotPrimaryException notPrimary) {
      follow(notPrimary);
    } else if (e.code() == ErrorCode.UNAVAILABLE) {
      unavailable(member);
    }
  }

  /** The member stopped answering: if it was the write member, the next one takes over. */
  synchronized void unavailable(MemberConnection member) {
    if (routing == ClientOptions.Routing.PINNED || members.get(current) != member) {
      return;
    }
    current = (current + 1) % members.size();
    known = false;
    epoch++;
  }

  /** The group changed its primary or mode: look it up again before the next write. */
  synchronized void forget() {
    known = false;
    epoch++;
  }

  /**
   * The write member refused without knowing the primary: look it up again. False when pinned
   * (the request must stay on that member).
   */
  synchronized boolean rediscover() {
    if (routing == ClientOptions.Routing.PINNED) {
      return false;
    }
    forget();
    return true;
  }

  private void moveTo(MemberConnection member) {
    current = members.indexOf(member);
    known = true;
    epoch++;
  }

  /** The connection to an address, opened on first use. */
  private synchronized MemberConnection connection(String address) {
    for (MemberConnection m : members) {
      if (m.address().equals(address)) {
        return m;
      }
    }
    MemberConnection m = connector.apply(address);
    members.add(m);
    return m;
  }

  /**
   * Asks the members' Status, the current write member first, preferring an ONLINE member's
   * answer: its primary in single-primary mode, otherwise the member that answered.
   *
   * @return the write member to use, or null if no member answered
   */
  private MemberConnection discover() {
    StatusResponse best = null;
    MemberConnection from = null;
    for (MemberConnection m : anyOrder()) {
      StatusResponse s;
      try {
        s = m.call("Status", stub -> stub.status(StatusRequest.getDefaultInstance()));
      } catch (UnavailableException | DeadlineExceededException e) {
        continue; // down or hung: ask the next one
      } catch (CohortException e) {
        // It answered but cannot tell (an older member, say): good enough if nothing better.
        from = from == null ? m : from;
        break;
      }
      if (from == null || rank(s) > rank(best)) {
        best = s;
        from = m;
      }
      if (rank(s) == 3) {
        break;
      }
    }
    return best == null ? from : primaryOr(best, from);
  }

  /**
   * How much an answer to Status tells: 3 for an ONLINE member that knows where writes go (a
   * primary named in single-primary mode, or itself PRIMARY in multi-primary mode); 2 for an
   * ONLINE member that names a primary it suspects (a failover under way: it holds a write
   * until the group elects one); 1 for another ONLINE member (one cut off from its group's
   * majority names no primary and has no role); 0 otherwise.
   */
  private static int rank(StatusResponse s) {
    if (s == null || !ONLINE.equals(s.getState())) {
      return 0;
    }
    boolean single = GroupAction.SINGLE_PRIMARY.equals(s.getMode());
    if (!single) {
      return "PRIMARY".equals(s.getRole()) ? 3 : 1;
    }
    return s.getPrimary().isEmpty() ? 1 : primarySuspected(s) ? 2 : 3;
  }

  /**
   * The answering member suspects the primary it names (UNREACHABLE in its rows): a failover
   * may be under way. The write then goes to the answering member, which holds it until the
   * group elects a primary (or the suspicion ends) and redirects it there.
   */
  private static boolean primarySuspected(StatusResponse s) {
    for (MemberStatus row : s.getMembersList()) {
      if (row.getMemberId().equals(s.getPrimary())) {
        return UNREACHABLE.equals(row.getState());
      }
    }
    return false;
  }

  private MemberConnection primaryOr(StatusResponse s, MemberConnection from) {
    String primary = s.getPrimary();
    // Asked the primary itself: keep the address we reached it by, which may differ from the
    // one it reports (NAT, a host name instead of an IP).
    if (!GroupAction.SINGLE_PRIMARY.equals(s.getMode()) || primary.isEmpty()
        || primary.equals(s.getMemberId()) || primarySuspected(s)) {
      return from;
    }
    for (MemberStatus row : s.getMembersList()) {
      if (row.getMemberId().equals(primary) && !row.getAddress().isEmpty()) {
        try {
          return connection(row.getAddress());
        } catch (IllegalArgumentException badAddress) {
          return from;
        }
      }
    }
    return from;
  }
}
