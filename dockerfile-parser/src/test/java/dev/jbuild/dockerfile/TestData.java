package dev.jbuild.dockerfile;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's {@code testdata/} directory from any module's tests. */
public final class TestData {
    private TestData() {
    }

    public static Path root() {
        String configured = System.getProperty("jbuild.testdata");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata"))) {
                return p.resolve("testdata");
            }
        }
        throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
    }
}
