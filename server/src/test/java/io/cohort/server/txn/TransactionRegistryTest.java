package io.cohort.server.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.server.apply.Applier;
import io.cohort.server.gtid.GtidSet;
import io.cohort.server.model.Catalog;
import io.cohort.server.storage.Storage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transaction ids: the group tells transactions apart (and drops second deliveries) by them. */
class TransactionRegistryTest {
  @TempDir Path dir;
  Storage storage;
  Applier applier;

  @BeforeEach
  void setUp() {
    storage = Storage.open(dir, false);
    applier = new Applier(storage, "11111111-2222-3333-4444-555555555555", Catalog.empty(),
        GtidSet.empty(), () -> 0L);
  }

  @AfterEach
  void tearDown() {
    storage.close();
  }

  private TransactionRegistry registry() {
    return new TransactionRegistry(applier, 1 << 20, 100, 60_000, System::nanoTime);
  }

  @Test
  void statementIdsNeverRepeatWithinAMemberOrAcrossItsRestarts() {
    Set<String> ids = new HashSet<>();
    for (TransactionRegistry r : new TransactionRegistry[] {registry(), registry()}) {
      for (int i = 0; i < 1000; i++) {
        ServerTransaction tx = r.startUnregistered();
        assertThat(ids.add(tx.id())).as("id %s seen before", tx.id()).isTrue();
        tx.close();
      }
    }
  }

  @Test
  void aTransactionAClientOpensHasARandomId() {
    TransactionRegistry r = registry();
    ServerTransaction tx = r.begin();
    assertThat(UUID.fromString(tx.id()).version()).isEqualTo(4);
    assertThat(r.get(tx.id())).isSameAs(tx);
    r.remove(tx);
    tx.close();
  }
}
