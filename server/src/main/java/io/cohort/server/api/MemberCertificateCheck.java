package io.cohort.server.api;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Admits a call only from a caller that showed a certificate in the TLS handshake, which the
 * handshake already checked against the member's CA. Guards the services members call on each
 * other's client port (join, probes, clone) while client certificates are optional for clients.
 */
public final class MemberCertificateCheck implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!hasPeerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))) {
      call.close(Status.UNAUTHENTICATED.withDescription(call.getMethodDescriptor().getFullMethodName()
          + " is for members of the group: call it with a certificate that the group's CA (tls-ca) signed"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  static boolean hasPeerCertificate(SSLSession session) {
    if (session == null) {
      return false;
    }
    try {
      return session.getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }
}
