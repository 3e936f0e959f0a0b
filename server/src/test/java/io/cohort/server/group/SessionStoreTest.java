package io.cohort.server.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.GroupState;
import io.cohort.proto.SessionCheckpoint;
import org.junit.jupiter.api.Test;

class SessionStoreTest {

  /** An in-memory cell that counts writes (MemberLifecycleTest keeps its places on one too). */
  static final class Disk implements SessionStore.Cell {
    byte[] value;
    int writes;

    @Override
    public byte[] get() {
      return value;
    }

    @Override
    public void put(byte[] v) {
      value = v;
      writes++;
    }

    @Override
    public void clear() {
      value = null;
    }
  }

  private static GroupState at(long epoch, long frontier, long certified) {
    return GroupState.newBuilder().setGroupUuid("g").setEpoch(epoch).setFrontier(frontier)
        .setCertifiedSeqno(certified).build();
  }

  /**
   * A joiner keeps its place from the moment it is admitted, RECOVERING, with the state it was
   * admitted with, and the applier keeps syncing meanwhile; the first checkpoint written once it
   * is ONLINE replaces that place.
   */
  @Test
  void aJoinerKeepsItsPlaceAtOnceUntilItsFirstCheckpointReplacesIt() {
    Disk disk = new Disk();
    boolean[] held = {false};
    SessionStore places = new SessionStore(disk, h -> held[0] = h);
    places.begin(2, 4);
    places.keepJoin(3, at(2, 50, 10)); // another session's id: nothing
    assertThat(disk.value).isNull();
    places.keepJoin(4, at(2, 50, 10));
    SessionCheckpoint kept = places.load();
    assertThat(kept.getRecovering()).isTrue();
    assertThat(kept.getConsensusId()).isEqualTo(4);
    assertThat(kept.getState().getFrontier()).isEqualTo(50);
    places.everyoneOnline(true);
    assertThat(held[0]).as("the applier syncs while the place is the join's").isFalse();
    places.offer(4, at(2, 80, 25));
    assertThat(places.persistIfApplied(25)).isNotNull();
    assertThat(places.load().getRecovering()).isFalse();
    assertThat(places.load().getState().getFrontier()).isEqualTo(80);
  }

  @Test
  void aPlaceIsWrittenOnlyOnceEverythingCertifiedBeforeItIsApplied() {
    Disk disk = new Disk();
    SessionStore places = new SessionStore(disk);
    places.begin(1, 2);
    places.offer(2, at(1, 100, 40));

    assertThat(places.persistIfApplied(39)).isNull();
    assertThat(places.load()).isNull();

    SessionCheckpoint cp = places.persistIfApplied(40);
    assertThat(cp.getConsensusId()).isEqualTo(2);
    assertThat(places.load().getState().getFrontier()).isEqualTo(100);
  }

  @Test
  void anApplierThatAlwaysTrailsStillGetsPlacesWritten() {
    // Each offer is ahead of what is applied when the next one comes: the older places must be
    // written as the applier reaches them, not replaced by newer ones forever.
    Disk disk = new Disk();
    SessionStore places = new SessionStore(disk);
    places.begin(1, 0);
    long applied = 0;
    for (long i = 1; i <= 200; i++) {
      places.offer(0, at(1, i * 10, i * 5));
      applied = (i - 1) * 5; // one offer behind
      places.persistIfApplied(applied);
    }
    assertThat(places.load().getState().getCertifiedSeqno()).isEqualTo(applied);
    assertThat(places.load().getState().getFrontier()).isEqualTo(1990);
  }

  @Test
  void whatIsWaitingStaysBoundedAndTheOldestIsWrittenFirst() {
    Disk disk = new Disk();
    SessionStore places = new SessionStore(disk);
    places.begin(1, 0);
    for (long i = 1; i <= 10 * SessionStore.MAX_PENDING; i++) {
      places.offer(0, at(1, i, i));
    }
    assertThat(places.persistIfApplied(1).getState().getFrontier()).isEqualTo(1);
    // Once everything is applied, the newest offered is written.
    assertThat(places.persistIfApplied(Long.MAX_VALUE).getState().getFrontier())
        .isEqualTo(10 * SessionStore.MAX_PENDING);
  }

  @Test
  void anOlderOrEqualPlaceIsIgnored() {
    Disk disk = new Disk();
    SessionStore places = new SessionStore(disk);
    places.begin(1, 0);
    places.offer(0, at(1, 50, 10));
    places.offer(0, at(1, 50, 11));
    places.offer(0, at(1, 40, 9));
    assertThat(places.persistIfApplied(100).getState().getCertifiedSeqno()).isEqualTo(10);
    assertThat(disk.writes).isEqualTo(1);
  }

  @Test
  void onceClearedNothingOfThatSessionIsWrittenAgain() {
    Disk disk = new Disk();
    SessionStore places = new SessionStore(disk);
    places.begin(3, 1);
    places.offer(1, at(3, 10, 1));
    places.persistIfApplied(1);
    places.offer(1, at(3, 20, 2));

    places.clear();
    assertThat(places.load()).isNull();
    places.offer(1, at(3, 30, 3)); // a late delivery of the session that ended
    assertThat(places.persistIfApplied(100)).isNull();
    assertThat(places.load()).isNull();
  }

  @Test
  void anotherSessionsPlacesAreIgnored() {
    Disk disk = new Disk();
    SessionStore places = new SessionStore(disk);
    places.begin(2, 4);
    places.offer(3, at(2, 10, 1)); // another consensus id
    places.offer(4, at(1, 10, 1)); // an older epoch
    assertThat(places.persistIfApplied(100)).isNull();
    places.offer(4, at(2, 10, 1));
    assertThat(places.persistIfApplied(100)).isNotNull();
  }
}
