package dev.jbuild.builder.cache;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /**
     * What {@link DataOutputStream#writeUTF} wrote, read as {@link DataInputStream#readUTF} would;
     * ASCII text (paths nearly always are) is taken as it is rather than decoded a character at a
     * time, which was most of the time spent reading a memo of 20,000 files. {@code scratch} holds
     * at least 65,535 bytes.
     */
    static String readText(DataInputStream in, byte[] scratch) throws IOException {
        int length = in.readUnsignedShort();
        in.readFully(scratch, 0, length);
        for (int i = 0; i < length; i++) {
            if (scratch[i] < 0) {
                byte[] utf = new byte[length + 2];
                utf[0] = (byte) (length >>> 8);
                utf[1] = (byte) length;
                System.arraycopy(scratch, 0, utf, 2, length);
                return new DataInputStream(new ByteArrayInputStream(utf)).readUTF();
            }
        }
        return new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** A buffer for {@link #readText}. */
    static byte[] textScratch() {
        return new byte[65535];
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
