package io.cohort.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.cli.CertificateSet;
import io.cohort.client.ClientOptions;
import io.cohort.client.Cohort;
import io.cohort.client.CohortClient;
import io.cohort.client.ColumnType;
import io.cohort.client.Key;
import io.cohort.client.Row;
import io.cohort.client.TableDefinition;
import io.cohort.client.UnavailableException;
import io.cohort.proto.GroupServiceGrpc;
import io.cohort.proto.JoinRequest;
import io.cohort.proto.ProbeRequest;
import io.cohort.proto.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of real member processes with TLS on both endpoints (client-tls on, group-tls on),
 * certificates from {@code cohort certs create}. Clients with the group's CA commit and read;
 * a plain-text client, a client showing a certificate from another CA, a caller of the members'
 * own services without a certificate, and a member whose certificate another CA signed are all
 * refused, and none of them changes anything (gtid_executed and the view stay as they were). The
 * HTTP endpoint speaks HTTPS with the member's certificate.
 */
@ExtendWith(MemberLogsOnFailure.class)
class TlsIT {
  @TempDir Path dir;

  @Test
  void onlyCallersWithTheGroupsCertificatesGetIn() throws Exception {
    Path certs = dir.resolve("tls");
    Path other = dir.resolve("other-ca");
    CertificateSet.create(certs, List.of("m1", "m2", "m3"), List.of());
    CertificateSet.create(other, List.of("m1", "m2", "m3", "m4"), List.of());
    try (GroupCluster g = new GroupCluster(dir, 3).tls(certs).start()) {
      String all = g.addresses();
      ClientOptions tls = ClientOptions.builder().deadline(Duration.ofSeconds(20))
          .tls(certs.resolve("ca.pem"), certs.resolve("client.pem"), certs.resolve("client-key.pem")).build();
      try (CohortClient c = Cohort.connect(all, tls)) {
        c.createTable(TableDefinition.builder("kv").column("k", ColumnType.INT64).column("v", ColumnType.STRING)
            .primaryKey("k").build());
        c.insert("kv", Row.of("k", 1L, "v", "over TLS"));
      }
      String before = g.members.get(0).status().getGtidExecuted();
      GroupCluster.awaitOn(g.members, s -> s.getGtidExecuted().equals(before), 30, "every member applied the insert");

      // A plain-text client never gets past the handshake.
      try (CohortClient plain = Cohort.connect(all, ClientOptions.builder().deadline(Duration.ofSeconds(5)).build())) {
        assertThatThrownBy(() -> plain.insert("kv", Row.of("k", 2L, "v", "plain text")))
            .isInstanceOf(UnavailableException.class);
      }
      // A TLS client without a certificate may use the database, but not the members' own services.
      ClientOptions noCert = ClientOptions.builder().deadline(Duration.ofSeconds(20)).tls(certs.resolve("ca.pem"))
          .build();
      try (CohortClient anonymous = Cohort.connect(all, noCert)) {
        assertThat(anonymous.get("kv", Key.of(1L))).isPresent();
      }
      ManagedChannel ch = NettyChannelBuilder.forTarget(g.members.get(0).address(),
          TlsChannelCredentials.newBuilder().trustManager(certs.resolve("ca.pem").toFile()).build()).build();
      try {
        GroupServiceGrpc.GroupServiceBlockingStub groupService = GroupServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> groupService.probe(ProbeRequest.newBuilder().setGroupUuid(g.groupName)
            .setMemberId("intruder").build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("certificate").hasSizeLessThan(200);
            });
        assertThatThrownBy(() -> groupService.withDeadlineAfter(10, TimeUnit.SECONDS).join(JoinRequest.newBuilder()
            .setGroupUuid(g.groupName).setMember(io.cohort.proto.MemberInfo.newBuilder().setMemberId("intruder")).build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      } finally {
        ch.shutdownNow();
      }

      // A member that trusts the group's CA but shows a certificate another CA signed cannot join.
      MemberProcess intruder = new MemberProcess("m4", dir, List.of()).withTls(other, certs);
      g.members.add(intruder);
      intruder.withArgs(List.of("--group-name", g.groupName, "--seeds", all)).spawn();
      intruder.awaitLog("cannot reach " + g.members.get(0).address(), 60);
      g.members.remove(intruder);
      for (MemberProcess m : g.members) {
        StatusResponse s = m.status();
        assertThat(s.getMembersList()).as("%s's view", m.memberId()).hasSize(3)
            .noneMatch(r -> r.getMemberId().equals("m4"));
        assertThat(s.getGtidExecuted()).as("%s's gtid_executed", m.memberId()).isEqualTo(before);
      }
      intruder.close();

      // With require-client-cert, only callers showing a certificate the group's CA signed get in:
      // not one without, nor one showing another CA's (its client has nothing the member asks for).
      MemberProcess m3 = g.member("m3");
      m3.stop();
      m3.withTls(certs, certs, "require-client-cert").withHttp();
      g.restart(m3);
      for (ClientOptions refused : List.of(noCert, ClientOptions.builder().tls(certs.resolve("ca.pem"),
          other.resolve("client.pem"), other.resolve("client-key.pem")).build())) {
        try (CohortClient c = Cohort.connect(m3.address(), refused.toBuilder().deadline(Duration.ofSeconds(5))
            .routing(ClientOptions.Routing.PINNED).build())) {
          assertThatThrownBy(() -> c.get("kv", Key.of(1L))).as("a read from m3 %s", refused)
              .isInstanceOf(UnavailableException.class);
        }
      }
      try (CohortClient c = Cohort.connect(m3.address(), tls.toBuilder().routing(ClientOptions.Routing.PINNED).build())) {
        assertThat(c.get("kv", Key.of(1L))).as("m3's row, read with the group's client certificate").isPresent()
            .hasValueSatisfying(r -> assertThat(r.get("v")).isEqualTo("over TLS"));
      }
      for (MemberProcess m : g.members) {
        assertThat(m.status().getGtidExecuted()).as("%s's gtid_executed", m.memberId()).isEqualTo(before);
      }

      // Its HTTP endpoint (http-tls follows client-tls) speaks HTTPS with the member's certificate,
      // which a scraper that trusts the group's CA accepts without showing one; plain HTTP gets nothing.
      String url = m3.httpUrl();
      assertThat(url).startsWith("https://");
      HttpClient scraper = HttpClient.newBuilder().sslContext(trusting(certs.resolve("ca.pem")))
          .connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> metrics = scraper.send(HttpRequest.newBuilder(URI.create(url + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("# TYPE");
      assertThat(scraper.send(HttpRequest.newBuilder(URI.create(url + "/readyz")).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ONLINE\n");
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create(url.replace("https://", "http://")
          + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
          .as("plain HTTP to an HTTPS endpoint").isInstanceOf(IOException.class);
      HttpClient otherCa = HttpClient.newBuilder().sslContext(trusting(other.resolve("ca.pem")))
          .connectTimeout(Duration.ofSeconds(10)).build();
      assertThatThrownBy(() -> otherCa.send(HttpRequest.newBuilder(URI.create(url + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
          .as("a scraper that trusts another CA").isInstanceOf(SSLHandshakeException.class);
    }
  }

  /** A TLS context that trusts the certificates in {@code caPem} only. */
  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca" + i++, c);
      }
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
