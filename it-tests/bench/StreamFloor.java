import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;

/**
 * A file copied over one gRPC stream on this machine, with nothing else (used by floors.sh): the
 * donor streams the file in 1 MiB messages as fast as gRPC's flow control lets it; the receiver
 * writes them to a file and fdatasyncs it at the end. No checksums, no protobuf, no checkpoint.
 *
 *   java -cp ... StreamFloor.java donor PORT FILE
 *   java -cp ... StreamFloor.java receive PORT OUT_FILE     -- prints MB/s, JVM start included
 */
public class StreamFloor {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] v) {
      return new ByteArrayInputStream(v);
    }

    @Override
    public byte[] parse(InputStream in) {
      try {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  static final MethodDescriptor<byte[], byte[]> FETCH = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("floor/fetch")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  public static void main(String[] a) throws Exception {
    if (a[0].equals("donor")) {
      donor(Integer.parseInt(a[1]), Path.of(a[2]));
    } else {
      receive(Integer.parseInt(a[1]), Path.of(a[2]));
    }
  }

  private static void donor(int port, Path file) throws Exception {
    Server s = NettyServerBuilder.forPort(port).addService(ServerServiceDefinition.builder("floor")
        .addMethod(FETCH, ServerCalls.asyncServerStreamingCall((byte[] req, StreamObserver<byte[]> obs) -> {
          ServerCallStreamObserver<byte[]> o = (ServerCallStreamObserver<byte[]>) obs;
          try {
            FileChannel ch = FileChannel.open(file);
            o.setOnReadyHandler(() -> {
              try {
                while (o.isReady()) {
                  ByteBuffer b = ByteBuffer.allocate(1 << 20);
                  int n = ch.read(b);
                  if (n <= 0) {
                    ch.close();
                    o.onCompleted();
                    return;
                  }
                  o.onNext(n == b.capacity() ? b.array() : Arrays.copyOf(b.array(), n));
                }
              } catch (IOException e) {
                o.onError(e);
              }
            });
          } catch (IOException e) {
            o.onError(e);
          }
        })).build()).build().start();
    s.awaitTermination();
  }

  private static void receive(int port, Path out) throws IOException {
    long start = ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(System.currentTimeMillis());
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .maxInboundMessageSize(4 << 20).build();
    long bytes = 0;
    try (FileChannel f = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(c, FETCH, CallOptions.DEFAULT, new byte[0]);
      while (it.hasNext()) {
        byte[] b = it.next();
        f.write(ByteBuffer.wrap(b));
        bytes += b.length;
      }
      f.force(true);
    }
    double s = (System.currentTimeMillis() - start) / 1e3;
    System.out.printf("grpc stream: %d MB in %.2f s, %.0f MB/s%n", bytes >> 20, s, bytes / 1e6 / s);
    c.shutdownNow();
  }
}
