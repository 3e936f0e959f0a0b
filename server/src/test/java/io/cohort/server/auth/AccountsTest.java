package io.cohort.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.server.config.AuthConfig;
import io.cohort.server.config.ConfigException;
import io.cohort.server.model.DbException;
import io.cohort.server.model.ErrorCode;
import io.grpc.Metadata;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Password hashes, privilege lists, the account settings and the credentials header. */
class AccountsTest {
  @Test
  void aHashAdmitsItsPasswordOnlyAndNeverHoldsIt() {
    PasswordHash h = PasswordHash.of("correct horse", 1000);
    PasswordHash read = PasswordHash.parse(h.encoded());
    assertThat(read.matches("correct horse")).isTrue();
    assertThat(read.matches("correct hors")).isFalse();
    assertThat(read.matches("")).isFalse();
    assertThat(h.encoded()).startsWith("pbkdf2-sha256$1000$").doesNotContain("correct");
    assertThat(PasswordHash.of("correct horse", 1000).encoded()).as("a second hash has its own salt")
        .isNotEqualTo(h.encoded());
    assertThatThrownBy(() -> PasswordHash.parse("md5$abc")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void privilegesParseFromListsAndAll() {
    assertThat(Privilege.parse(List.of("read, Write", "DDL"))).containsExactly(Privilege.READ, Privilege.WRITE,
        Privilege.DDL);
    assertThat(Privilege.parse(List.of("ALL"))).isEqualTo(Privilege.all());
    assertThat(Privilege.parse(List.of())).isEmpty();
    assertThat(Privilege.format(EnumSet.of(Privilege.REPLICATION, Privilege.READ))).isEqualTo("READ,REPLICATION");
    assertThatThrownBy(() -> Privilege.parse(List.of("READ,SUPER" + "x".repeat(10_000))))
        .isInstanceOfSatisfying(DbException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("is not a privilege").hasSizeLessThan(200);
        });
  }

  @Test
  void accountsOnNeedAnAdministratorsPasswordThatIsNeverPrinted() {
    assertThatThrownBy(() -> new AuthConfig(true, "admin", "", "", "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin-password is required");
    assertThatThrownBy(() -> new AuthConfig(true, "bad:name", "pw", "", "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin-user");
    assertThatThrownBy(() -> new AuthConfig(true, "admin", "pw", "repl", "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("replication-password");
    AuthConfig c = new AuthConfig(true, "root", "hunter2", "", "");
    assertThat(c.toString()).doesNotContain("hunter2");
    assertThat(c.describe().toString()).doesNotContain("hunter2");
    assertThat(c.callerUser()).as("members call each other as the administrator by default").isEqualTo("root");
    assertThat(new AuthConfig(true, "root", "hunter2", "repl", "r").callerUser()).isEqualTo("repl");
  }

  @Test
  void theHeaderCarriesUserAndPasswordAndBadOnesAreNamed() {
    Metadata m = new Metadata();
    m.put(BasicCredentials.HEADER, new BasicCredentials("bob", "p:w").header());
    BasicCredentials c = BasicCredentials.from(m);
    assertThat(c.user()).isEqualTo("bob");
    assertThat(c.password()).as("a ':' in the password stays in the password").isEqualTo("p:w");
    assertThat(c.toString()).doesNotContain("p:w");
    assertThat(BasicCredentials.from(new Metadata())).isNull();
    for (String bad : List.of("Bearer abc", "Basic !!!", "Basic " + java.util.Base64.getEncoder()
        .encodeToString("nocolon".getBytes()), "Basic " + "A".repeat(5000))) {
      Metadata h = new Metadata();
      h.put(BasicCredentials.HEADER, bad);
      assertThatThrownBy(() -> BasicCredentials.from(h)).as(bad.substring(0, Math.min(10, bad.length()))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("authorization header");
    }
  }
}
