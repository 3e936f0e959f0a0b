package io.cohort.server.replica;

import io.cohort.server.apply.AppliedData;
import io.cohort.server.apply.Applier;
import io.cohort.server.apply.DataSnapshot;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.model.Table;
import io.cohort.server.storage.ReadView;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A multi-source replica's data as clients read it: every channel's tables (each read in the store
 * of the channel it comes from; a name two channels hold is the earlier channel's), and one
 * gtid_executed holding every channel's GTIDs. A snapshot is consistent within each channel; the
 * channels replicate independent groups, so nothing orders one's transactions against another's.
 */
public final class JoinedData implements AppliedData {
  private final Applier mainApplier;
  private final List<ReplicaChannel> channels;

  /** The member's own applier (the default channel) and the named channels, in order. */
  public JoinedData(Applier mainApplier, List<ReplicaChannel> channels) {
    this.mainApplier = mainApplier;
    this.channels = List.copyOf(channels);
  }

  /** Each channel's catalog: the default channel's first, then the named ones in order. */
  static List<Catalog> catalogs(Applier mainApplier, List<ReplicaChannel> channels) {
    List<Catalog> parts = new ArrayList<>(channels.size() + 1);
    parts.add(mainApplier.catalog());
    for (ReplicaChannel c : channels) {
      parts.add(c.applier().catalog());
    }
    return parts;
  }

  @Override
  public DataSnapshot snapshot() {
    DataSnapshot first = mainApplier.snapshot();
    List<DataSnapshot> others = new ArrayList<>(channels.size());
    try {
      for (ReplicaChannel c : channels) {
        others.add(c.applier().snapshot());
      }
    } catch (RuntimeException e) {
      first.close();
      others.forEach(DataSnapshot::close);
      throw e;
    }
    List<Catalog> parts = new ArrayList<>(others.size() + 1);
    parts.add(first.catalog());
    GtidSet executed = GtidSet.parse(first.gtidExecuted());
    Map<Table, ReadView> elsewhere = new IdentityHashMap<>();
    for (DataSnapshot s : others) {
      parts.add(s.catalog());
      executed = executed.union(GtidSet.parse(s.gtidExecuted()));
      for (Table t : s.catalog().tables()) {
        elsewhere.put(t, s.view());
      }
    }
    Catalog joined = Catalog.union(parts, (left, kept) -> { });
    return new DataSnapshot(first.view(), first.seqno(), executed.toString(), joined, elsewhere);
  }

  @Override
  public Catalog catalog() {
    return Catalog.union(catalogs(mainApplier, channels), (left, kept) -> { });
  }

  @Override
  public GtidSet executed() {
    GtidSet all = mainApplier.executed();
    for (ReplicaChannel c : channels) {
      all = all.union(c.applier().executed());
    }
    return all;
  }

  @Override
  public long lastApplied() {
    return mainApplier.lastApplied();
  }
}
