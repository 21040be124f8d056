package dev.jbuild.builder.cache;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a build-cache file whole or not at all: into a temporary file in the same directory
 * (parents created), then renamed over the old one. No fsync: these files are only caches, each
 * written between magic strings so that a torn one does not read in full and is ignored, and a
 * lost one only costs reading the context again.
 */
final class CacheFile {
    /** What goes into the file. */
    interface Content {
        void writeTo(DataOutputStream out) throws IOException;
    }

    private CacheFile() {
    }

    static void replace(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp),
                    64 * 1024))) {
                content.writeTo(out);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            // Only still there if writing or renaming failed.
            Files.deleteIfExists(temp);
        }
    }
}
