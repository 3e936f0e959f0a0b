package io.cohort.server.transport;

import io.cohort.server.config.IpAllowlist;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits group connections (peer streams on the group port; join, probes and clone on the client
 * port) only from addresses in the member's {@link IpAllowlist}. A refused address gets
 * PERMISSION_DENIED and is logged once, with the reason.
 */
public final class AllowlistCheck implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(AllowlistCheck.class);

  private final IpAllowlist allowlist;
  private final String memberId;
  private final DistinctReasons logged = new DistinctReasons(1024);

  public AllowlistCheck(IpAllowlist allowlist, String memberId) {
    this.allowlist = allowlist;
    this.memberId = memberId;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return next.startCall(call, headers); // not a network connection (in-process)
    }
    if (allowlist.allows(inet.getAddress())) {
      return next.startCall(call, headers);
    }
    String who = inet.getAddress().getHostAddress();
    if (logged.isNew(who)) {
      LOG.warn("member {} refused a group connection from {} ({}): the address is not in ip-allowlist {}", memberId,
          who, call.getMethodDescriptor().getFullMethodName(), allowlist);
    }
    call.close(Status.PERMISSION_DENIED.withDescription("member " + memberId + " takes no group connections from "
        + who + ": the address is not in its ip-allowlist"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
