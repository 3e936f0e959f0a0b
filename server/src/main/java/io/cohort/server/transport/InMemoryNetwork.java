package io.cohort.server.transport;

import io.cohort.server.consensus.Membership;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The wire between {@link InMemoryTransport}s of one JVM, for driver and group tests: it knows
 * which members are running and which links are cut. Cutting a link is fault injection: the
 * messages that would cross it are lost, as in a network partition, and nothing is held back
 * for later. Links are directed, so a one-way cut is {@code cut(a, b)} alone. Thread-safe.
 */
public final class InMemoryNetwork {
  private final ConcurrentHashMap<Integer, InMemoryTransport> running = new ConcurrentHashMap<>();
  private final Set<Integer> cutLinks = ConcurrentHashMap.newKeySet(); // from * 128 + to
  private final Set<Integer> isolated = ConcurrentHashMap.newKeySet();

  /** Loses every message from {@code from} to {@code to} until {@link #heal} (one way only). */
  public void cut(int from, int to) {
    cutLinks.add(link(from, to));
  }

  /** Undoes {@link #cut}{@code (from, to)}; an isolation of either member still applies. */
  public void heal(int from, int to) {
    cutLinks.remove(link(from, to));
  }

  /** Loses every message to or from {@code member}, including members that join later. */
  public void isolate(int member) {
    isolated.add(checked(member));
  }

  /** Undoes {@link #isolate}; links cut one by one stay cut. */
  public void rejoin(int member) {
    isolated.remove(checked(member));
  }

  /** Heals every cut link and isolation. */
  public void healAll() {
    cutLinks.clear();
    isolated.clear();
  }

  /** Whether a message from {@code from} to {@code to} would cross the network now. */
  public boolean isLinkUp(int from, int to) {
    return !isolated.contains(from) && !isolated.contains(to) && !cutLinks.contains(link(from, to));
  }

  /** Called by a transport on start; wakes the others, which may hold messages for it. */
  void register(InMemoryTransport transport) {
    InMemoryTransport before = running.putIfAbsent(transport.self(), transport);
    if (before != null) {
      throw new IllegalStateException("member " + transport.self()
          + " is already running on this network; close it before starting another");
    }
    running.values().forEach(InMemoryTransport::wake);
  }

  /** Called by a transport on close. */
  void unregister(InMemoryTransport transport) {
    running.remove(transport.self(), transport);
  }

  /** The running transport of {@code member}, or null while it is down. */
  InMemoryTransport receiver(int member) {
    return running.get(member);
  }

  private static int link(int from, int to) {
    return checked(from) * (Membership.MAX_MEMBER_ID + 1) + checked(to);
  }

  static int checked(int member) {
    if (member < 0 || member > Membership.MAX_MEMBER_ID) {
      throw new IllegalArgumentException(
          "member id " + member + " is outside 0.." + Membership.MAX_MEMBER_ID);
    }
    return member;
  }
}
