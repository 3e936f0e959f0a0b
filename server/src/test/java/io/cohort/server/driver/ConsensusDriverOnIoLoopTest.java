package io.cohort.server.driver;

/**
 * Every test of {@link ConsensusDriverTest} again, with each driver running its turns on its
 * transport's I/O thread ({@link io.cohort.server.transport.Transport#ioLoop}), as a member on
 * the gRPC transport does: turns are tasks there, split around the network writes.
 */
class ConsensusDriverOnIoLoopTest extends ConsensusDriverTest {

  @Override
  boolean onIoLoops() {
    return true;
  }
}
