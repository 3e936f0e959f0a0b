import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.CommitInfo;
import io.cohort.client.Key;
import io.cohort.client.Op;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.Transaction;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Writes one large transaction through the client library and times it, or reads it back from
 * one member and prints a digest (used by large-transactions.sh).
 *
 *   java -cp ... LargeWriter ADDRS write ROWS ROW_BYTES FIRST_ID   -- rows of half-zero bytes
 *   java -cp ... LargeWriter ADDR read ROWS FIRST_ID                -- sha-256 of the rows
 */
public class LargeWriter {
  public static void main(String[] a) throws Exception {
    try (CohortClient c = Cohort.connect(a[0], ClientOptions.builder().deadline(Duration.ofSeconds(300))
        .maxAttempts(1).routing(a[1].equals("read") ? ClientOptions.Routing.PINNED : ClientOptions.Routing.PRIMARY)
        .build())) {
      c.createTableIfNotExists(TableDefinition.builder("blobs").column("id", ColumnType.INT64)
          .column("data", ColumnType.BYTES).primaryKey("id").build());
      int rows = Integer.parseInt(a[2]);
      if (a[1].equals("read")) {
        long first = Long.parseLong(a[3]);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < rows; i++) {
          md.update((byte[]) c.get("blobs", Key.of(first + i)).orElseThrow().get("data"));
        }
        System.out.println(HexFormat.of().formatHex(md.digest()).substring(0, 16));
        return;
      }
      int size = Integer.parseInt(a[3]);
      long first = Long.parseLong(a[4]);
      Random r = new Random(first);
      long t0 = System.nanoTime();
      try (Transaction t = c.begin()) {
        int perStatement = Math.max(1, (8 << 20) / size);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
          byte[] d = new byte[size];
          r.nextBytes(d);
          for (int j = 0; j < d.length; j += 2) {
            d[j] = 0;
          }
          ops.add(Op.upsert("blobs", Row.of("id", first + i, "data", d)));
          if (ops.size() == perStatement || i == rows - 1) {
            t.execute(ops);
            ops = new ArrayList<>();
          }
        }
        long t1 = System.nanoTime();
        CommitInfo ci = t.commit();
        System.out.printf("committed %s: %d rows of %d bytes, statements %.1f s, commit %.1f s%n", ci.gtid(), rows,
            size, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
      }
    }
  }
}
