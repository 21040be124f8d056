package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes an archive file whole or not at all: beside the target, then renamed onto it. */
final class ArchiveFiles {
    /** Writes the archive's bytes to a stream and says what image it holds. */
    @FunctionalInterface
    interface Writer {
        Descriptor write(OutputStream out) throws IOException;
    }

    private ArchiveFiles() {
    }

    static Descriptor write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            Descriptor d;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                d = writer.write(out);
            }
            // createTempFile makes 0600; an archive is an ordinary file (docker save, buildx: 0644).
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return d;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
