package io.cohort.server.transport;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * One Netty event-loop thread ({@code cohort-peer-io-<member>}, a daemon) that carries every
 * peer stream of a {@link GrpcTransport}, in both directions, and is offered to the consensus
 * loop as its {@link IoLoop} ({@link #ioLoop}). Epoll where the platform has it, NIO otherwise.
 */
final class NettyLoop {
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final boolean epoll;
  private final IoLoop io;

  NettyLoop(int self) {
    this.epoll = Epoll.isAvailable();
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cohort-peer-io-" + self, true),
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.loop = group.next();
    this.io = IoLoop.on(loop, loop::inEventLoop);
  }

  EventLoopGroup group() {
    return group;
  }

  Class<? extends Channel> channelType() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  Class<? extends ServerChannel> serverChannelType() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The thread as the consensus loop sees it. */
  IoLoop ioLoop() {
    return io;
  }

  /** Stops the thread once the channels on it are closed; waits until {@code deadlineNanos} at most. */
  void shutdown(long deadlineNanos) throws InterruptedException {
    group.shutdownGracefully(0, 0, TimeUnit.NANOSECONDS);
    if (!loop.inEventLoop()) {
      group.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
  }
}
