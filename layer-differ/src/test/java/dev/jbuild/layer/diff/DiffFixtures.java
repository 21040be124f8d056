package dev.jbuild.layer.diff;

import dev.jbuild.layer.apply.Listing;


import dev.jbuild.layer.apply.ApplyMode;
import dev.jbuild.layer.apply.ApplyOptions;
import dev.jbuild.layer.apply.LayerApplier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Helpers for the differ tests: listings, tar names, applying layers. */
final class DiffFixtures {
    private DiffFixtures() {
    }

    /** Entry names of an uncompressed layer tar, in order, directories with a trailing slash. */
    static List<String> names(byte[] tar) throws IOException {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextTarEntry(); e != null; e = in.getNextTarEntry()) {
                out.add(e.getName());
            }
        }
        return out;
    }

    /** Applies layers in order, FLAT, to a fresh directory {@code target}. */
    static void applyFlat(Path target, byte[]... layers) throws IOException {
        for (byte[] layer : layers) {
            LayerApplier.apply(new ByteArrayInputStream(layer), target, ApplyMode.FLAT, ApplyOptions.defaults());
        }
    }

    /** path -> type, mode, owner, content digest, link target, device (no times, no xattrs). */
    static Map<String, String> listing(Path root) {
        return Listing.contents(root);
    }

    static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    /** Whether /proc/mounts lists anything at or under {@code dir}. */
    static boolean mountedUnder(Path dir) throws IOException {
        String d = dir.toAbsolutePath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 1 && (f[1].equals(d) || f[1].startsWith(d + "/"))) {
                return true;
            }
        }
        return false;
    }
}
