package io.cohort.server.api;

import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What the client port does with requests it cannot take as they are sent.
 *
 * <ul>
 *   <li>A request whose bytes are not its message is refused with INVALID_ARGUMENT, saying so
 *       ({@link #guard}). Left to gRPC, it got UNKNOWN ("Application error processing RPC").
 *   <li>No status leaves with a description longer than {@value #MAX_DESCRIPTION} characters
 *       (the interceptor). A client refuses trailers over its metadata limit (8 KiB by default)
 *       and then sees only INTERNAL "http2 exception", not what was wrong. Messages quote what a
 *       client sent cut short themselves ({@link io.cohort.server.model.Shown}); this is the
 *       bound for any that does not.
 * </ul>
 */
public final class RequestGuard implements ServerInterceptor {
  static final int MAX_DESCRIPTION = 1000;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        super.close(bounded(status), trailers);
      }
    }, headers);
  }

  static Status bounded(Status s) {
    String d = s.getDescription();
    if (d == null || d.length() <= MAX_DESCRIPTION) {
      return s;
    }
    int end = Character.isHighSurrogate(d.charAt(MAX_DESCRIPTION - 1)) ? MAX_DESCRIPTION - 1 : MAX_DESCRIPTION;
    return s.withDescription(d.substring(0, end) + "…");
  }

  /** {@code service}, with every request that does not parse refused with INVALID_ARGUMENT. */
  public static ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor sd = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(sd.getName())
        .setSchemaDescriptor(sd.getSchemaDescriptor()); // server reflection finds the service by it
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> g = guarded(m);
      methods.add(g);
      descriptor.addMethod(g.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> m : methods) {
      out.addMethod(m);
    }
    return out.build();
  }

  private static <Q, R> ServerMethodDefinition<Q, R> guarded(ServerMethodDefinition<Q, R> def) {
    MethodDescriptor<Q, R> md = def.getMethodDescriptor();
    if (!(md.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> p)
        || !(p.getMessagePrototype() instanceof MessageLite prototype)) {
      return def;
    }
    @SuppressWarnings("unchecked")
    Q malformed = (Q) prototype.toBuilder().build(); // an instance of its own: what no parse returns
    String type = prototype instanceof Message m ? m.getDescriptorForType().getFullName()
        : prototype.getClass().getSimpleName();
    MethodDescriptor<Q, R> guardedMd = md.toBuilder(new Parse<>(p, malformed), md.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = def.getServerCallHandler();
    return ServerMethodDefinition.create(guardedMd,
        (call, headers) -> new Refusing<>(handler.startCall(call, headers), call, malformed, type));
  }

  /** The method's own parser, but a request that does not parse becomes {@code malformed}. */
  private record Parse<Q>(MethodDescriptor.PrototypeMarshaller<Q> inner, Q malformed)
      implements MethodDescriptor.PrototypeMarshaller<Q> {
    @Override
    public InputStream stream(Q value) {
      return inner.stream(value);
    }

    @Override
    public Q parse(InputStream stream) {
      try {
        return inner.parse(stream);
      } catch (RuntimeException e) {
        return malformed;
      }
    }

    @Override
    public Q getMessagePrototype() {
      return inner.getMessagePrototype();
    }

    @Override
    public Class<Q> getMessageClass() {
      return inner.getMessageClass();
    }
  }

  /** Closes the call with INVALID_ARGUMENT on a malformed request; the service never sees it. */
  private static final class Refusing<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, R> call;
    private final Q malformed;
    private final String type;
    private boolean refused;

    Refusing(ServerCall.Listener<Q> delegate, ServerCall<Q, R> call, Q malformed, String type) {
      super(delegate);
      this.call = call;
      this.malformed = malformed;
      this.type = type;
    }

    @Override
    public void onMessage(Q message) {
      if (refused) {
        return;
      }
      if (message == malformed) {
        refused = true;
        call.close(Status.INVALID_ARGUMENT.withDescription("the request is not a valid " + type
            + " message (malformed protobuf bytes)"), new Metadata());
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }
  }
}
