package io.cohort.it;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, driven through its DevTools protocol over a WebSocket (the JDK's
 * own client): navigate, evaluate JavaScript in the page, take a screenshot. The process is
 * registered with {@link LiveProcesses}, so it never outlives the test run.
 */
final class HeadlessChromium implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/chromium");

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Struct>> replies = new ConcurrentHashMap<>();

  private HeadlessChromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /** Starts Chromium with an empty profile in {@code profile} and attaches to its first page. */
  static HeadlessChromium start(Path profile) throws IOException, InterruptedException {
    Files.createDirectories(profile);
    // The flags keep it off the network (this machine has none, and Chromium's own connections
    // would only fail) and off the GPU.
    Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1400,1000", "about:blank")
        .redirectErrorStream(true).redirectOutput(profile.resolveSibling("chromium.log").toFile()).start();
    LiveProcesses.add(p);
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("Chromium did not open its DevTools port (alive: " + p.isAlive()
              + "); its output: " + Files.readString(profile.resolveSibling("chromium.log")));
        }
        Thread.sleep(100);
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
      HttpClient http = HttpClient.newHttpClient();
      String pageUrl = null;
      while (pageUrl == null) {
        String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        ListValue.Builder targets = ListValue.newBuilder();
        JsonFormat.parser().merge(list, targets);
        for (Value t : targets.getValuesList()) {
          Map<String, Value> f = t.getStructValue().getFieldsMap();
          if (pageUrl == null && f.get("type").getStringValue().equals("page")) {
            pageUrl = f.get("webSocketDebuggerUrl").getStringValue();
          }
        }
        if (pageUrl == null) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("Chromium shows no page target: " + list);
          }
          Thread.sleep(100);
        }
      }
      HeadlessChromium[] self = new HeadlessChromium[1];
      WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new WebSocket.Listener() {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
          text.append(data);
          if (last) {
            self[0].received(text.toString());
            text.setLength(0);
          }
          w.request(1);
          return null;
        }
      }).get(30, TimeUnit.SECONDS);
      self[0] = new HeadlessChromium(p, ws);
      return self[0];
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    } catch (Exception e) {
      p.destroyForcibly();
      throw new IllegalStateException("cannot attach to Chromium: " + e, e);
    }
  }

  private void received(String json) {
    try {
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(json, b);
      Value id = b.getFieldsMap().get("id");
      if (id != null) {
        CompletableFuture<Struct> f = replies.remove((int) id.getNumberValue());
        if (f != null) {
          f.complete(b.build());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends one DevTools command and returns its result. */
  Struct call(String method, Struct params) {
    int id = ids.incrementAndGet();
    CompletableFuture<Struct> reply = new CompletableFuture<>();
    replies.put(id, reply);
    try {
      String body = JsonFormat.printer().omittingInsignificantWhitespace().print(Struct.newBuilder()
          .putFields("id", Value.newBuilder().setNumberValue(id).build())
          .putFields("method", Value.newBuilder().setStringValue(method).build())
          .putFields("params", Value.newBuilder().setStructValue(params).build()).build());
      socket.sendText(body, true).get(30, TimeUnit.SECONDS);
      Struct r = reply.get(30, TimeUnit.SECONDS);
      if (r.containsFields("error")) {
        throw new IllegalStateException(method + " failed: " + r.getFieldsOrThrow("error"));
      }
      return r.getFieldsOrThrow("result").getStructValue();
    } catch (Exception e) {
      throw new IllegalStateException("DevTools " + method + ": " + e, e);
    }
  }

  void navigate(String url) {
    call("Page.navigate", params(Map.of("url", str(url))));
  }

  /** Evaluates {@code expression} in the page; its value, as a string (JSON.stringify what is not). */
  String eval(String expression) {
    Struct r = call("Runtime.evaluate", params(Map.of("expression", str(expression),
        "returnByValue", Value.newBuilder().setBoolValue(true).build())));
    Value v = r.getFieldsOrThrow("result").getStructValue().getFieldsMap().get("value");
    return v == null ? "" : v.hasStringValue() ? v.getStringValue() : v.toString();
  }

  /** A PNG of the page as it is now. */
  void screenshot(Path file) throws IOException {
    Struct r = call("Page.captureScreenshot", params(Map.of("format", str("png"))));
    Files.write(file, Base64.getDecoder().decode(r.getFieldsOrThrow("data").getStringValue()));
  }

  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Struct params(Map<String, Value> m) {
    return Struct.newBuilder().putAllFields(m).build();
  }

  @Override
  public void close() {
    socket.abort();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    LiveProcesses.remove(process);
  }

  /** Waits until {@code check} holds, evaluating {@code expression} every 200 ms; the last value otherwise. */
  String awaitEval(String expression, java.util.function.Predicate<String> check, Duration limit, String what) {
    long deadline = System.nanoTime() + limit.toNanos();
    String v = eval(expression);
    while (!check.test(v)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the page never showed " + what + " within " + limit.toSeconds() + " s; last: " + v);
      }
      MemberProcess.sleep(200);
      v = eval(expression);
    }
    return v;
  }
}
