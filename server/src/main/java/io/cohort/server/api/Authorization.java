package io.cohort.server.api;

import io.cohort.server.auth.Account;
import io.cohort.server.auth.Accounts;
import io.cohort.server.auth.BasicCredentials;
import io.cohort.server.auth.Privilege;
import io.cohort.server.model.DbException;
import io.cohort.server.model.ErrorCode;
import io.cohort.server.model.Shown;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Admits a call on the client port only from a user with the privilege it needs (see
 * cohort_service.proto), and keeps the user in the call's context for what is checked per
 * statement ({@link #require}). With accounts off it admits everything.
 */
public final class Authorization implements ServerInterceptor {
  private static final Context.Key<Account> ACCOUNT = Context.key("cohort-account");
  private static final String SERVICE = "cohort.v1.CohortService/";

  private final Accounts accounts;
  private final boolean memberServices;

  private Authorization(Accounts accounts, boolean memberServices) {
    this.accounts = accounts;
    this.memberServices = memberServices;
  }

  /** For the client API: each method's privilege. */
  public static Authorization clientApi(Accounts accounts) {
    return new Authorization(accounts, false);
  }

  /**
   * For the services members call on each other: REPLICATION, or a certificate that the
   * group's CA signed (the TLS handshake checked it).
   */
  public static Authorization memberServices(Accounts accounts) {
    return new Authorization(accounts, true);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!accounts.enabled()) {
      return next.startCall(call, headers);
    }
    String method = call.getMethodDescriptor().getFullMethodName();
    if (memberServices && MemberCertificateCheck.hasPeerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))) {
      return next.startCall(call, headers);
    }
    Account account;
    try {
      account = authenticate(headers);
      Privilege needed = memberServices ? Privilege.REPLICATION : required(method);
      if (needed != null && !account.may(needed)) {
        throw denied(account, needed, shortName(method));
      }
    } catch (DbException e) {
      call.close(Errors.toStatus(e).getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(ACCOUNT, account), call, headers, next);
  }

  private Account authenticate(Metadata headers) {
    BasicCredentials c;
    try {
      c = BasicCredentials.from(headers);
    } catch (IllegalArgumentException e) {
      throw new DbException(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    if (c == null) {
      throw new DbException(ErrorCode.UNAUTHENTICATED, "this member requires a user (auth is on): send one"
          + " (cohort --user NAME with COHORT_PASSWORD; ClientOptions.Builder.credentials(user, password))");
    }
    return accounts.authenticate(c.user(), c.password());
  }

  /** The privilege a client API method needs beyond a user (null: none; statements are checked one by one). */
  static Privilege required(String fullMethod) {
    if (!fullMethod.startsWith(SERVICE)) {
      return Privilege.ADMIN;
    }
    return switch (fullMethod.substring(SERVICE.length())) {
      case "Begin", "Execute", "Commit", "Rollback", "Status" -> null;
      case "DescribeTable", "ListTables" -> Privilege.READ;
      case "CreateTable", "DropTable", "CreateUniqueKey", "DropUniqueKey" -> Privilege.DDL;
      case "ReadLog", "ReplicaAck" -> Privilege.REPLICATION;
      default -> Privilege.ADMIN; // group actions, forced restarts, accounts, and anything added later
    };
  }

  /**
   * Throws PERMISSION_DENIED unless the call's user holds {@code p} (with accounts off there is
   * no user, and everything is allowed).
   *
   * @param what the statement, as the message names it
   */
  static void require(Privilege p, String what) {
    Account a = ACCOUNT.get();
    if (a != null && !a.may(p)) {
      throw denied(a, p, what);
    }
  }

  private static DbException denied(Account a, Privilege p, String what) {
    return new DbException(ErrorCode.PERMISSION_DENIED, "user '" + Shown.of(a.name()) + "' lacks the " + p
        + " privilege, which " + what + " needs (an administrator grants it: cohort user alter "
        + Shown.of(a.name()) + " --grant " + p + "); nothing was done");
  }

  private static String shortName(String fullMethod) {
    int slash = fullMethod.lastIndexOf('/');
    return slash < 0 ? fullMethod : fullMethod.substring(slash + 1);
  }
}
