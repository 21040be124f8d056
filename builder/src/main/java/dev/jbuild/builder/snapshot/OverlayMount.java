package dev.jbuild.builder.snapshot;

import dev.jbuild.builder.BuildException;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An overlayfs mount of snapshot directories, with or without a writable upper dir. Mounted with
 * {@code redirect_dir=off} and {@code metacopy=off} so that the upper dir alone holds every change
 * of a step, which is what makes it a layer (and a snapshot) as it is. Closing unmounts.
 *
 * <p>The mount options must fit in one page (4 KiB). A long chain of lower dirs does not, so then
 * jbuild links each lower dir under a short name in a directory of its own and mounts with paths
 * relative to it, through {@code mount(8)} started in that directory; the kernel resolves relative
 * lower dirs against the mounting process's working directory, which the JVM cannot change.
 */
public final class OverlayMount implements AutoCloseable {
    /** Linux copies mount data into one page; leave room for the upper and work dir options. */
    private static final int OPTIONS_LIMIT = 4000;

    private final Path target;
    private boolean mounted;

    private OverlayMount(Path target) {
        this.target = target;
        this.mounted = true;
    }

    /**
     * Mounts {@code lowers} (top first) at {@code target}, writable through {@code upper} when given
     * ({@code work} must then be an empty dir on the same file system). Without an upper dir the
     * mount is read-only; overlayfs then needs two lower dirs at least, so callers pass the empty
     * snapshot at the bottom.
     */
    public static OverlayMount mount(List<Path> lowers, Optional<Path> upper, Optional<Path> work, Path target,
                                     Path linkDir) throws IOException {
        if (lowers.isEmpty()) {
            throw new IllegalArgumentException("an overlay needs a lower dir");
        }
        Files.createDirectories(target);
        String tail = upper.map(u -> ",upperdir=" + u + ",workdir=" + work.orElseThrow()).orElse("")
                + ",redirect_dir=off,metacopy=off";
        String lowerOption = "lowerdir=" + join(lowers);
        try {
            if (lowerOption.length() + tail.length() <= OPTIONS_LIMIT) {
                Syscalls.mount("overlay", target, "overlay", 0, lowerOption + tail);
            } else {
                mountThroughLinks(lowers, tail, target, linkDir);
            }
        } catch (IOException e) {
            throw new BuildException("cannot mount the build's overlay file system at " + target + ": "
                    + e.getMessage() + " (jbuild needs root and a kernel with overlayfs)", e);
        }
        return new OverlayMount(target);
    }

    private static void mountThroughLinks(List<Path> lowers, String tail, Path target, Path linkDir)
            throws IOException {
        Files.createDirectories(linkDir);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lowers.size(); i++) {
            String name = Integer.toString(i, 36);
            Path link = linkDir.resolve(name);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, lowers.get(i));
            names.add(name);
        }
        String options = "lowerdir=" + String.join(":", names) + tail;
        if (options.length() > OPTIONS_LIMIT) {
            throw new BuildException("too many layers to mount (" + lowers.size() + "); overlayfs takes about 500 at most");
        }
        Process p = new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", options, target.toString())
                .directory(linkDir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("mount(8) failed: " + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting", e);
        }
    }

    private static String join(List<Path> dirs) {
        StringBuilder b = new StringBuilder();
        for (Path d : dirs) {
            String s = d.toString();
            if (s.contains(":") || s.contains(",")) {
                throw new IllegalArgumentException("overlay dirs cannot contain ':' or ',': " + s);
            }
            b.append(b.length() == 0 ? "" : ":").append(s);
        }
        return b.toString();
    }

    public Path target() {
        return target;
    }

    /** Unmounts; a busy mount is detached so that nothing stays mounted after jbuild. */
    @Override
    public void close() throws IOException {
        if (!mounted) {
            return;
        }
        mounted = false;
        try {
            Syscalls.umount(target, 0);
        } catch (IOException busy) {
            Syscalls.umount(target, 2 /* MNT_DETACH */);
        }
    }
}
