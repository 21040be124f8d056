package dev.jbuild.oci.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records of blobs a store's images name but the store does not hold: they survive a reopen, the
 * first source stays, and prune keeps exactly those a name still reaches and the store still lacks.
 */
class RemoteBlobsTest {
    @TempDir
    Path root;

    private static final RemoteBlobs.Source BASE = new RemoteBlobs.Source("127.0.0.1:5000", "team/base");

    /** An image whose layer is only a descriptor: its bytes are not in the store. */
    private static Descriptor imageWithoutLayer(LocalStore store, Descriptor layer) throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(config), config.length);
        byte[] manifest = Json.write(Manifest.oci(configDesc, List.of(layer)));
        return Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
    }

    @Test
    void recordsAreFoundAgainAfterAReopenAndTheFirstSourceStays() throws Exception {
        Digest d = Digest.sha256("a layer".getBytes(StandardCharsets.UTF_8));
        LocalStore.open(root).remote().record(d, BASE);
        LocalStore.open(root).remote().record(d, new RemoteBlobs.Source("other.example", "x"));
        RemoteBlobs remote = LocalStore.open(root).remote();
        assertEquals(Optional.of(BASE), remote.find(d));
        assertEquals(List.of(d), remote.list());
        assertEquals("127.0.0.1:5000/team/base", BASE.toString());
        assertEquals(Optional.empty(), remote.find(Digest.sha256(new byte[0])));
    }

    @Test
    void pruneKeepsTheRecordsOfMissingBlobsANameReaches() throws Exception {
        LocalStore store = LocalStore.open(root);
        byte[] kept = "kept layer".getBytes(StandardCharsets.UTF_8);
        byte[] fetched = "fetched layer".getBytes(StandardCharsets.UTF_8);
        byte[] orphan = "orphan layer".getBytes(StandardCharsets.UTF_8);
        Descriptor keptLayer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(kept), kept.length);
        Descriptor fetchedLayer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(fetched), fetched.length);
        store.tag(ImageReference.parse("app:1"), imageWithoutLayer(store, keptLayer));
        store.tag(ImageReference.parse("app:2"), imageWithoutLayer(store, fetchedLayer));
        for (byte[] b : List.of(kept, fetched, orphan)) {
            store.remote().record(Digest.sha256(b), BASE);
        }
        store.blobs().write(fetched); // fetched since: its record has done its job

        store.prune();

        assertEquals(List.of(keptLayer.digest()), store.remote().list());
        assertTrue(store.remote().find(keptLayer.digest()).isPresent());
        assertFalse(Files.exists(root.resolve("remote/sha256").resolve(Digest.sha256(orphan).hex())));
    }
}
