package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** 5xx bursts and 429 rate limits: what is retried, how long the client waits, what it says. */
class RetryFaultsTest extends FakeRegistryTest {
    private static final String MANIFEST_PATH = "/v2/app/manifests/1";
    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:"
            + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);

    private static void answerInTurn(Supplier<MappingBuilder> request, ResponseDefinitionBuilder... responses) {
        FakeRegistry.answerInTurn(registry, "turns", request, responses);
    }

    private static ResponseDefinitionBuilder status(int status) {
        return aResponse().withStatus(status);
    }

    private static ResponseDefinitionBuilder manifest() {
        return aResponse().withStatus(200).withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(MANIFEST);
    }

    private RegistryClient client(RetryPolicy retry) throws Exception {
        return FakeRegistry.client(registry, FakeRegistry.options(log).withRetry(retry));
    }

    @Test
    void aBurstOf503And500OnManifestGetIsRetriedUntilItSucceeds() throws Exception {
        answerInTurn(() -> get(MANIFEST_PATH), status(503), status(500), status(503), manifest());
        RegistryClient.FetchedManifest m = client(FakeRegistry.FAST).getManifest("app", "1").orElseThrow();
        assertArrayEquals(MANIFEST, m.content());
        registry.verify(4, getRequestedFor(urlEqualTo(MANIFEST_PATH)));
        assertEquals(3, log.warnings.stream().filter(w -> w.contains("GET manifest app:1: HTTP 50")).count(),
                log.warnings.toString());
    }

    @Test
    void aBurstOn503And500OnBlobGetIsRetriedUntilItSucceeds() throws Exception {
        byte[] blob = FakeRegistry.bytes(10_000, 7);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        String path = "/v2/app/blobs/" + d.digest();
        answerInTurn(() -> get(path), status(500), status(503), aResponse().withStatus(200).withBody(blob));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client(FakeRegistry.FAST).getBlob("app", d, out, TransferProgress.NONE);
        assertArrayEquals(blob, out.toByteArray());
        registry.verify(3, getRequestedFor(urlEqualTo(path)));
    }

    @Test
    void aBurstLongerThanThePolicyFailsNamingRegistryRequestStatusAndTheRegistrysError() throws Exception {
        registry.stubFor(get(MANIFEST_PATH).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"service unavailable\","
                        + "\"detail\":\"storage backend is down\"}]}")));
        RegistryException e = assertThrows(RegistryException.class,
                () -> client(FakeRegistry.FAST).getManifest("app", "1"));
        String m = e.getMessage();
        assertTrue(m.contains(FakeRegistry.name(registry)), m);
        assertTrue(m.contains("GET manifest app:1"), m);
        assertTrue(m.contains("503"), m);
        assertTrue(m.contains("UNAVAILABLE"), m);
        assertTrue(m.contains("service unavailable"), m);
        assertEquals(503, e.status());
        assertEquals(Optional.of("UNAVAILABLE"), e.code());
        registry.verify(FakeRegistry.FAST.attempts(), getRequestedFor(urlEqualTo(MANIFEST_PATH)));
    }

    @Test
    void notFoundIsNotRetried() throws Exception {
        registry.stubFor(get(MANIFEST_PATH).willReturn(status(404)));
        assertEquals(Optional.empty(), client(FakeRegistry.FAST).getManifest("app", "1"));
        registry.verify(1, getRequestedFor(urlEqualTo(MANIFEST_PATH)));
    }

    @Test
    void retryAfterInSecondsIsHonouredAndTheRateLimitIsReported() throws Exception {
        answerInTurn(() -> get(MANIFEST_PATH), status(429).withHeader("Retry-After", "1"), manifest());
        long t0 = System.nanoTime();
        client(FakeRegistry.FAST).getManifest("app", "1").orElseThrow();
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(waited.toMillis() >= 900, "waited only " + waited);
        registry.verify(2, getRequestedFor(urlEqualTo(MANIFEST_PATH)));
        assertTrue(log.warned("rate limited"), log.warnings.toString());
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() throws Exception {
        String when = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2));
        answerInTurn(() -> get(MANIFEST_PATH), status(429).withHeader("Retry-After", when), manifest());
        long t0 = System.nanoTime();
        client(FakeRegistry.FAST).getManifest("app", "1").orElseThrow();
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);
        // The date has one-second resolution: two seconds ahead is at least one second of waiting.
        assertTrue(waited.toMillis() >= 900, "waited only " + waited);
        registry.verify(2, getRequestedFor(urlEqualTo(MANIFEST_PATH)));
        assertTrue(log.warned("rate limited"), log.warnings.toString());
    }

    @Test
    void aHugeRetryAfterIsCappedAndTheLogSaysSo() throws Exception {
        RetryPolicy capped = new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(1));
        answerInTurn(() -> get(MANIFEST_PATH), status(429).withHeader("Retry-After", "86400"), manifest());
        long t0 = System.nanoTime();
        client(capped).getManifest("app", "1").orElseThrow();
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(waited.toMillis() >= 900, "waited only " + waited);
        assertTrue(waited.toSeconds() < 20, "the cap was not applied: " + waited);
        registry.verify(2, getRequestedFor(urlEqualTo(MANIFEST_PATH)));
        assertTrue(log.warned("rate limited"), log.warnings.toString());
        assertTrue(log.warned("asked to wait 86400 s, waiting at most 1.0 s"), log.warnings.toString());
    }

    @Test
    void nothingListeningFailsAfterThreeTriesWithTheReason() throws Exception {
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        RegistryOptions options = FakeRegistry.options(log).withRetry(
                new RetryPolicy(6, Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofSeconds(1)));
        RegistryClient client = RegistryClient.open("127.0.0.1:" + port, options);
        RegistryException e = assertThrows(RegistryException.class, () -> client.getManifest("app", "1"));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("ConnectException"),
                e.getMessage());
        assertEquals(2, log.warnings.stream().filter(w -> w.contains("ConnectException")).count(),
                "two retries, three tries in all: " + log.warnings);
    }
}
