package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort certs create}: what TLS libraries check in the files it writes. */
class CertificateSetTest {
  @TempDir Path dir;

  @Test
  void membersCertificatesChainToTheCaNameTheirAddressesAndServeBothWays() throws Exception {
    CertificateSet.create(dir, List.of("m1", "m2"), List.of("10.1.2.3", "db.example"));
    X509Certificate ca = cert(dir.resolve("ca.pem"));
    X509Certificate m1 = cert(dir.resolve("m1.pem"));
    m1.verify(ca.getPublicKey());
    ca.verify(ca.getPublicKey());
    assertThat(ca.getBasicConstraints()).as("the CA may sign").isGreaterThanOrEqualTo(0);
    assertThat(m1.getBasicConstraints()).as("a member's certificate may not").isEqualTo(-1);
    assertThat(m1.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(m1.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).collect(Collectors.toSet()))
        .contains("localhost", "m1", "127.0.0.1", "10.1.2.3", "db.example");
    X509Certificate client = cert(dir.resolve("client.pem"));
    client.verify(ca.getPublicKey());
    assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");

    // The key is the certificate's: what it signs, the certificate's public key verifies.
    Signature sign = Signature.getInstance("SHA256withECDSA");
    sign.initSign(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pem(dir.resolve("m1-key.pem")))));
    sign.update(new byte[] {1, 2, 3});
    byte[] sig = sign.sign();
    Signature check = Signature.getInstance("SHA256withECDSA");
    check.initVerify(m1.getPublicKey());
    check.update(new byte[] {1, 2, 3});
    assertThat(check.verify(sig)).isTrue();
    assertThat(Files.getPosixFilePermissions(dir.resolve("m1-key.pem")))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
  }

  @Test
  void aDirectoryWithACaIsNeverOverwritten() throws Exception {
    CertificateSet.create(dir, List.of("m1"), List.of());
    byte[] ca = Files.readAllBytes(dir.resolve("ca.pem"));
    assertThatThrownBy(() -> CertificateSet.create(dir, List.of("m1"), List.of()))
        .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("ca.pem exists");
    assertThat(Files.readAllBytes(dir.resolve("ca.pem"))).isEqualTo(ca);
  }

  private static X509Certificate cert(Path p) throws Exception {
    try (InputStream in = Files.newInputStream(p)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static byte[] pem(Path p) throws Exception {
    String body = Files.readString(p).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}
