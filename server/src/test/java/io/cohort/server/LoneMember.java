package io.cohort.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.CohortServiceGrpc;
import io.cohort.server.config.MemberConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;

/**
 * A real member (RocksDB, gRPC on loopback) that bootstrapped a group of its own in this JVM,
 * with a channel to its client port: what the API tests run against.
 */
public final class LoneMember implements AutoCloseable {
  public final Member member;
  public final ManagedChannel channel;
  public final CohortServiceGrpc.CohortServiceBlockingStub api;

  private LoneMember(Member member) {
    this.member = member;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", member.port()).usePlaintext().build();
    this.api = CohortServiceGrpc.newBlockingStub(channel);
  }

  /** Member m1 in {@code dir}: transactions up to 64 KiB, 100 open at most; ONLINE when this returns. */
  public static LoneMember start(Path dir) throws Exception {
    Member m = Member.start(new MemberConfig("m1", "127.0.0.1", 0, dir, "", false, 64 * 1024, 100, 60_000));
    assertThat(m.awaitOnline(30_000)).as("bootstrapped and ONLINE").isTrue();
    return new LoneMember(m);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    member.close();
  }
}
