package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Idle timeouts, not whole-transfer timeouts: a registry that goes silent is given up on (and
 * retried) after the idle period, one that is slow but keeps bytes moving is waited for however
 * long the transfer takes, both ways.
 */
class SlowRegistryTest extends FakeRegistryTest {
    private static final Duration IDLE = Duration.ofMillis(400);
    private static final Duration NO_HANG = Duration.ofSeconds(20);

    private RegistryClient client() throws Exception {
        return FakeRegistry.client(registry, FakeRegistry.options(log).withIdleTimeout(IDLE));
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aRegistryThatDoesNotAnswerWithinTheIdleTimeoutFailsAfterTheRetries() {
        registry.stubFor(get("/v2/app/manifests/1").willReturn(aResponse().withStatus(200).withFixedDelay(1500)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody("{}")));
        RegistryException e = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(RegistryException.class,
                () -> client().getManifest("app", "1")));
        assertTrue(causedByTimeout(e), () -> "not a timeout: " + e);
        assertTrue(e.getMessage().contains("GET manifest app:1"), e.getMessage());
        registry.verify(FakeRegistry.FAST.attempts(), getRequestedFor(urlEqualTo("/v2/app/manifests/1")));
    }

    @Test
    void aBodyDribbledSlowlyButSteadilyIsWaitedFor() throws Exception {
        byte[] blob = FakeRegistry.bytes(64 << 10, 21);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        // 16 pieces over 1.6 s: four times the idle timeout in all, a quarter of it between pieces.
        registry.stubFor(get("/v2/app/blobs/" + d.digest()).willReturn(aResponse().withStatus(200).withBody(blob)
                .withChunkedDribbleDelay(16, 1600)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        assertTimeoutPreemptively(NO_HANG, () -> client().getBlob("app", d, out, TransferProgress.NONE));
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(IDLE) > 0, "the test did not test anything");
        assertArrayEquals(blob, out.toByteArray());
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/blobs/" + d.digest())));
        assertEquals(List.of(), log.warnings);
    }

    @Test
    void aBodyThatStallsIsAbandonedAndResumed() throws Exception {
        byte[] blob = FakeRegistry.bytes(64 << 10, 22);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        // WireMock can delay a body only evenly, headers included; this needs the headers and
        // half the body at once, then silence with the connection open.
        try (StallingServer server = new StallingServer(blob, blob.length / 2)) {
            RegistryClient client = RegistryClient.open("localhost:" + server.port(),
                    FakeRegistry.options(log).withIdleTimeout(IDLE));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertTimeoutPreemptively(NO_HANG, () -> client.getBlob("app", d, out, TransferProgress.NONE));
            assertArrayEquals(blob, out.toByteArray());
            assertEquals(List.of("", "bytes=" + blob.length / 2 + "-"), server.ranges);
            assertTrue(log.warned("broke off at " + blob.length / 2), log.warnings.toString());
            assertTrue(log.warned("no data for"), log.warnings.toString());
        }
    }

    /**
     * A one-purpose HTTP/1.1 server: a GET without {@code Range} gets the headers and the first
     * {@code stallAt} bytes, then nothing while the connection stays open; a GET with
     * {@code Range: bytes=N-} gets a 206 with the rest. TLS probes are hung up on.
     */
    private static final class StallingServer implements AutoCloseable {
        final List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final ServerSocket socket;
        private final byte[] body;
        private final int stallAt;
        private final CountDownLatch closed = new CountDownLatch(1);

        StallingServer(byte[] body, int stallAt) throws IOException {
            this.body = body;
            this.stallAt = stallAt;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serve, "stalling-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket c = socket.accept();
                    Thread t = new Thread(() -> answer(c), "stalling-server-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closedDown) {
                    return;
                }
            }
        }

        private void answer(Socket c) {
            try (c) {
                InputStream in = c.getInputStream();
                StringBuilder head = new StringBuilder();
                int b = in.read();
                if (b != 'G' && b != 'H') {
                    return; // a TLS ClientHello (the client's HTTPS probe) or garbage
                }
                head.append((char) b);
                while (!head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
                    head.append((char) b);
                }
                String range = "";
                for (String line : head.toString().split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range:")) {
                        range = line.substring(6).trim();
                    }
                }
                ranges.add(range);
                OutputStream out = c.getOutputStream();
                if (range.isEmpty()) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, stallAt);
                    out.flush();
                    closed.await(); // silence until the test ends
                } else {
                    int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                    out.write(("HTTP/1.1 206 Partial Content\r\nContent-Length: " + (body.length - from)
                            + "\r\nContent-Range: bytes " + from + "-" + (body.length - 1) + "/" + body.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, from, body.length - from);
                    out.flush();
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            socket.close();
        }
    }

    @Test
    void aSlowButSteadyUploadIsNotCutOffByTheIdleTimeout() throws Exception {
        byte[] blob = FakeRegistry.bytes(16 << 10, 23);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        String u1 = "/v2/app/blobs/uploads/u1";
        registry.stubFor(post("/v2/app/blobs/uploads/").willReturn(aResponse().withStatus(202).withHeader("Location", u1)));
        registry.stubFor(put(urlPathEqualTo(u1)).willReturn(aResponse().withStatus(201)));
        // 1 KiB every 100 ms: 1.6 s in all, four times the idle timeout.
        RegistryClient.BlobSource slow = offset -> new InputStream() {
            private int pos = (int) offset;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= blob.length) {
                    return -1;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                int n = Math.min(Math.min(len, 1024), blob.length - pos);
                System.arraycopy(blob, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        assertTimeoutPreemptively(NO_HANG, () -> client().uploadBlob("app", d, slow, Optional.empty(),
                TransferProgress.NONE));
        registry.verify(1, putRequestedFor(urlPathEqualTo(u1)).withQueryParam("digest", equalTo(d.digest().toString())));
        assertArrayEquals(blob, FakeRegistry.received(registry, "PUT").get(0).getRequest().getBody());
    }
}
