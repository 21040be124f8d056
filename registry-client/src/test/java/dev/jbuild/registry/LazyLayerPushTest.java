package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.store.RemoteBlobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push of an image whose base layer the store never downloaded, to a registry that declines the
 * cross-repository mount (202 with an upload session, as Harbor does across projects): the layer
 * goes into that very session, streamed from the repository the store recorded for it, and is not
 * stored on the way. A real docker-registry mounts whatever its source repository has, so this
 * refusal is WireMock's to show.
 */
class LazyLayerPushTest extends FakeRegistryTest {
    @TempDir
    Path root;

    private static final byte[] LAYER = FakeRegistry.bytes(20_000, 7);
    private static final Descriptor LAYER_DESC = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, LAYER);

    @Test
    void aDeclinedMountFallsBackToStreamingTheLayerFromItsRecordedRepository() throws Exception {
        LocalStore store = LocalStore.open(root);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(config), config.length);
        byte[] manifest = Json.write(Manifest.oci(configDesc, List.of(LAYER_DESC)));
        Descriptor image = Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
        String host = FakeRegistry.name(registry);
        store.remote().record(LAYER_DESC.digest(), new RemoteBlobs.Source(host, "team/base"));

        String layer = LAYER_DESC.digest().toString();
        registry.stubFor(head(urlPathMatching("/v2/team/app/manifests/.*")).willReturn(aResponse().withStatus(404)));
        registry.stubFor(head(urlPathMatching("/v2/team/app/blobs/.*")).willReturn(aResponse().withStatus(404)));
        registry.stubFor(post(urlPathEqualTo("/v2/team/app/blobs/uploads/")).atPriority(1)
                .withQueryParam("mount", equalTo(layer)).withQueryParam("from", equalTo("team/base"))
                .willReturn(aResponse().withStatus(202).withHeader("Location", "/v2/team/app/blobs/uploads/declined")));
        registry.stubFor(post(urlPathEqualTo("/v2/team/app/blobs/uploads/")).atPriority(5)
                .willReturn(aResponse().withStatus(202).withHeader("Location", "/v2/team/app/blobs/uploads/fresh")));
        registry.stubFor(get(urlPathEqualTo("/v2/team/base/blobs/" + layer))
                .willReturn(aResponse().withStatus(200).withBody(LAYER)));
        registry.stubFor(put(urlPathMatching("/v2/team/app/blobs/uploads/.*")).willReturn(aResponse().withStatus(201)));
        registry.stubFor(put(urlPathEqualTo("/v2/team/app/manifests/1")).willReturn(aResponse().withStatus(201)));

        ImagePusher.Result r = new ImagePusher(store, new RegistryClients(FakeRegistry.options(log)),
                TransferListener.NONE).push(image, ImageReference.parse(host + "/team/app:1"));

        assertEquals(2, r.uploaded(), "the config, and the layer after the declined mount");
        assertEquals(0, r.mounted());
        registry.verify(1, postRequestedFor(urlPathEqualTo("/v2/team/app/blobs/uploads/"))
                .withQueryParam("mount", equalTo(layer)));
        registry.verify(1, getRequestedFor(urlPathEqualTo("/v2/team/base/blobs/" + layer)));
        List<ServeEvent> intoSession = FakeRegistry.received(registry, e -> e.getRequest().getMethod().getName()
                .equals("PUT") && e.getRequest().getUrl().startsWith("/v2/team/app/blobs/uploads/declined"));
        assertEquals(1, intoSession.size(), "the layer went into the session the refusal opened");
        assertTrue(intoSession.get(0).getRequest().getUrl().contains("digest=" + layer.replace(":", "%3A")),
                intoSession.get(0).getRequest().getUrl());
        assertArrayEquals(LAYER, intoSession.get(0).getRequest().getBody());
        registry.verify(1, putRequestedFor(urlPathEqualTo("/v2/team/app/manifests/1")));
        assertFalse(store.blobs().has(LAYER_DESC.digest()), "streamed, not stored");
    }
}
