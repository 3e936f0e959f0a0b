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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this machine allows with Java gRPC on loopback and nothing of Cohort (used by floors.sh).
 *
 * <p>commit: the least a majority-durable commit can cost. A client calls a leader; the leader
 * appends the 200-byte request to its own file and fdatasyncs it while it sends the request to two
 * followers, each of which appends, fdatasyncs and answers; the leader answers once its own sync
 * and one follower's answer are in. That is what any such commit must do (Cohort's, etcd's), with
 * no consensus state, no database and no parsing. With NOSYNC set in the environment the
 * processes skip the fdatasync: the hops alone.
 *
 * <p>stream: a file copied over one gRPC stream, with nothing else. The donor streams the file in
 * 1 MiB messages as fast as gRPC's flow control lets it; the receiver writes them to a file and
 * fdatasyncs it at the end. No checksums, no protobuf, no checkpoint.
 *
 *   java -cp ... Floors.java commit follower PORT DIR
 *   java -cp ... Floors.java commit leader PORT DIR FOLLOWER_PORT...
 *   java -cp ... Floors.java commit client PORT COMMITS      -- prints p5/p50/p90/p99 in ms
 *   java -cp ... Floors.java stream donor PORT FILE
 *   java -cp ... Floors.java stream receive PORT OUT_FILE    -- prints MB/s, JVM start included
 */
public class Floors {
  public static void main(String[] a) throws Exception {
    String[] rest = java.util.Arrays.copyOfRange(a, 1, a.length);
    switch (a[0]) {
      case "commit" -> commit(rest);
      case "stream" -> stream(rest);
      default -> throw new IllegalArgumentException("commit or stream, not " + a[0]);
    }
  }

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
  static final MethodDescriptor<byte[], byte[]> CALL = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("floor/commit")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  /** An append-only file, synced after each append unless NOSYNC is set. */
  static final class Log {
    private final FileChannel ch;
    private final boolean sync = System.getenv("NOSYNC") == null;

    Log(Path p) throws IOException {
      ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    synchronized void append(byte[] b) throws IOException {
      ch.write(ByteBuffer.wrap(b));
      if (sync) {
        ch.force(false);
      }
    }
  }

  private static void commit(String[] a) throws Exception {
    switch (a[0]) {
      case "follower" -> serve(Integer.parseInt(a[1]), new Log(Path.of(a[2], "follower.log")), List.of());
      case "leader" -> {
        List<ManagedChannel> followers = new ArrayList<>();
        for (int i = 3; i < a.length; i++) {
          followers.add(NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(a[i])).usePlaintext()
              .directExecutor().build());
        }
        serve(Integer.parseInt(a[1]), new Log(Path.of(a[2], "leader.log")), followers);
      }
      case "client" -> client(Integer.parseInt(a[1]), Integer.parseInt(a[2]));
      default -> throw new IllegalArgumentException("follower, leader or client, not " + a[0]);
    }
  }

  /** A follower (no followers of its own) answers after its sync; a leader after its sync and one follower's. */
  private static void serve(int port, Log log, List<ManagedChannel> followers) throws Exception {
    ExecutorService disk = Executors.newSingleThreadExecutor();
    Server s = NettyServerBuilder.forPort(port).directExecutor().addService(ServerServiceDefinition.builder("floor")
        .addMethod(CALL, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> obs) -> {
          AtomicInteger need = new AtomicInteger(followers.isEmpty() ? 1 : 2);
          Runnable one = () -> {
            if (need.decrementAndGet() == 0) {
              obs.onNext(new byte[8]);
              obs.onCompleted();
            }
          };
          for (ManagedChannel f : followers) {
            ClientCalls.asyncUnaryCall(f.newCall(CALL, CallOptions.DEFAULT), req, new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] v) {
                one.run();
              }

              @Override
              public void onError(Throwable t) {
                obs.onError(t);
              }

              @Override
              public void onCompleted() {
              }
            });
          }
          disk.execute(() -> {
            try {
              log.append(req);
              one.run();
            } catch (IOException e) {
              obs.onError(e);
            }
          });
        })).build()).build().start();
    s.awaitTermination();
  }

  private static void client(int port, int commits) {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    byte[] req = new byte[200];
    new Random(1).nextBytes(req);
    for (int i = 0; i < 2000; i++) { // warm-up
      ClientCalls.blockingUnaryCall(c, CALL, CallOptions.DEFAULT, req);
    }
    long[] lat = new long[commits];
    for (int i = 0; i < commits; i++) {
      long t = System.nanoTime();
      ClientCalls.blockingUnaryCall(c, CALL, CallOptions.DEFAULT, req);
      lat[i] = System.nanoTime() - t;
    }
    Arrays.sort(lat);
    System.out.printf("commits %d p5 %.3f p50 %.3f p90 %.3f p99 %.3f ms%n", commits, lat[commits / 20] / 1e6,
        lat[commits / 2] / 1e6, lat[commits * 9 / 10] / 1e6, lat[commits * 99 / 100] / 1e6);
    c.shutdownNow();
  }

  static final MethodDescriptor<byte[], byte[]> FETCH = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("floor/fetch")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  private static void stream(String[] a) throws Exception {
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
