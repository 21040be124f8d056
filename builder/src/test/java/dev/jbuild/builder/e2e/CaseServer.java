package dev.jbuild.builder.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The web server of the {@code ADD <url>} cases, on 127.0.0.1 only: {@code GET /NN-name/FILE}
 * serves {@code testdata/build/NN-name/http/FILE} with a fixed {@code Last-Modified}, so the
 * file's mtime in the image can be checked against it (BuildKit takes the mtime from that header).
 */
final class CaseServer implements AutoCloseable {
    /** The Last-Modified of every served file: 2020-09-13T12:26:40Z. */
    static final Instant LAST_MODIFIED = Instant.ofEpochSecond(1600000000);

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    CaseServer(Path casesDir) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> serve(casesDir, exchange));
        server.start();
    }

    /** The base URL of one case's {@code http/} directory, without a trailing slash. */
    String base(String caseName) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + caseName;
    }

    int requests() {
        return requests.get();
    }

    private void serve(Path casesDir, HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            String[] parts = exchange.getRequestURI().getPath().split("/", 3);
            Path file = parts.length == 3 ? casesDir.resolve(parts[1]).resolve("http").resolve(parts[2]).normalize()
                    : null;
            if (file == null || !file.startsWith(casesDir) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("Last-Modified",
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(LAST_MODIFIED.atZone(ZoneOffset.UTC)));
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
