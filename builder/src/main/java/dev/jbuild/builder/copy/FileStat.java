package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.ListedTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code lstat} of one path, read in a single call: what COPY needs to recreate it (type and
 * mode bits, owner, device number, modification time) and to spot hard links (device, inode, link
 * count).
 */
record FileStat(int mode, int uid, int gid, long dev, long ino, int nlink, long rdev, long size, Instant mtime) {
    static final int TYPE_MASK = 0170000;
    static final int DIRECTORY = 0040000;
    static final int REGULAR = 0100000;
    static final int SYMLINK = 0120000;

    private static final String ATTRIBUTES = "unix:mode,uid,gid,dev,ino,nlink,rdev,size,lastModifiedTime";

    /** The status of {@code path} itself (a symlink is not followed). */
    static FileStat of(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Long) a.get("dev"), (Long) a.get("ino"), (Integer) a.get("nlink"), (Long) a.get("rdev"),
                (Long) a.get("size"), ((FileTime) a.get("lastModifiedTime")).toInstant());
    }

    /** The status a listing gives (no device number: 0). */
    static FileStat of(ListedTree.Entry l) {
        return new FileStat(l.mode(), l.uid(), l.gid(), l.device(), l.inode(), l.nlink(), 0, l.size(), l.mtime());
    }

    /** The status of {@code path}, or empty when nothing is there. */
    static Optional<FileStat> ifExists(Path path) throws IOException {
        try {
            return Optional.of(of(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    int type() {
        return mode & TYPE_MASK;
    }

    int permissions() {
        return mode & 07777;
    }

    boolean isDirectory() {
        return type() == DIRECTORY;
    }

    boolean isSymlink() {
        return type() == SYMLINK;
    }
}
