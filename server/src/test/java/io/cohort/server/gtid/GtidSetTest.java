package io.cohort.server.gtid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GtidSetTest {
  static final String U = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

  @Test
  void mergesAdjacentAndOverlappingRanges() {
    GtidSet s = GtidSet.empty().add(U, 1).add(U, 3).add(U, 2).addRange(U, 5, 9).add(U, 11);
    assertThat(s.toString()).isEqualTo(U + ":1-3:5-9:11");
    assertThat(s.addRange(U, 4, 10).toString()).isEqualTo(U + ":1-11");
    assertThat(s.count()).isEqualTo(9);
    assertThat(s.last(U)).isEqualTo(11);
    assertThat(s.contains(U, 4)).isFalse();
    assertThat(s.contains(U, 7)).isTrue();
  }

  @Test
  void aUnionHoldsEveryGtidOfBoth() {
    String v = "aaaaaaaa-0000-0000-0000-000000000000";
    GtidSet a = GtidSet.empty().addRange(U, 1, 5).add(v, 2);
    GtidSet b = GtidSet.empty().addRange(U, 4, 9).addRange(v, 3, 4).add(U, 12);
    assertThat(a.union(b).toString()).isEqualTo(U + ":1-9:12," + v + ":2-4");
    assertThat(b.union(a)).isEqualTo(a.union(b));
    assertThat(a.union(GtidSet.empty())).isEqualTo(a);
  }

  @Test
  void printedFormRoundTrips() {
    GtidSet s = GtidSet.empty().addRange(U, 1, 1042).add("aaaaaaaa-0000-0000-0000-000000000000", 7);
    assertThat(GtidSet.parse(s.toString())).isEqualTo(s);
    assertThat(GtidSet.parse("")).isEqualTo(GtidSet.empty());
    assertThat(GtidSet.parse(U.toUpperCase() + ":1-3").toString()).isEqualTo(U + ":1-3");
  }

  @Test
  void badTextIsRefused() {
    assertThatThrownBy(() -> GtidSet.parse("nocolon")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GtidSet.parse(U + ":5-3")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GtidSet.parse(U + ":0")).isInstanceOf(IllegalArgumentException.class);
  }
}
