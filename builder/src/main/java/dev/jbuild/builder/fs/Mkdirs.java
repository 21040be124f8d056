package dev.jbuild.builder.fs;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * {@code mkdir -p} inside a root file system, as BuildKit creates WORKDIR and the missing parents of
 * a COPY destination: the path is resolved with {@link RootPath} (symlinks followed, never leaving
 * the root, so a link to a missing directory creates its target), and only the missing directories
 * are created, each with the given owner and exactly the given mode (no umask). Directories that
 * exist keep their owner, mode and times.
 */
public final class Mkdirs {
    private Mkdirs() {
    }

    /**
     * Creates {@code containerPath} and its missing parents inside {@code root}.
     *
     * @param mode permission bits, 07777 at most, set as given
     * @return the host path of the directory
     * @throws BuildException when something that is not a directory is in the way, naming the
     *     container path
     */
    public static Path mkdirs(Path root, String containerPath, int uid, int gid, int mode) throws IOException {
        Path target = RootPath.resolve(root, containerPath, true);
        Path dir = root;
        for (Path name : root.relativize(target)) {
            if (name.toString().isEmpty()) {
                continue; // the root itself: relativize gives one empty name
            }
            dir = dir.resolve(name);
            BasicFileAttributes attrs = attributes(dir);
            if (attrs == null) {
                create(dir, uid, gid, mode);
            } else if (!attrs.isDirectory()) {
                // A symlink here can only mean the tree changed under us since RootPath looked.
                throw new BuildException("cannot create directory " + containerPath + ": "
                        + RootPath.containerPath(root, dir) + " exists and is not a directory");
            }
        }
        return target;
    }

    private static void create(Path dir, int uid, int gid, int mode) throws IOException {
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // Created by someone else meanwhile: like mkdir -p, accept it if it is a directory.
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            return;
        }
        // Owner before mode: chown clears set-id bits.
        Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:mode", mode & 07777);
    }

    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
