package dev.jbuild.oci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates and loads the shared fixtures in {@code testdata/oci}. */
final class Fixtures {
    private Fixtures() {
    }

    static Path dir() {
        String prop = System.getProperty("jbuild.testdata");
        if (prop != null && Files.isDirectory(Paths.get(prop, "oci"))) {
            return Paths.get(prop, "oci");
        }
        for (Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata").resolve("oci"))) {
                return dir.resolve("testdata").resolve("oci");
            }
        }
        throw new IllegalStateException("testdata/oci not found; set -Djbuild.testdata");
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(dir().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
