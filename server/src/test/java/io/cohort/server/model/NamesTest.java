package io.cohort.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void namesMySqlAcceptsUnquotedPass() {
    for (String ok : new String[] {"accounts", "_t", "T1", "a$b", "x".repeat(64), "Z_9$"}) {
      assertThat(Names.check("table", ok)).isEqualTo(ok);
    }
  }

  @Test
  void anythingElseIsRefusedWithTheRule() {
    for (String bad : new String[] {"1abc", "$a", "a-b", "a b", "é", "a.b", "a\u0000"}) {
      assertThatThrownBy(() -> Names.check("column", bad)).isInstanceOf(DbException.class)
          .hasMessageContaining("column name").hasMessageContaining("not starting with a digit");
    }
    assertThatThrownBy(() -> Names.check("table", "")).hasMessageContaining("table name is empty");
    assertThatThrownBy(() -> Names.check("table", "y".repeat(65)))
        .hasMessageContaining("longer than 64 characters").hasMessageNotContaining("y".repeat(17));
  }
}
