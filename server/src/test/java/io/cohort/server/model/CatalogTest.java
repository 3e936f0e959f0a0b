package io.cohort.server.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.proto.Column;
import io.cohort.proto.ColumnType;
import io.cohort.proto.TableSchema;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogTest {
  @Test
  void aUnionKeepsEveryNameOnceFromTheEarliestCatalogEvenWhereIdsRepeat() {
    Table orders = table("orders", 5);
    Table shared = table("shared", 6);
    Table items = table("items", 5); // another group's CREATE at the same sequence number
    Table sharedToo = table("shared", 9);
    List<String> hidden = new ArrayList<>();
    Catalog u = Catalog.union(List.of(Catalog.of(List.of(orders, shared)), Catalog.of(List.of(items, sharedToo))),
        (left, kept) -> hidden.add(left.name() + "@" + left.id() + " for @" + kept.id()));
    assertThat(u.tables()).containsExactlyInAnyOrder(orders, shared, items);
    assertThat(u.byName("items")).isSameAs(items);
    assertThat(u.byName("shared")).isSameAs(shared);
    assertThat(hidden).containsExactly("shared@9 for @6");
  }

  @Test
  void tablesAreFoundByIdAfterEveryChangeAndAnUnknownIdFindsNothing() {
    Catalog c = Catalog.of(List.of(table("a", 70_000), table("b", 3), table("c", 1_000)));
    assertThat(c.byId(3).name()).isEqualTo("b");
    assertThat(c.byId(1_000).name()).isEqualTo("c");
    assertThat(c.byId(70_000).name()).isEqualTo("a");
    assertThat(c.byId(4)).isNull();
    Catalog renamed = c.with(table("c2", 1_000)).without(3);
    assertThat(renamed.byId(1_000).name()).isEqualTo("c2");
    assertThat(renamed.byName("c")).isNull();
    assertThat(renamed.byId(3)).isNull();
    assertThat(c.byId(3).name()).as("the old catalog is unchanged").isEqualTo("b");
    assertThat(Catalog.empty().byId(3)).isNull();
    Catalog u = Catalog.union(List.of(c, Catalog.of(List.of(table("d", 3)))), (left, kept) -> { });
    assertThat(u.byId(3).name()).as("a repeated id answers the earlier catalog's").isEqualTo("b");
  }

  private static Table table(String name, long id) {
    return new Table(TableSchema.newBuilder().setName(name).setTableId(id)
        .addColumns(Column.newBuilder().setName("k").setType(ColumnType.INT64)).addPrimaryKey("k").build());
  }
}
