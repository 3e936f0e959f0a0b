package io.cohort.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link CohortClient} behaves: the per-call deadline, how
 * {@link CohortClient#transaction} retries, and which member transactions go to. Immutable;
 * start from {@link #defaults()} or {@link #builder()}.
 */
public final class ClientOptions {
  /** Which member a client sends its transactions and writes to. */
  public enum Routing {
    /**
     * Follow the group: in single-primary mode send transactions and writes to the primary
     * (learnt from a member's status and from the redirects of secondaries), and move on to
     * another member when one stops answering; in multi-primary mode stay on the first member
     * that answers. The default.
     */
    PRIMARY,
    /**
     * Always the first address given to {@link Cohort#connect}: never follow a redirect and
     * never move to another member for transactions, reads or writes (status, the log and
     * group administration may still ask the others). For benchmarks that spread clients over
     * the members of a multi-primary group.
     */
    PINNED
  }

  private final Duration deadline;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Set<ErrorCode> retryableCodes;
  private final Routing routing;
  private final Consistency consistency;
  private final Path tlsCa;
  private final Path tlsCert;
  private final Path tlsKey;
  private final String user;
  private final String password;

  private ClientOptions(Builder b) {
    this.user = b.user;
    this.password = b.password;
    this.tlsCa = b.tlsCa;
    this.tlsCert = b.tlsCert;
    this.tlsKey = b.tlsKey;
    this.consistency = b.consistency;
    this.deadline = b.deadline;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.retryableCodes = Set.copyOf(b.retryableCodes);
    this.routing = b.routing;
  }

  /**
   * The defaults: 30 s deadline, 10 attempts, backoff 5 ms to 500 ms, retry on ABORTED and UNAVAILABLE,
   * {@link Routing#PRIMARY} routing.
   *
   * @return the default options
   */
  public static ClientOptions defaults() {
    return builder().build();
  }

  /**
   * Starts from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The deadline applied to every call (for ReadLog: to the whole stream).
   *
   * @return the deadline
   */
  public Duration deadline() {
    return deadline;
  }

  /**
   * How many times {@link CohortClient#transaction} runs the body before giving up.
   *
   * @return at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The backoff before the second attempt; it doubles on each further retry.
   *
   * @return the initial backoff
   */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /**
   * The cap on the backoff between attempts.
   *
   * @return the maximum backoff
   */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /**
   * The failure codes on which {@link CohortClient#transaction} retries the whole body.
   *
   * @return an unmodifiable set
   */
  public Set<ErrorCode> retryableCodes() {
    return retryableCodes;
  }

  /**
   * Which member transactions and writes go to.
   *
   * @return the routing
   */
  public Routing routing() {
    return routing;
  }

  /** The consistency level of this client's transactions; null: each member's own setting. */
  public Consistency consistency() {
    return consistency;
  }

  /**
   * The CA certificates (PEM) the members' certificates must chain to.
   *
   * @return the file, or null when the client speaks plain text
   */
  public Path tlsCa() {
    return tlsCa;
  }

  /**
   * The certificate chain (PEM) this client shows the members.
   *
   * @return the file, or null for none
   */
  public Path tlsCert() {
    return tlsCert;
  }

  /**
   * The private key (PEM, PKCS#8) of {@link #tlsCert()}.
   *
   * @return the file, or null for none
   */
  public Path tlsKey() {
    return tlsKey;
  }

  /**
   * The user every call is sent as ({@link Builder#credentials}).
   *
   * @return the user name, or null for none
   */
  public String user() {
    return user;
  }

  /** The password of {@link #user()}; package-private so that it is never printed by accident. */
  String password() {
    return password;
  }

  /**
   * Returns a builder holding these options.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.deadline = deadline;
    b.maxAttempts = maxAttempts;
    b.initialBackoff = initialBackoff;
    b.maxBackoff = maxBackoff;
    b.retryableCodes = EnumSet.noneOf(ErrorCode.class);
    b.retryableCodes.addAll(retryableCodes);
    b.routing = routing;
    b.consistency = consistency;
    b.tlsCa = tlsCa;
    b.tlsCert = tlsCert;
    b.tlsKey = tlsKey;
    b.user = user;
    b.password = password;
    return b;
  }

  @Override
  public String toString() {
    return "ClientOptions{deadline=" + deadline + ", maxAttempts=" + maxAttempts
        + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff
        + ", retryableCodes=" + retryableCodes + ", routing=" + routing + ", consistency=" + consistency + ", tls=" + (tlsCa == null ? "off" : tlsCa) + ", user=" + (user == null ? "(none)" : user) + "}";
  }

  /** Collects {@link ClientOptions}; not thread-safe. */
  public static final class Builder {
    private Duration deadline = Duration.ofSeconds(30);
    private int maxAttempts = 10;
    private Duration initialBackoff = Duration.ofMillis(5);
    private Duration maxBackoff = Duration.ofMillis(500);
    private EnumSet<ErrorCode> retryableCodes = EnumSet.of(ErrorCode.ABORTED, ErrorCode.UNAVAILABLE);
    private Routing routing = Routing.PRIMARY;
    private Consistency consistency;
    private Path tlsCa;
    private Path tlsCert;
    private Path tlsKey;
    private String user;
    private String password;

    private Builder() {}

    /**
     * Sends this user and password with every call, for members with {@code auth on}. They
     * travel in each call's headers: use TLS ({@link #tls}) where anyone else can see the
     * traffic.
     *
     * @param user the user name
     * @param password its password
     * @return this builder
     */
    public Builder credentials(String user, String password) {
      if (user == null || user.isEmpty() || user.contains(":")) {
        throw new IllegalArgumentException("a user name is not empty and has no ':'");
      }
      this.user = user;
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /**
     * Speaks TLS to the members (their {@code client-tls} is on), trusting the certificates
     * {@code trustedCa} signed. A member's certificate must also name the address the client
     * dials (a subject alternative name), as {@code cohort certs create} writes them.
     *
     * @param trustedCa CA certificates, PEM
     * @return this builder
     */
    public Builder tls(Path trustedCa) {
      return tls(trustedCa, null, null);
    }

    /**
     * Speaks TLS and shows a client certificate, for members whose {@code client-tls} is
     * {@code require-client-cert}.
     *
     * @param trustedCa CA certificates, PEM
     * @param clientCert this client's certificate chain, PEM; null for none
     * @param clientKey its private key, PEM (PKCS#8); null exactly when {@code clientCert} is
     * @return this builder
     */
    public Builder tls(Path trustedCa, Path clientCert, Path clientKey) {
      if ((clientCert == null) != (clientKey == null)) {
        throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
      }
      this.tlsCa = Objects.requireNonNull(trustedCa, "trustedCa");
      this.tlsCert = clientCert;
      this.tlsKey = clientKey;
      return this;
    }

    /**
     * Sets the consistency level of this client's transactions (like MySQL's session
     * {@code group_replication_consistency}).
     *
     * @param consistency the level; null for each member's own {@code consistency} setting
     * @return this builder
     */
    public Builder consistency(Consistency consistency) {
      this.consistency = consistency;
      return this;
    }

    /**
     * Sets the per-call deadline.
     *
     * @param deadline a positive duration
     * @return this builder
     */
    public Builder deadline(Duration deadline) {
      this.deadline = positive(deadline, "deadline");
      return this;
    }

    /**
     * Sets how many times the transaction helper runs the body at most, and how many times an
     * autocommit write is sent while the group is unavailable (a failover).
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the backoff range: the first retry waits about {@code initial}, each further one
     * twice as long, never more than {@code max}; each wait is jittered so that clients that
     * conflicted with each other do not retry in lockstep.
     *
     * @param initial the first backoff, positive
     * @param max the cap, at least {@code initial}
     * @return this builder
     */
    public Builder backoff(Duration initial, Duration max) {
      positive(initial, "initial backoff");
      positive(max, "max backoff");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max backoff " + max + " is below initial " + initial);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Replaces the set of codes on which the transaction helper retries (default: ABORTED and
     * UNAVAILABLE). ABORTED is always safe. UNAVAILABLE lets a transaction survive the loss of
     * the primary (the retry goes to the member elected next); it is safe because every attempt
     * commits under one request id, which the group commits once (a retry of a commit that had
     * committed returns that commit). The same holds for DEADLINE_EXCEEDED. With UNAVAILABLE,
     * autocommit writes are sent again too, under their one request id, until the group elects
     * its next primary.
     *
     * @param codes the codes
     * @return this builder
     */
    public Builder retryOn(ErrorCode... codes) {
      EnumSet<ErrorCode> set = EnumSet.noneOf(ErrorCode.class);
      for (ErrorCode c : codes) {
        set.add(Objects.requireNonNull(c));
      }
      this.retryableCodes = set;
      return this;
    }

    /**
     * Sets which member transactions and writes go to.
     *
     * @param routing {@link Routing#PRIMARY} (the default) or {@link Routing#PINNED}
     * @return this builder
     */
    public Builder routing(Routing routing) {
      this.routing = Objects.requireNonNull(routing, "routing");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public ClientOptions build() {
      return new ClientOptions(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}
