package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.proto.Value;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class RowAndValuesTest {
  @Test
  void javaValuesMapToTheMatchingWireKind() {
    assertThat(Values.toProto(7).getInt64Value()).isEqualTo(7L);
    assertThat(Values.toProto(7L).getKindCase()).isEqualTo(Value.KindCase.INT64_VALUE);
    assertThat(Values.toProto(1.5f).getDoubleValue()).isEqualTo(1.5);
    assertThat(Values.toProto("x").getStringValue()).isEqualTo("x");
    assertThat(Values.toProto(true).getBoolValue()).isTrue();
    assertThat(Values.toProto(new byte[] {1, 2}).getBytesValue().toByteArray())
        .containsExactly(1, 2);
    assertThat(Values.toProto(null).getKindCase()).isEqualTo(Value.KindCase.NULL_VALUE);
  }

  @Test
  void wireValuesComeBackAsCanonicalJavaTypes() {
    for (Object v : new Object[] {5L, 2.5, "s", false, null}) {
      assertThat(Values.fromProto(Values.toProto(v))).isEqualTo(v);
    }
    assertThat((byte[]) Values.fromProto(Values.toProto(new byte[] {9}))).containsExactly(9);
    assertThat(Values.fromProto(Value.getDefaultInstance())).isNull();
  }

  @Test
  void unsupportedTypeIsRejectedNamingTheType() {
    assertThatThrownBy(() -> Row.of("price", new BigDecimal("1.0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.math.BigDecimal");
    assertThatThrownBy(() -> Key.of(new Object()))
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void rowGettersReturnTypedValuesAndExplainMisuse() {
    Row row = Row.of("id", 1, "name", "x", "score", 2.5, "ok", true, "blob", new byte[] {3},
        "note", null);
    assertThat(row.getLong("id")).isEqualTo(1L);
    assertThat(row.getString("name")).isEqualTo("x");
    assertThat(row.getDouble("score")).isEqualTo(2.5);
    assertThat(row.getBoolean("ok")).isTrue();
    assertThat(row.getBytes("blob")).containsExactly(3);
    assertThat(row.isNull("note")).isTrue();
    assertThat(row.isNull("absent")).isTrue();
    assertThat(row.columns()).containsExactly("id", "name", "score", "ok", "blob", "note");
    assertThatThrownBy(() -> row.getLong("name")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("string");
    assertThatThrownBy(() -> row.getString("note")).hasMessageContaining("NULL");
  }

  @Test
  void rowIsImmutableEvenThroughByteArrays() {
    byte[] blob = {1, 2};
    Row row = Row.of("b", blob);
    blob[0] = 9;
    row.getBytes("b")[1] = 9;
    assertThat(row.getBytes("b")).containsExactly(1, 2);
  }

  @Test
  void rowSurvivesTheWireIncludingExplicitNulls() {
    Row row = Row.builder().set("id", 3L).set("b", new byte[] {1}).set("n", null).build();
    io.cohort.proto.Row wire = row.toProto();
    assertThat(wire.getColumnsMap().get("n").getKindCase())
        .isEqualTo(Value.KindCase.NULL_VALUE);
    assertThat(Row.fromProto(wire)).isEqualTo(row);
    assertThat(Row.fromProto(wire).hashCode()).isEqualTo(row.hashCode());
  }

  @Test
  void rowOfRejectsMalformedArguments() {
    assertThatThrownBy(() -> Row.of("id")).hasMessageContaining("pairs");
    assertThatThrownBy(() -> Row.of(1, 2)).hasMessageContaining("not a String");
    assertThatThrownBy(() -> Row.of("a", 1, "a", 2)).hasMessageContaining("twice");
  }

  @Test
  void keyKeepsOrderAndRoundTrips() {
    Key k = Key.of("eu", 42);
    assertThat(k.values()).containsExactly("eu", 42L);
    assertThat(Key.fromProto(k.toProto())).isEqualTo(k);
  }

  @Test
  void tableDefinitionChecksKeysAndRoundTrips() {
    TableDefinition def = TableDefinition.builder("accounts").column("id", ColumnType.INT64)
        .column("name", ColumnType.STRING, true).primaryKey("id").uniqueKey("name_uk", "name")
        .build();
    assertThat(TableDefinition.fromProto(def.toProto())).isEqualTo(def);
    assertThat(def.toProto().getColumns(1).getNullable()).isTrue();
    assertThatThrownBy(() -> TableDefinition.builder("t").column("id", ColumnType.INT64)
        .primaryKey("nope").build()).hasMessageContaining("unknown column 'nope'");
    assertThatThrownBy(() -> TableDefinition.builder("t").column("id", ColumnType.INT64)
        .build()).hasMessageContaining("primary key");
  }
}
