package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Manifests a registry should not send: schema 1, oversized ones, and ones with another digest. */
class ManifestFaultsTest extends FakeRegistryTest {
    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:"
            + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);

    private RegistryClient client() throws Exception {
        return FakeRegistry.client(registry, FakeRegistry.options(log));
    }

    @Test
    void theAcceptHeaderListsOciAndDockerTypesAndAByDigestManifestIsVerified() throws Exception {
        Digest digest = Digest.sha256(MANIFEST);
        registry.stubFor(get("/v2/app/manifests/" + digest).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(MANIFEST)));
        RegistryClient.FetchedManifest m = client().getManifest("app", digest.toString()).orElseThrow();
        assertArrayEquals(MANIFEST, m.content());
        assertEquals(digest, m.digest());
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/" + digest))
                .withHeader("Accept", containing(MediaTypes.OCI_MANIFEST))
                .withHeader("Accept", containing(MediaTypes.OCI_INDEX))
                .withHeader("Accept", containing(MediaTypes.DOCKER_MANIFEST))
                .withHeader("Accept", containing(MediaTypes.DOCKER_MANIFEST_LIST)));
    }

    @Test
    void aSchema1ManifestIsRefusedAsUnsupported() throws Exception {
        registry.stubFor(get("/v2/old/manifests/1").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.DOCKER_MANIFEST_V1_SIGNED)
                .withBody("{\"schemaVersion\":1,\"name\":\"old\",\"tag\":\"1\",\"fsLayers\":[]}")));
        RegistryException e = assertThrows(RegistryException.class, () -> client().getManifest("old", "1"));
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/old/manifests/1")));
    }

    @Test
    void aManifestDeclaringMoreThanFourMibIsRefused() throws Exception {
        byte[] huge = new byte[RegistryClient.MAX_DOCUMENT + 1];
        Arrays.fill(huge, (byte) ' ');
        registry.stubFor(get("/v2/app/manifests/big").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST)
                .withHeader("Content-Length", Integer.toString(huge.length)).withBody(huge)));
        RegistryException e = assertThrows(RegistryException.class, () -> client().getManifest("app", "big"));
        assertTrue(e.getMessage().contains((RegistryClient.MAX_DOCUMENT + 1) + " bytes, more than the 4 MiB"),
                e.getMessage());
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/big")));
    }

    @Test
    void aManifestLargerThanFourMibWithoutALengthIsRefusedToo() throws Exception {
        byte[] huge = new byte[RegistryClient.MAX_DOCUMENT + 1000];
        Arrays.fill(huge, (byte) ' ');
        // Chunked transfer: no Content-Length to judge by, so the limit applies while reading.
        registry.stubFor(get("/v2/app/manifests/big").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(huge).withChunkedDribbleDelay(2, 20)));
        RegistryException e = assertThrows(RegistryException.class, () -> client().getManifest("app", "big"));
        assertTrue(e.getMessage().contains("larger than the 4 MiB allowed"), e.getMessage());
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/big")));
    }

    @Test
    void aByDigestManifestWhoseBodyHasAnotherDigestIsRefused() throws Exception {
        Digest wanted = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        registry.stubFor(get("/v2/app/manifests/" + wanted).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withHeader("Docker-Content-Digest", wanted.toString())
                .withBody(MANIFEST)));
        RegistryException e = assertThrows(RegistryException.class,
                () -> client().getManifest("app", wanted.toString()));
        assertEquals(Optional.of("DIGEST_INVALID"), e.code());
        assertTrue(e.getMessage().contains(Digest.sha256(MANIFEST).toString()), e.getMessage());
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/" + wanted)));
    }
}
