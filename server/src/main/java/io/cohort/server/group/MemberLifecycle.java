package io.cohort.server.group;

import io.cohort.server.config.GroupConfig.ExitStateAction;
import io.cohort.server.membership.GroupRestart;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a member enters its group, leaves it and comes back: one stepped machine, run by
 * {@link ConsensusGroup} on its lifecycle thread and by the whole-group simulator on its ticks.
 * It decides; the {@link Host} does (probes, joins, starts and stops sessions), so both run the
 * same rules: look for the group and follow {@link GroupRestart}'s decision; ask to join with one
 * request id until a join is answered; after a session ends, keep or forget the place, fail what
 * clients wait for, serve as an acceptor until the group no longer counts this member, then
 * rejoin (for as long as it keeps a place, else a bounded number of times) or take the exit state
 * action.
 *
 * <p>Phases: {@code LOOKING} (out, a round of looking for the group due at {@link #nextRound}),
 * {@code JOINING} (asked a member to admit it; answered through {@link #joinAnswered} or
 * {@link #joinFailed}, or timed out), {@code IN} (a session runs), {@code LEAVING} (shutting
 * down, it asked for a view without itself), {@code RETIRING} (the session ended; it answers as
 * an acceptor until {@link GroupSession#retired}), {@code STOPPED} (out and not looking: it left
 * on purpose, was refused, gave up, or shut down).
 *
 * <p>Not thread-safe: one thread calls it. The fields status reads from other threads are volatile.
 */
public final class MemberLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(MemberLifecycle.class);

  enum Phase { STARTING, LOOKING, JOINING, IN, LEAVING, RETIRING, STOPPED }

  /** Why it looks for the group, which decides how often and for how long. */
  private enum Looking {
    /** Restarted, started again by an operator, or out with its place kept: as long as it takes. */
    WAITING,
    /** Expelled or out after an error: {@link Settings#autoRejoinTries} rounds, then the exit state action. */
    AUTO_REJOIN
  }

  /**
   * The lifecycle's tunables, in the host clock's unit.
   *
   * @param roundEvery         pause between rounds of looking for the group while waiting
   * @param autoRejoinInterval pause before each auto-rejoin attempt
   * @param autoRejoinTries    auto-rejoin attempts before the exit state action
   * @param retireTimeout      longest a removed member serves as an acceptor
   * @param joinTimeout        longest a join may go unanswered
   * @param leaveTimeout       longest a member shutting down waits for its leave to be ordered
   * @param exitAction         what a member out for good does
   */
  public record Settings(long roundEvery, long autoRejoinInterval, int autoRejoinTries, long retireTimeout,
      long joinTimeout, long leaveTimeout, ExitStateAction exitAction) {}

  /** What the lifecycle has done. Each call runs on the lifecycle's thread and may block. */
  interface Host {
    long now();

    /** What this member reports of itself while out of the group. */
    GroupRestart.Report selfReport();

    /** Reports of the members it reaches now; null when it cannot ask (cut off). */
    Collection<GroupRestart.Report> probe();

    /** Takes the place kept on disk up again; null when there is none or it cannot now. */
    GroupSession resumePlace();

    /**
     * {@code --bootstrap}: joins through the seeds or creates the group here; null when a member
     * that holds the group's history answered (this one then waits for the group and joins it).
     */
    GroupSession bootstrapFirst(String joinRequestId);

    /** Resumes the group here from this member's history, as {@code epoch}. */
    GroupSession bootstrap(long epoch, String how);

    /**
     * Asks one of {@code memberIds} to admit this member; answers through {@link #joinAnswered}
     * or {@link #joinFailed} with {@code attempt}, at once or later.
     *
     * @throws GroupRefusedException when a seed refuses this member for good
     */
    void join(List<String> memberIds, String requestId, int attempt);

    /** The session is running and known to the lifecycle (recovery may start). */
    void entered(GroupSession s);

    /**
     * Orders a view without this member ({@link GroupSession#leaveAsync}); answers through
     * {@link #leaveAnswered} on the lifecycle's thread.
     */
    void leave(GroupSession s);

    /** The session ended: clients no longer reach the group through it. */
    void out(GroupSession s, String reason, boolean involuntary);

    /** The ended session stops answering as an acceptor. */
    void stop(GroupSession s);

    /** The kept place was given up: the group went on without it (for the simulator's coverage). */
    default void gaveUpPlace(String reason) {}

    /** A place taken up again was left before the group confirmed it, for {@code reason} (the simulator's coverage). */
    default void leftUnconfirmedPlace(String reason) {}

    /** A fresh id for a join request. */
    String newRequestId();

    /** The exit state action ABORT_SERVER. */
    void abortServer();
  }

  private final String memberId;
  private final SessionStore places;
  private final CertificationPipeline pipeline;
  private final Settings settings;
  private final Host host;

  private volatile Phase phase = Phase.STARTING;
  private Looking looking = Looking.WAITING;
  private String lookingReason;
  private long nextRound;
  private int rejoinAttempt;
  private GroupSession current;
  private volatile GroupSession retiring;
  private long retireDeadline;
  private String endReason;
  private boolean endInvoluntary;
  private int joinAttempts;
  private long joinDeadline;
  private long leaveDeadline;
  private long nextPlaceCheck;
  /**
   * Sent with every join attempt until one is answered, to whichever seed: a seed that already
   * admitted it answers with the id it was given (GroupStateMachine.admitted).
   */
  private String joinRequestId;

  private volatile String offState = "OFFLINE";
  private volatile String stateReason = "starting";
  private volatile boolean offlineMode;
  private volatile boolean waiting;
  private volatile boolean forceRequested;
  private volatile boolean forceOnceOut;
  private volatile boolean closing;
  /** Why this member was refused for good (errant or divergent history): it stays out. */
  private volatile String refusal;

  MemberLifecycle(String memberId, SessionStore places, CertificationPipeline pipeline, Settings settings,
      Host host) {
    this.memberId = memberId;
    this.places = places;
    this.pipeline = pipeline;
    this.settings = settings;
    this.host = host;
    this.joinRequestId = host.newRequestId();
  }

  // ---- inputs ----

  /**
   * The process started: takes its kept place up again; else, with {@code bootstrap}, joins
   * through the seeds or creates the group; else waits for the group and joins or resumes it.
   */
  void start(boolean bootstrap) {
    try {
      GroupSession s = host.resumePlace();
      if (s == null && bootstrap) {
        s = host.bootstrapFirst(joinRequestId);
      }
      if (s != null) {
        enter(s);
        return;
      }
      look(Looking.WAITING, null, host.now());
    } catch (GroupRefusedException e) {
      refused(e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("could not enter the group", e);
      left("could not enter the group: " + e.getMessage(), true);
    }
  }

  /** Time passed: a retirement, a join or a round may be due. */
  void tick() {
    long now = host.now();
    GroupSession r = retiring;
    if (phase == Phase.RETIRING && r != null) {
      if (r.retired()) {
        LOG.debug("member {} stops serving as an acceptor: the group's checkpoints passed slot {}", memberId,
            r.retireUntil());
        finish(r);
      } else if (now - retireDeadline >= 0) {
        LOG.warn("member {} stopped serving as an acceptor before slot {}, where the group stops counting it",
            memberId, r.retireUntil());
        finish(r);
      }
    }
    if (phase == Phase.LEAVING && now - leaveDeadline > 0) {
      stayInGroup(current);
    }
    if (phase == Phase.JOINING && now - joinDeadline > 0) {
      phase = Phase.LOOKING; // unanswered: the view change may still apply, and the same request id finds it
      failedRound();
    }
    if (phase == Phase.LOOKING && !closing && now - nextRound >= 0) {
      round();
    }
    if (phase == Phase.IN && !closing) {
      checkPlaceTakenUp(now);
    }
  }

  /** The session ended (its end listener, handed to this thread): tear it down, then look again or stop. */
  void ended(GroupSession s, String reason, boolean involuntary) {
    if (s != current) {
      return;
    }
    current = null;
    if (s.placeKept()) {
      places.detach(); // it lost its majority: its acceptor state may be needed, the place stays
    } else {
      places.clear(); // out of the group: a restart must not take this place up again
    }
    // Their outcome is unknown here now; the group may still commit them.
    pipeline.failAll(new GroupUnavailableException("member " + memberId + " left the group before the"
        + " transaction's outcome was known here (" + reason + "); it may have committed: check before retrying"));
    host.out(s, reason, involuntary);
    endReason = reason;
    endInvoluntary = involuntary;
    if (s.retired()) {
      finish(s);
      return;
    }
    // Removed from the view, it answers as an acceptor until the configuration without it takes
    // effect and the members that go on delivered past it: leaving at once could cost them their
    // quorum for the slots in between, or a decision only this member still holds (the whole-group
    // simulator found groups stuck both ways).
    LOG.debug("member {} serves as an acceptor until slot {}, where the group stops counting it", memberId,
        s.retireUntil());
    phase = Phase.RETIRING;
    retiring = s;
    retireDeadline = host.now() + settings.retireTimeout();
  }

  /** A join asked with {@code attempt} was answered: {@code start} starts the session it was given. */
  void joinAnswered(int attempt, Supplier<GroupSession> start) {
    if (phase != Phase.JOINING || attempt != joinAttempts) {
      return; // answered too late: this member asked again, or is in a group already
    }
    enter(start.get());
  }

  /** A join asked with {@code attempt} failed: look again. */
  void joinFailed(int attempt) {
    if (phase == Phase.JOINING && attempt == joinAttempts) {
      phase = Phase.LOOKING;
      failedRound();
    }
  }

  /** Refused for good (a divergent or errant history): the exit state action, and no more rounds. */
  void refused(String why) {
    refusal = why;
    LOG.error("member {} cannot join the group: {}", memberId, why);
    exit(why);
  }

  /** An operator asked to resume the group from this member (cohort cluster force-bootstrap). */
  void force() {
    forceRequested = true;
  }

  /**
   * An operator forces the group's membership from this member (cohort cluster force-members,
   * its plan accepted): it leaves {@code s}, its minority session, if it is still in it, and
   * once out it resumes the group under a new epoch at its first round instead of taking its
   * place up again (which would put it back in the minority). Out of the session already (or
   * still retiring from it), it resumes at its next round.
   */
  void forceMembership(GroupSession s, String why) {
    forceOnceOut = true;
    if (s != null && !s.ended()) {
      s.endKeepingPlace(why);
    } else {
      forceRequested = true;
    }
  }

  /** An operator started group replication again on a member that left it (it looks like a restarted one). */
  void rejoin() {
    if (phase == Phase.STOPPED && refusal == null && !closing) {
      look(Looking.WAITING, null, host.now());
    }
  }

  /**
   * The member shuts down (cohort down, SIGTERM): it leaves the group it is in, answers as an
   * acceptor until the group no longer counts it, and stops; or, when it cannot leave (alone, or
   * the leave is not ordered in time), stops in the group, keeping its place for a restart.
   * Out of the group, it stops looking for it at once.
   */
  void shutdown() {
    closing = true;
    if (phase == Phase.IN) {
      phase = Phase.LEAVING;
      leaveDeadline = host.now() + settings.leaveTimeout();
      host.leave(current);
    } else if (phase != Phase.RETIRING && phase != Phase.LEAVING) {
      phase = Phase.STOPPED;
      waiting = false;
    }
  }

  /** The leave asked by {@link #shutdown} was ordered ({@code applied}: the view without it applied) or not. */
  void leaveAnswered(GroupSession s, boolean applied) {
    if (phase == Phase.LEAVING && s == current && !applied) {
      stayInGroup(s);
    }
    // Applied: the session ends with the view that removes this member, through ended().
  }

  /** Shutting down without having left: the place stays on disk and a restart takes it up again. */
  private void stayInGroup(GroupSession s) {
    LOG.info("member {} could not leave the group; a restart takes its place up again", memberId);
    current = null;
    places.detach();
    pipeline.failAll(new GroupUnavailableException("member " + memberId + " is shutting down; the"
        + " transaction's outcome is unknown: check before retrying"));
    host.out(s, "shut down in the group", false);
    s.end("left the group (shutdown)", false); // its end comes back through ended(), for a session no longer current
    host.stop(s);
    phase = Phase.STOPPED;
  }

  // ---- what status reads (any thread) ----

  String offState() {
    return offState;
  }

  String stateReason() {
    return stateReason;
  }

  boolean offlineMode() {
    return offlineMode;
  }

  /** Out of the group and looking for it: it counts as waiting for its group to resume. */
  boolean waiting() {
    return waiting;
  }

  /** The ended session still serving as an acceptor, or null. */
  GroupSession retiring() {
    return retiring;
  }

  Phase phase() {
    return phase;
  }

  /** What this member says of itself to a probe, given the session it runs (null: none). */
  GroupRestart.State probeState(GroupSession s) {
    return s != null && !s.ended() && !s.recovering() ? GroupRestart.State.IN_GROUP
        : waiting ? GroupRestart.State.WAITING : GroupRestart.State.OTHER;
  }

  // ---- rules ----

  private void enter(GroupSession s) {
    current = s;
    phase = Phase.IN;
    waiting = false;
    stateReason = "";
    // From here on this member runs the id it was given: a later join is a new member's.
    joinRequestId = host.newRequestId();
    host.entered(s);
  }

  /**
   * A place taken up again is not confirmed until the group decides something with it, and the
   * group may have removed this member while it was away (expelled after a few seconds down). It
   * used to find out only at its unreachable-majority timeout (10 s). Once a majority of its view
   * refuses it as not one of their peers, so that the sessions they run do not count on it, not
   * even as a removed member still serving as an acceptor, it asks the group each round, and on
   * the decision a member out with its place kept would take ({@link GroupRestart#decide}: the
   * group removed it, or went on in a later epoch) leaves keeping its place; the next round gives
   * the place up and joins as a new member, as after the timeout. Not on the reports alone: a peer
   * that took its own place up again may know the view that removed this member while it still
   * runs the one before, and need this member's acceptor state (whole-group simulator, orderly
   * stop, seed 102).
   */
  private void checkPlaceTakenUp(long now) {
    GroupSession s = current;
    if (s == null || now - nextPlaceCheck < 0 || !s.unconfirmedAndRefused()) {
      return;
    }
    nextPlaceCheck = now + settings.roundEvery();
    Collection<GroupRestart.Report> heard = host.probe();
    if (heard != null && GroupRestart.decide(host.selfReport(), heard) instanceof GroupRestart.GiveUpPlace g) {
      String why = "took its kept place up again, but the group went on without it: " + g.reason();
      host.leftUnconfirmedPlace(why);
      s.endKeepingPlace(why);
    }
  }

  private void finish(GroupSession s) {
    retiring = null;
    host.stop(s);
    left(endReason, endInvoluntary);
  }

  /** Out of the group: look for it again when it was involuntary, else stay OFFLINE. */
  private void left(String reason, boolean involuntary) {
    phase = Phase.STOPPED;
    if (refusal != null) {
      return; // refused for good: the exit state action has been taken
    }
    stateReason = reason; // before the state: Status reads the state first, then the reason
    offState = involuntary ? "ERROR" : "OFFLINE";
    if (!involuntary || closing) {
      return;
    }
    if (places.load() != null) {
      // The group may need this member's acceptor state to resume: it looks for as long as it
      // takes, as a restarted member does, and takes its place up again or gives it up once the
      // group went on without it.
      LOG.info("member {}: {}; it keeps its place in the group and takes it up again once the group runs or a"
          + " majority of its view is back", memberId, reason);
      look(Looking.WAITING, reason, host.now());
      return;
    }
    rejoinAttempt = 0;
    if (settings.autoRejoinTries() <= 0) {
      exit(reason);
      return;
    }
    look(Looking.AUTO_REJOIN, reason, host.now() + settings.autoRejoinInterval());
  }

  private void look(Looking how, String reason, long at) {
    phase = Phase.LOOKING;
    looking = how;
    lookingReason = reason;
    nextRound = at;
    waiting = true; // while it looks, it waits like a restarted member: it may be one the group needs to resume
    if (how == Looking.WAITING) {
      forceRequested = forceOnceOut;
      forceOnceOut = false;
    }
  }

  /** One round of looking for the group: probe, decide, and join, resume the place, or resume the group. */
  private void round() {
    String context = lookingReason;
    if (looking == Looking.AUTO_REJOIN) {
      rejoinAttempt++;
      context = lookingReason + "; auto-rejoin attempt " + rejoinAttempt + " of " + settings.autoRejoinTries();
      stateReason = context;
      LOG.info("member {}: {}", memberId, context);
    }
    try {
      Collection<GroupRestart.Report> heard = host.probe();
      if (heard == null) {
        failedRound();
        return;
      }
      GroupRestart.Report self = host.selfReport();
      boolean forced = forceRequested;
      GroupRestart.Decision d = forced
          ? new GroupRestart.Resume(maxEpoch(self, heard) + 1, "resuming the group here: forced by an operator")
          : GroupRestart.decide(self, heard);
      if (d instanceof GroupRestart.GiveUpPlace g) {
        LOG.warn("member {} gives up the place it kept in its group: {}; it joins as a new member", memberId,
            g.reason());
        places.clear();
        host.gaveUpPlace(g.reason());
        d = GroupRestart.decide(host.selfReport(), heard);
      }
      String reason = context == null ? d.reason() : context + "; " + d.reason();
      if (!reason.equals(stateReason)) {
        LOG.info("member {}: {}", memberId, reason);
      }
      stateReason = reason;
      GroupSession s = null;
      if (d instanceof GroupRestart.Join j) {
        phase = Phase.JOINING;
        int attempt = ++joinAttempts;
        joinDeadline = host.now() + settings.joinTimeout();
        host.join(j.memberIds(), joinRequestId, attempt);
        return; // answered through joinAnswered or joinFailed, perhaps already
      } else if (d instanceof GroupRestart.ResumePlace) {
        s = host.resumePlace();
      } else if (d instanceof GroupRestart.Resume r) {
        forceRequested = false;
        forceOnceOut = false;
        s = host.bootstrap(r.epoch(), forced ? "resumed (forced by an operator)" : "resumed after an outage");
      }
      if (s != null) {
        enter(s);
      } else {
        failedRound();
      }
    } catch (GroupRefusedException e) {
      refused(e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("member {} could not enter the group: {}", memberId, e.toString());
      if (phase == Phase.JOINING) {
        phase = Phase.LOOKING;
      }
      failedRound();
    }
  }

  /** The round did not bring this member into the group: the next one, or the exit state action. */
  private void failedRound() {
    if (phase != Phase.LOOKING) {
      return;
    }
    if (looking == Looking.AUTO_REJOIN) {
      if (rejoinAttempt >= settings.autoRejoinTries()) {
        exit(lookingReason + "; auto-rejoin gave up after " + settings.autoRejoinTries() + " attempts");
        return;
      }
      nextRound = host.now() + settings.autoRejoinInterval();
    } else {
      nextRound = host.now() + settings.roundEvery();
    }
  }

  private static long maxEpoch(GroupRestart.Report self, Collection<GroupRestart.Report> heard) {
    long e = self.epoch();
    for (GroupRestart.Report r : heard) {
      e = Math.max(e, Math.max(r.epoch(), r.viewEpoch()));
    }
    return e;
  }

  /**
   * Out for good: the reason is set before the state, because Status reads the state first and
   * the reason after (a member once showed ERROR with the reason "starting").
   */
  private void exit(String reason) {
    phase = Phase.STOPPED;
    waiting = false;
    switch (settings.exitAction()) {
      case READ_ONLY -> {
        stateReason = reason + " (exit-state-action READ_ONLY: reads only)";
        offState = "ERROR";
      }
      case OFFLINE_MODE -> {
        offlineMode = true;
        stateReason = reason + " (exit-state-action OFFLINE_MODE: no client requests)";
        offState = "OFFLINE";
      }
      case ABORT_SERVER -> {
        stateReason = reason + " (exit-state-action ABORT_SERVER)";
        offState = "ERROR";
        LOG.error("member {} stops: {}", memberId, stateReason);
        host.abortServer();
      }
    }
    LOG.warn("member {} is {}: {}", memberId, offState, stateReason);
  }
}
