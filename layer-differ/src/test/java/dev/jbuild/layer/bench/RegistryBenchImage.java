package dev.jbuild.layer.bench;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.HistoryEntry;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.BlobStore;
import dev.jbuild.oci.store.Hold;
import dev.jbuild.oci.store.LocalStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Makes the image that {@code bench/registry.sh} pushes and pulls: one gzip layer per directory
 * given, written with {@link LayerWriter} straight into a jbuild store, then config and manifest,
 * tagged NAME. Timestamps are clamped to the epoch, so the same tree always gives the same digests.
 * Run by the bench script, not by the test suite.
 *
 * <pre>
 * RegistryBenchImage &lt;store root&gt; &lt;name&gt; &lt;layer dir&gt;…
 * </pre>
 * Prints one line per layer, then {@code image <manifest digest> <total compressed bytes>}.
 */
public final class RegistryBenchImage {
    private RegistryBenchImage() {
    }

    public static void main(String[] args) throws Exception {
        LocalStore store = LocalStore.open(Path.of(args[0]));
        ImageReference name = ImageReference.parse(args[1]);
        Instant created = Instant.EPOCH;
        LayerOptions options = LayerOptions.defaults().withSourceDateEpoch(created);
        try (Hold session = store.writeSession()) {
            ImageConfig config = ImageConfig.of(Platform.host()).withCreated(created);
            List<Descriptor> layers = new ArrayList<>();
            long total = 0;
            for (int i = 2; i < args.length; i++) {
                Path dir = Path.of(args[i]);
                LayerResult layer;
                try (BlobStore.Writer out = store.blobs().newWriter("sha256")) {
                    layer = LayerWriter.writeTree(dir, out, Compression.GZIP, options);
                    out.commit(Optional.of(layer.digest()), OptionalLong.of(layer.size()));
                }
                config = config.withLayer(layer.diffId(), HistoryEntry.layer(created, "bench layer " + dir.getFileName()));
                layers.add(Descriptor.of(layer.mediaType(), layer.digest(), layer.size()));
                total += layer.size();
                System.out.printf(Locale.ROOT, "  layer %-8s %8.1f MB gzip (%7.1f MB tar)  %s%n", dir.getFileName(),
                        layer.size() / 1e6, layer.uncompressedSize() / 1e6, layer.digest());
            }
            byte[] configJson = Json.write(config);
            Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(configJson),
                    configJson.length);
            byte[] manifest = Json.write(Manifest.oci(configDesc, layers));
            Descriptor image = Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
            store.tag(name, image);
            total += configJson.length + manifest.length;
            System.out.println("image " + image.digest() + " " + total);
        }
    }
}
