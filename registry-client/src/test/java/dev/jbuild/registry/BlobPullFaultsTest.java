package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.BlobStore;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.auth.Credentials;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob downloads against faults a real registry cannot be made to show: a connection cut in the
 * middle of the body, a server that ignores {@code Range}, bytes that do not match the digest, a
 * redirect to blob storage on another host.
 */
class BlobPullFaultsTest {
    private static final int SIZE = 200_000;
    private static final int HALF = SIZE / 2;

    private static WireMockServer registry;
    private static WireMockServer storage;

    @TempDir
    Path tmp;

    private final FakeRegistry.RecordingLog log = new FakeRegistry.RecordingLog();

    @BeforeAll
    static void start() {
        registry = FakeRegistry.start();
        storage = FakeRegistry.start();
    }

    @AfterAll
    static void stop() {
        registry.stop();
        storage.stop();
    }

    @BeforeEach
    void reset() {
        registry.resetAll();
        storage.resetAll();
    }

    private static String blobPath(Descriptor d) {
        return "/v2/app/blobs/" + d.digest();
    }

    /**
     * The first GET announces the whole length but sends half the bytes and closes the connection
     * (Jetty aborts a response that ends short of its Content-Length).
     */
    private static void cutAtHalf(byte[] blob, Descriptor d) {
        registry.stubFor(get(blobPath(d)).withHeader("Range", absent()).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Length", Integer.toString(SIZE)).withBody(Arrays.copyOf(blob, HALF))));
    }

    @Test
    void aCutInTheMiddleOfTheBodyResumesWithRangeAndStoresTheRightBytes() throws Exception {
        byte[] blob = FakeRegistry.bytes(SIZE, 1);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        cutAtHalf(blob, d);
        registry.stubFor(get(blobPath(d)).withHeader("Range", equalTo("bytes=" + HALF + "-")).willReturn(aResponse()
                .withStatus(206).withHeader("Content-Range", "bytes " + HALF + "-" + (SIZE - 1) + "/" + SIZE)
                .withBody(Arrays.copyOfRange(blob, HALF, SIZE))));

        BlobStore store = new BlobStore(tmp);
        RegistryClient client = FakeRegistry.client(registry, FakeRegistry.options(log));
        try (BlobStore.Writer w = store.newWriter("sha256")) {
            client.getBlob("app", d, w, TransferProgress.NONE);
            w.commit(Optional.of(d.digest()), OptionalLong.of(d.size()));
        }

        assertArrayEquals(blob, store.read(d.digest()));
        List<ServeEvent> gets = FakeRegistry.received(registry, "GET");
        assertEquals(2, gets.size());
        assertFalse(gets.get(0).getRequest().containsHeader("Range"));
        assertEquals("bytes=" + HALF + "-", gets.get(1).getRequest().getHeader("Range"));
        assertTrue(log.warned("broke off at " + HALF + " of " + SIZE), log.warnings.toString());
    }

    @Test
    void aServerThatIgnoresRangeIsReadFromTheStartAndWhatWeHaveIsSkipped() throws Exception {
        byte[] blob = FakeRegistry.bytes(SIZE, 2);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        cutAtHalf(blob, d);
        registry.stubFor(get(blobPath(d)).withHeader("Range", matching("bytes=.*"))
                .willReturn(aResponse().withStatus(200).withBody(blob)));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FakeRegistry.client(registry, FakeRegistry.options(log)).getBlob("app", d, out, TransferProgress.NONE);

        assertArrayEquals(blob, out.toByteArray());
        registry.verify(2, getRequestedFor(urlEqualTo(blobPath(d))));
        registry.verify(1, getRequestedFor(urlEqualTo(blobPath(d))).withHeader("Range",
                equalTo("bytes=" + HALF + "-")));
    }

    @Test
    void aResumeAnsweredFromTheWrongOffsetIsRefused() throws Exception {
        byte[] blob = FakeRegistry.bytes(SIZE, 3);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        cutAtHalf(blob, d);
        registry.stubFor(get(blobPath(d)).withHeader("Range", matching("bytes=.*")).willReturn(aResponse()
                .withStatus(206).withHeader("Content-Range", "bytes 0-" + (SIZE - 1) + "/" + SIZE).withBody(blob)));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RegistryException e = assertThrows(RegistryException.class, () -> FakeRegistry.client(registry,
                FakeRegistry.options(log)).getBlob("app", d, out, TransferProgress.NONE));
        assertTrue(e.getMessage().contains("asked to resume at " + HALF), e.getMessage());
        assertEquals(HALF, out.size(), "nothing after the cut was written");
        registry.verify(2, getRequestedFor(urlEqualTo(blobPath(d))));
        registry.verify(1, getRequestedFor(urlEqualTo(blobPath(d))).withHeader("Range",
                equalTo("bytes=" + HALF + "-")));
    }

    @Test
    void aBlobLongerThanItsDescriptorIsRefused() throws Exception {
        byte[] blob = FakeRegistry.bytes(1000, 4);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(blob), 999);
        registry.stubFor(get(blobPath(d)).willReturn(aResponse().withStatus(200).withBody(blob)));
        RegistryException e = assertThrows(RegistryException.class, () -> FakeRegistry.client(registry,
                FakeRegistry.options(log)).getBlob("app", d, new ByteArrayOutputStream(), TransferProgress.NONE));
        assertEquals(Optional.of("SIZE_INVALID"), e.code());
        registry.verify(1, getRequestedFor(urlEqualTo(blobPath(d))));
    }

    @Test
    void aLayerWhoseBytesDoNotMatchItsDigestIsRefusedAndNothingIsStored() throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] layer = FakeRegistry.bytes(50_000, 5);
        byte[] tampered = layer.clone();
        tampered[25_000] ^= 1;
        Descriptor cd = Descriptor.of(MediaTypes.OCI_CONFIG, config);
        Descriptor ld = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptorJson(cd) + ",\"layers\":[" + descriptorJson(ld) + "]}").getBytes(StandardCharsets.UTF_8);
        registry.stubFor(get("/v2/app/manifests/1").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(manifest)));
        registry.stubFor(get(blobPath(cd)).willReturn(aResponse().withStatus(200).withBody(config)));
        registry.stubFor(get(blobPath(ld)).willReturn(aResponse().withStatus(200).withBody(tampered)));

        LocalStore store = LocalStore.open(tmp.resolve("store"));
        ImageReference ref = ImageReference.parse(FakeRegistry.name(registry) + "/app:1");
        ImagePuller puller = new ImagePuller(store, new RegistryClients(FakeRegistry.options(log)),
                TransferListener.NONE);
        RegistryException e = assertThrows(RegistryException.class,
                () -> puller.pull(ref, Optional.empty(), false));

        assertEquals(Optional.of("DIGEST_INVALID"), e.code());
        assertTrue(e.getMessage().contains("does not match its digest"), e.getMessage());
        assertFalse(store.blobs().has(ld.digest()));
        assertFalse(Files.exists(store.blobs().path(ld.digest())));
        assertFalse(store.blobs().has(Digest.sha256(tampered)), "the tampered bytes are not kept either");
        Path ingest = store.root().resolve("ingest");
        if (Files.isDirectory(ingest)) {
            try (Stream<Path> left = Files.list(ingest)) {
                assertEquals(List.of(), left.toList(), "no temporary file left behind");
            }
        }
        assertEquals(Optional.empty(), store.resolve(ref), "the image is not named");
        registry.verify(1, getRequestedFor(urlEqualTo(blobPath(ld))));
    }

    private static String descriptorJson(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }

    @Test
    void aRedirectToAnotherHostIsFollowedWithoutTheAuthorizationHeader() throws Exception {
        byte[] blob = FakeRegistry.bytes(30_000, 6);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, blob);
        String basic = "Basic " + Base64.getEncoder().encodeToString("user:s3cret-pw".getBytes(StandardCharsets.UTF_8));
        registry.stubFor(get(blobPath(d)).withHeader("Authorization", absent()).willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", "Basic realm=\"fake registry\"")));
        String signed = "http://127.0.0.1:" + storage.port() + "/bucket/blob-1?X-Signature=signed-url-secret";
        registry.stubFor(get(blobPath(d)).withHeader("Authorization", equalTo(basic))
                .willReturn(aResponse().withStatus(307).withHeader("Location", signed)));
        storage.stubFor(get(urlPathEqualTo("/bucket/blob-1")).willReturn(aResponse().withStatus(200).withBody(blob)));

        RegistryOptions options = FakeRegistry.options(log)
                .withCredentials(r -> Optional.of(Credentials.basic("user", "s3cret-pw")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FakeRegistry.client(registry, options).getBlob("app", d, out, TransferProgress.NONE);

        assertArrayEquals(blob, out.toByteArray());
        registry.verify(1, getRequestedFor(urlEqualTo(blobPath(d))).withHeader("Authorization", equalTo(basic)));
        storage.verify(1, getRequestedFor(urlPathEqualTo("/bucket/blob-1")).withoutHeader("Authorization")
                .withQueryParam("X-Signature", equalTo("signed-url-secret")));
        for (String line : log.all()) {
            assertFalse(line.contains("signed-url-secret"), "signed URL query in the log: " + line);
        }
    }
}
