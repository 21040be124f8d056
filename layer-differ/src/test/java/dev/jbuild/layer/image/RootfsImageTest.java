package dev.jbuild.layer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.layer.LayerOptions;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One-layer base images from a directory or a tar, with no network. */
class RootfsImageTest {
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private Path rootfs() throws IOException {
        Path r = dir.resolve("rootfs");
        Files.createDirectories(r.resolve("bin"));
        Files.createDirectories(r.resolve("etc"));
        Files.writeString(r.resolve("etc/os-release"), "NAME=test\n");
        Files.writeString(r.resolve("bin/hello"), "#!/bin/sh\necho hello\n");
        r.resolve("bin/hello").toFile().setExecutable(true, false);
        Files.createSymbolicLink(r.resolve("bin/hi"), Path.of("hello"));
        try (Stream<Path> all = Files.walk(r)) {
            for (Path p : all.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2025-06-01T12:00:00Z")));
                }
            }
        }
        return r;
    }

    private static void run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }

    @Test
    void directoryAndTarOfTheSameTreeGiveTheSameImage() throws Exception {
        Path rootfs = rootfs();
        run(dir, "tar", "-czf", "rootfs.tar.gz", "-C", rootfs.toString(), ".");
        LocalStore store = LocalStore.open(dir.resolve("store"));
        Platform amd64 = Platform.of("linux", "amd64");
        Descriptor fromDir = RootfsImage.create(store, rootfs, ImageReference.parse("base:dir"), amd64, CREATED,
                LayerOptions.defaults());
        Descriptor fromTar = RootfsImage.create(store, dir.resolve("rootfs.tar.gz"), ImageReference.parse("base:tar"),
                amd64, CREATED, LayerOptions.defaults());
        Manifest a = Json.read(store.blobs().read(fromDir.digest()), Manifest.class);
        Manifest b = Json.read(store.blobs().read(fromTar.digest()), Manifest.class);
        assertEquals(a.layers(), b.layers(), "the same layer, whatever the source's format");

        ImageConfig config = Json.read(store.blobs().read(a.config().digest()), ImageConfig.class);
        assertEquals("amd64", config.architecture());
        assertEquals(1, config.rootfs().diffIds().size());
        assertEquals(1, config.history().size());
        try (Stream<Path> left = Files.list(dir.resolve("store"))) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().startsWith(".rootfs-")), "scratch removed");
        }
    }

    @Test
    void aHostileTarIsRefusedAndNothingIsNamed() throws Exception {
        Path evil = dir.resolve("evil");
        Files.createDirectories(evil);
        Files.writeString(evil.resolve("x"), "x");
        run(dir, "tar", "-cf", "evil.tar", "-P", "--transform", "s,^,../,", "-C", evil.toString(), "x");
        LocalStore store = LocalStore.open(dir.resolve("store"));
        assertThrows(IOException.class, () -> RootfsImage.create(store, dir.resolve("evil.tar"),
                ImageReference.parse("evil:1"), Platform.of("linux", "amd64"), CREATED, LayerOptions.defaults()));
        assertEquals(List.of(), store.images());
        assertFalse(Files.exists(dir.resolve("x")) || Files.exists(dir.resolve("store/x")));
    }
}
