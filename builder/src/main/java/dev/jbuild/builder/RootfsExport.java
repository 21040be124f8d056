package dev.jbuild.builder;

import dev.jbuild.layer.Compression;
import dev.jbuild.layer.LayerOptions;
import dev.jbuild.layer.LayerWriter;
import dev.jbuild.layer.apply.ApplyMode;
import dev.jbuild.layer.apply.ApplyOptions;
import dev.jbuild.layer.apply.LayerApplier;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The root file system of a built image, as {@code --output type=local} (a directory) and
 * {@code type=tar} (one uncompressed tar) want it: every layer applied in order, whiteouts
 * carried out, nothing of the layering left.
 */
public final class RootfsExport {
    private RootfsExport() {
    }

    /** Applies the image's layers into {@code dir} (created if missing; what is there is merged with). */
    public static void toDirectory(LocalStore store, Descriptor manifest, Path dir) throws IOException {
        Manifest m = Json.read(store.blobs().read(manifest.digest()), Manifest.class, manifest.digest().toString());
        Files.createDirectories(dir);
        for (Descriptor layer : m.layers()) {
            try (InputStream in = store.blobs().open(layer.digest())) {
                LayerApplier.apply(in, dir, ApplyMode.FLAT, ApplyOptions.defaults());
            }
        }
    }

    /** Writes the image's root file system as one tar to {@code out}, flattening it in the store's tmp dir first. */
    public static void toTar(LocalStore store, Descriptor manifest, OutputStream out) throws IOException {
        Path tmp = Files.createDirectories(store.root().resolve("tmp"));
        Path scratch = Files.createTempDirectory(tmp, "rootfs-" + ProcessHandle.current().pid() + "-");
        try {
            Path tree = scratch.resolve("tree");
            toDirectory(store, manifest, tree);
            LayerWriter.writeTree(tree, out, Compression.NONE, LayerOptions.defaults());
        } finally {
            Trees.deleteRecursively(scratch);
        }
    }
}
