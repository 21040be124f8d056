package dev.jbuild.cli;

import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.DockerfileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the Dockerfile a command names: a path, or {@code -} for standard input. */
final class DockerfileSource {
    private DockerfileSource() {
    }

    static byte[] bytes(String file) throws IOException {
        if (file.equals("-")) {
            return System.in.readAllBytes();
        }
        Path p = Path.of(file);
        if (Files.isDirectory(p)) {
            throw new UserError(file + ": is a directory, not a Dockerfile");
        }
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file (name the Dockerfile with -f)");
        }
    }

    static Dockerfile read(String file) throws IOException, DockerfileException {
        return Dockerfile.parse(file.equals("-") ? "Dockerfile" : file, bytes(file));
    }
}
