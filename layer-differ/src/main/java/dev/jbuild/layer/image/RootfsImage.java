package dev.jbuild.layer.image;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerResult;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.apply.ApplyMode;
import dev.jbuild.layer.apply.ApplyOptions;
import dev.jbuild.layer.apply.LayerApplier;
import dev.jbuild.layer.apply.Trees;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Makes a one-layer base image from a root file system — a directory, or a tar (plain, gzip or
 * zstd) — so base images can be made with no network ({@code jbuild import --rootfs}). A tar is
 * first extracted by {@link LayerApplier}, which refuses hostile entries, and then written again
 * like a directory, so the layer is always sorted and reproducible whatever tool made the tar.
 */
public final class RootfsImage {
    private RootfsImage() {
    }

    /**
     * @param created the image's creation time; SOURCE_DATE_EPOCH, when set, also clamps the
     *     layer's mtimes
     */
    public static Descriptor create(LocalStore store, Path source, ImageReference name, Platform platform,
                                    Instant created, LayerOptions options) throws IOException {
        try (Hold session = store.writeSession()) {
            LayerResult layer = Files.isDirectory(source)
                    ? writeLayer(store.blobs(), source, options)
                    : fromTar(store, source, options);
            ImageConfig config = ImageConfig.of(platform)
                    .withCreated(created)
                    .withLayer(layer.diffId(), HistoryEntry.layer(created, "jbuild import --rootfs "
                            + source.getFileName()));
            byte[] configJson = Json.write(config);
            Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.blobs().write(configJson),
                    configJson.length);
            Descriptor layerDesc = Descriptor.of(layer.mediaType(), layer.digest(), layer.size());
            byte[] manifest = Json.write(Manifest.oci(configDesc, List.of(layerDesc)));
            Descriptor image = Descriptor.of(MediaTypes.OCI_MANIFEST, store.blobs().write(manifest), manifest.length);
            store.tag(name, image);
            return image;
        }
    }

    private static LayerResult writeLayer(BlobStore blobs, Path tree, LayerOptions options) throws IOException {
        try (BlobStore.Writer out = blobs.newWriter("sha256")) {
            LayerResult layer = LayerWriter.writeTree(tree, out, Compression.GZIP, options);
            out.commit(Optional.of(layer.digest()), OptionalLong.of(layer.size()));
            return layer;
        }
    }

    private static LayerResult fromTar(LocalStore store, Path tar, LayerOptions options) throws IOException {
        if (!Files.isRegularFile(tar)) {
            throw new IOException(tar + ": no such directory or tar file");
        }
        // Beside the blobs, on the same (large) file system; removed in any case but a crash.
        Path scratch = Files.createTempDirectory(store.root(), ".rootfs-");
        Path tree = scratch.resolve("rootfs");
        try {
            try (InputStream in = Files.newInputStream(tar)) {
                LayerApplier.apply(in, tree, ApplyMode.FLAT, ApplyOptions.defaults());
            }
            return writeLayer(store.blobs(), tree, options);
        } finally {
            Trees.deleteRecursively(scratch);
        }
    }
}
