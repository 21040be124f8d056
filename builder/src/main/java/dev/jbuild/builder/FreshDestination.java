package dev.jbuild.builder;

import dev.jbuild.builder.fs.ContainerPaths;
import dev.jbuild.builder.fs.RootPath;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fast path of COPY: when its destination is new in the stage's file system (or an empty
 * directory, as WORKDIR leaves it), nothing of the lower layers can collide with what is copied,
 * so the files can be written straight into the step's upper directory, a plain directory,
 * instead of through the overlay mount, where creating a file costs several times more. Only the
 * destination's existing parent directories are mirrored into the upper dir, with their owner,
 * mode and time, as overlayfs would copy them up. Symlinks in the destination's parents are
 * resolved in the stage's file system first, as COPY follows them.
 */
final class FreshDestination {
    private FreshDestination() {
    }

    /**
     * The destination with its parents' symlinks resolved in {@code view}, when it does not exist
     * there or is an empty directory; empty when the copy must go through the overlay.
     */
    static Optional<String> resolve(Path view, String destination) throws IOException {
        String clean = ContainerPaths.clean(destination);
        if (clean.isEmpty()) {
            return Optional.empty(); // the root always has content
        }
        int slash = clean.lastIndexOf('/');
        String name = clean.substring(slash + 1);
        Path parent = RootPath.resolve(view, "/" + (slash < 0 ? "" : clean.substring(0, slash)), true);
        if (Files.exists(parent, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty(); // an error for the regular path to report
        }
        Path target = parent.resolve(name);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                && !(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) && isEmpty(target))) {
            return Optional.empty();
        }
        return Optional.of(RootPath.containerPath(view, target));
    }

    /**
     * Creates in {@code upper} every directory of {@code containerPath} that exists in {@code view},
     * with the same owner, mode and modification time.
     */
    static void mirrorExisting(Path view, Path upper, String containerPath) throws IOException {
        Path from = view;
        Path to = upper;
        for (String name : ContainerPaths.clean(containerPath).split("/")) {
            if (name.isEmpty()) {
                continue;
            }
            from = from.resolve(name);
            to = to.resolve(name);
            if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (!Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(to);
                Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid", LinkOption.NOFOLLOW_LINKS));
                Files.setAttribute(to, "unix:mode",
                        (Integer) Files.getAttribute(from, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
                Syscalls.setTimesNoFollow(to, Files.getLastModifiedTime(from, LinkOption.NOFOLLOW_LINKS).toInstant());
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            return !children.iterator().hasNext();
        }
    }
}
