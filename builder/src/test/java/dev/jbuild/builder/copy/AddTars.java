package dev.jbuild.builder.copy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Test archives for ADD: crafted entry by entry with commons-compress (hostile names, links, types
 * GNU tar will not write from a real tree), or made by GNU tar itself from a directory.
 */
final class AddTars {
    static final long MTIME_MILLIS = 1_500_000_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    private AddTars() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    static AddTars tar() {
        return new AddTars();
    }

    AddTars dir(String name, int mode) {
        return entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode, e -> { }, null);
    }

    AddTars file(String name, String content) {
        return file(name, content, 0644);
    }

    AddTars file(String name, String content, int mode) {
        return entry(name, TarConstants.LF_NORMAL, mode, e -> { }, content.getBytes(StandardCharsets.UTF_8));
    }

    AddTars symlink(String name, String target) {
        return entry(name, TarConstants.LF_SYMLINK, 0777, e -> e.setLinkName(target), null);
    }

    AddTars hardlink(String name, String target) {
        return entry(name, TarConstants.LF_LINK, 0644, e -> e.setLinkName(target), null);
    }

    /** An entry of any type; {@code content} null for none; {@code tweak} sets owners, PAX headers and the like. */
    AddTars entry(String name, byte type, int mode, Consumer<TarArchiveEntry> tweak, byte[] content) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setModTime(MTIME_MILLIS);
        e.setSize(content == null ? 0 : content.length);
        tweak.accept(e);
        try {
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return this;
    }

    Path writeTo(Path file) throws IOException {
        tar.close();
        Files.write(file, bytes.toByteArray());
        return file;
    }

    /** Runs GNU tar in {@code dir} (e.g. {@code -czf out.tgz -C src .}); fails the test on a non-zero exit. */
    static void gnuTar(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("tar");
        command.addAll(List.of(args));
        run(dir, command);
    }

    static void run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(command + " failed: " + out);
        }
    }
}
