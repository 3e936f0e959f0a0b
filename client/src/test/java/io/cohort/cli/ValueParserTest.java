package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueParserTest {
  private static final TableDefinition T = TableDefinition.builder("t")
      .column("region", ColumnType.STRING).column("id", ColumnType.INT64)
      .column("score", ColumnType.DOUBLE, true).column("ok", ColumnType.BOOL, true)
      .column("blob", ColumnType.BYTES, true).column("name", ColumnType.STRING, true)
      .primaryKey("region", "id").build();

  @Test
  void assignmentsAreTypedByTheSchema() {
    Row row = ValueParser.parseRow(T, List.of("region=eu", "id=42", "score=2.5", "ok=TRUE",
        "blob=0x0aff", "name=a=b"));
    assertThat(row.getString("region")).isEqualTo("eu");
    assertThat(row.getLong("id")).isEqualTo(42);
    assertThat(row.getDouble("score")).isEqualTo(2.5);
    assertThat(row.getBoolean("ok")).isTrue();
    assertThat(row.getBytes("blob")).containsExactly(0x0a, 0xff);
    assertThat(row.getString("name")).isEqualTo("a=b");
  }

  @Test
  void nullIsNullAndQuotedNullIsAString() {
    Row row = ValueParser.parseRow(T, List.of("score=null", "name=\"null\"", "blob=AQI="));
    assertThat(row.has("score")).isTrue();
    assertThat(row.isNull("score")).isTrue();
    assertThat(row.getString("name")).isEqualTo("null");
    assertThat(row.getBytes("blob")).containsExactly(1, 2);
  }

  @Test
  void mistakesNameTheColumnAndTheType() {
    assertThatThrownBy(() -> ValueParser.parseRow(T, List.of("id=abc")))
        .isInstanceOf(CliException.class).hasMessageContaining("'id' is int64");
    assertThatThrownBy(() -> ValueParser.parseRow(T, List.of("ok=yes")))
        .hasMessageContaining("true or false");
    assertThatThrownBy(() -> ValueParser.parseRow(T, List.of("nope=1")))
        .hasMessageContaining("no column 'nope'").hasMessageContaining("region, id");
    assertThatThrownBy(() -> ValueParser.parseRow(T, List.of("id")))
        .hasMessageContaining("col=value");
  }

  @Test
  void keysFollowThePrimaryKeyColumns() {
    assertThat(ValueParser.parseKey(T, "eu,7", false)).isEqualTo(Key.of("eu", 7L));
    assertThat(ValueParser.parseKey(T, "eu", true)).isEqualTo(Key.of("eu"));
    assertThatThrownBy(() -> ValueParser.parseKey(T, "eu", false))
        .hasMessageContaining("expected 2");
  }

  @Test
  void columnSpecsParse() {
    TableDefinition def = SchemaFormat.table("a", List.of("id:int64", "name:string:null"),
        List.of("id"), List.of("name_uk=name"));
    assertThat(def.columns().get(1).nullable()).isTrue();
    assertThat(def.uniqueKeys().get(0).columns()).containsExactly("name");
    assertThatThrownBy(() -> SchemaFormat.column("id:integer"))
        .hasMessageContaining("unknown column type 'integer'");
    assertThatThrownBy(() -> SchemaFormat.column("id:int64:nullable"))
        .hasMessageContaining("name:type:null");
  }

  @Test
  void rowsPrintAsJsonInSchemaOrderWithAbsentColumnsAsNull() {
    Row row = Row.of("name", "q\"x", "id", 1, "region", "eu", "blob", new byte[] {1});
    assertThat(Json.row(T, row)).isEqualTo("{\"region\":\"eu\",\"id\":1,\"score\":null,"
        + "\"ok\":null,\"blob\":\"0x01\",\"name\":\"q\\\"x\"}");
  }
}
