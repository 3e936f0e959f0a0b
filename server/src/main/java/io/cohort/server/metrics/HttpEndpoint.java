package io.cohort.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's HTTP endpoint ({@code http-listen}): {@code /metrics} in Prometheus' text format,
 * the live dashboard at {@code /ui} (one static page, no build step) and the JSON it polls at
 * {@code /api/status}, and probes: {@code /livez} (the process serves) and {@code /readyz} (200
 * only while the member is ONLINE). It serves on a thread of its own, so a slow scraper never holds up the
 * member. With {@code http-tls} on it speaks HTTPS only, with the member's certificate.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private HttpEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Listens on {@code host:port} (0: any free port), with HTTPS when {@code tls} is not null. */
  public static HttpEndpoint start(String host, int port, SSLContext tls, MemberMetrics metrics,
      Supplier<String> dashboardJson, Supplier<String> state) throws IOException {
    byte[] page;
    try (InputStream in = HttpEndpoint.class.getResourceAsStream("/ui/index.html")) {
      if (in == null) {
        throw new IOException("the dashboard page ui/index.html is missing from the server jar");
      }
      page = in.readAllBytes();
    }
    HttpServer server;
    if (tls == null) {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } else {
      HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), 16);
      https.setHttpsConfigurator(new HttpsConfigurator(tls));
      server = https;
    }
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cohort-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        reply(ex, 405, "text/plain; charset=utf-8", "use GET\n");
        return;
      }
      reply(ex, 200, PROMETHEUS_TEXT, metrics.scrape());
    });
    server.createContext("/ui", ex -> {
      String path = ex.getRequestURI().getPath();
      if (!path.equals("/ui") && !path.equals("/ui/")) {
        reply(ex, 404, "text/plain; charset=utf-8", "not found; the dashboard is /ui\n");
        return;
      }
      reply(ex, 200, "text/html; charset=utf-8", page);
    });
    // Probes for supervisors (Kubernetes): alive while this endpoint answers; ready only while the
    // member is ONLINE in its group, so a load balancer sends clients to members that serve them.
    server.createContext("/livez", ex -> reply(ex, 200, "text/plain; charset=utf-8", "alive\n"));
    server.createContext("/readyz", ex -> {
      String s = state.get();
      reply(ex, "ONLINE".equals(s) ? 200 : 503, "text/plain; charset=utf-8", s + "\n");
    });
    server.createContext("/api/status", ex -> {
      String json;
      try {
        json = dashboardJson.get();
      } catch (RuntimeException e) {
        reply(ex, 503, "text/plain; charset=utf-8", "status unavailable: " + e.getClass().getSimpleName() + "\n");
        return;
      }
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      reply(ex, 200, "application/json", json);
    });
    server.createContext("/", ex -> reply(ex, ex.getRequestURI().getPath().equals("/") ? 200 : 404,
        "text/plain; charset=utf-8", ex.getRequestURI().getPath().equals("/")
            ? "cohort member: /metrics (Prometheus text format), /ui (dashboard), /api/status (JSON)\n"
            : "not found; see /metrics, /ui\n"));
    server.start();
    LOG.info("metrics at {}://{}:{}/metrics, dashboard at /ui", tls == null ? "http" : "https", host,
        server.getAddress().getPort());
    return new HttpEndpoint(server, executor);
  }

  private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
    reply(ex, code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(HttpExchange ex, int code, String type, byte[] b) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(code, head ? -1 : b.length);
    try (OutputStream out = ex.getResponseBody()) {
      if (!head) {
        out.write(b);
      }
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
