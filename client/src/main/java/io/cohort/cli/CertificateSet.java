package io.cohort.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA and the certificates of a local group, for tests and local clusters (what {@code cohort
 * certs create} writes): {@code ca.pem}; {@code <member>.pem} and {@code <member>-key.pem} per
 * member, good for serving and for calling peers; {@code client.pem} and {@code client-key.pem}.
 * Keys are EC P-256 in PKCS#8, readable by their owner only. A production group takes its
 * certificates from its own CA instead.
 *
 * <p>Members' certificates name {@code localhost}, the member id, 127.0.0.1, ::1 and the hosts
 * given, since a caller checks that the certificate names the address it dialed.
 */
public final class CertificateSet {
  static final String CA = "ca.pem";
  static final String CA_KEY = "ca-key.pem";
  static final String CLIENT = "client";
  private static final Duration VALIDITY = Duration.ofDays(825); // the longest browsers accept
  private static final SecureRandom RANDOM = new SecureRandom();

  private CertificateSet() {}

  /**
   * Writes a new CA and certificates for {@code memberIds} and one client into {@code dir}.
   *
   * @param dir created if missing; must not hold a CA already
   * @param memberIds members to certify
   * @param hosts further DNS names or IP addresses every member's certificate names
   * @return the files written
   * @throws IOException if a file exists already or cannot be written
   */
  public static List<Path> create(Path dir, List<String> memberIds, List<String> hosts) throws IOException {
    if (Files.exists(dir.resolve(CA))) {
      throw new FileAlreadyExistsException(dir.resolve(CA) + " exists: give an empty directory (a new CA would not"
          + " match the certificates members already have)");
    }
    Files.createDirectories(dir);
    try {
      KeyPair caKeys = keyPair();
      X500Name caName = name("Cohort local CA " + Long.toHexString(RANDOM.nextLong() & 0xffffffffL));
      X509Certificate ca = sign(caName, caKeys.getPrivate(), caName, caKeys, true, null, null);
      List<Path> written = new ArrayList<>();
      written.add(writePem(dir.resolve(CA), pem(ca), false));
      written.add(writePem(dir.resolve(CA_KEY), pem(caKeys.getPrivate()), true));
      for (String id : memberIds) {
        KeyPair k = keyPair();
        X509Certificate cert = sign(caName, caKeys.getPrivate(), name(id), k, false,
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}, memberNames(id, hosts));
        written.add(writePem(dir.resolve(id + ".pem"), pem(cert), false));
        written.add(writePem(dir.resolve(id + "-key.pem"), pem(k.getPrivate()), true));
      }
      KeyPair k = keyPair();
      X509Certificate client = sign(caName, caKeys.getPrivate(), name(CLIENT), k, false,
          new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, null);
      written.add(writePem(dir.resolve(CLIENT + ".pem"), pem(client), false));
      written.add(writePem(dir.resolve(CLIENT + "-key.pem"), pem(k.getPrivate()), true));
      return written;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot make certificates: " + e.getMessage(), e);
    }
  }

  private static GeneralNames memberNames(String id, List<String> hosts) {
    Set<String> all = new LinkedHashSet<>(List.of("localhost", id, "127.0.0.1", "::1"));
    all.addAll(hosts);
    List<GeneralName> names = new ArrayList<>();
    for (String h : all) {
      names.add(isIpLiteral(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  /** An IPv4 or IPv6 literal (never a name lookup). */
  static boolean isIpLiteral(String h) {
    if (h.contains(":")) {
      return true;
    }
    if (!h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
      return false;
    }
    try {
      InetAddress.getByName(h);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static X500Name name(String cn) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Cohort").addRDN(BCStyle.CN, cn).build();
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X500Name issuer, PrivateKey issuerKey, X500Name subject, KeyPair subjectKeys,
      boolean isCa, KeyPurposeId[] purposes, GeneralNames altNames)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, subjectKeys.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
    if (isCa) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
    }
    if (altNames != null) {
      b.addExtension(Extension.subjectAlternativeName, false, altNames);
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
    }
    return w.toString();
  }

  private static Path writePem(Path file, String text, boolean secret) throws IOException {
    Files.deleteIfExists(file);
    if (secret) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    return file;
  }
}
