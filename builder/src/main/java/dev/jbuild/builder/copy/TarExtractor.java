package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one tar stream into a directory, entry by entry, as ADD does (BuildKit's
 * {@code applyRootArchive}): a union with what is there, the archive winning every conflict. An
 * existing directory meets a directory entry by merging (the entry's owner, mode and mtime apply);
 * anything else in the way of an entry is removed first, a whole directory included, so an entry is
 * always a new inode and never written through a link. Missing parents are made root-owned and 0755.
 * Entries keep their tar mode (setuid, setgid and sticky too), mtime and numeric owner, unless
 * {@code --chown} gives one owner for all; extended attributes ({@code SCHILY.xattr.*}) are restored
 * where the file system takes them. Whiteout names ({@code .wh.*}) are plain files here: an archive
 * is content, not a layer.
 *
 * <p>Where names and links may lead is {@link ArchiveRoot}'s business; a refusal names the archive
 * and the entry. File content streams from the archive to the file, never held in memory.
 * Directory modes and mtimes are set last, deepest first, so a read-only directory still takes its
 * children and a directory's mtime is not disturbed by them.
 */
final class TarExtractor {
    private static final String XATTR_PREFIX = "SCHILY.xattr.";
    private static final int IMPLIED_DIR_MODE = 0755;
    /** The largest uid or gid: (uid_t) -1 means "unchanged" to chown(2). */
    private static final long MAX_ID = 0xFFFF_FFFEL;
    /** Go's {@code time.Unix(0, 1<<63-1)}: BuildKit replaces times outside [epoch, this] by the epoch. */
    private static final Instant MAX_TIME = Instant.ofEpochSecond(0, Long.MAX_VALUE);

    private final ArchiveRoot root;
    private final String archiveName;
    private final Optional<Ids> chown;
    /** Directory entries still to get their mode and mtime, by resolved path, so deepest sorts last. */
    private final TreeMap<String, TarArchiveEntry> directories = new TreeMap<>();
    private final List<String> warnings = new ArrayList<>();
    private long files;
    private long dirs;
    private long symlinks;
    private long specials;
    private long bytes;
    private String entry;

    TarExtractor(Path directory, String archiveName, Optional<Ids> chown) {
        this.root = new ArchiveRoot(directory);
        this.archiveName = archiveName;
        this.chown = chown;
    }

    /** Applies every entry of an uncompressed tar stream, then the directory modes and mtimes. */
    ExtractResult extract(InputStream tarStream) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream, StandardCharsets.UTF_8.name());
        while (true) {
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } catch (IOException x) {
                throw new BuildException("cannot extract " + archiveName + ": the archive is corrupt"
                        + (entry == null ? "" : " after entry \"" + entry + "\"") + " (" + x.getMessage() + ")", x);
            }
            if (e == null) {
                break;
            }
            entry = e.getName();
            try {
                apply(e, tar);
            } catch (BuildException x) {
                throw x;
            } catch (ArchiveRoot.Escape x) {
                throw refuse(x.getMessage());
            } catch (InvalidPathException x) {
                throw refuse("the name cannot be used on this host (" + x.getReason() + ")");
            } catch (IOException x) {
                throw new BuildException(prefix() + x, x);
            }
        }
        entry = null;
        finishDirectories();
        return new ExtractResult(files, dirs, symlinks, specials, bytes, warnings);
    }

    private void apply(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
        if (!e.isCheckSumOK()) {
            throw refuse("its header checksum is wrong (a corrupt archive)");
        }
        if (e.getName().indexOf('\0') >= 0 || e.getLinkName().indexOf('\0') >= 0) {
            throw refuse("a NUL character in its name");
        }
        Kind kind = Kind.of(e);
        if (kind == Kind.UNSUPPORTED) {
            throw refuse("unsupported tar entry type '" + (char) e.getLinkFlag() + "'");
        }
        List<String> parts = root.resolve(ArchiveRoot.clean(e.getName(), "its name"), kind == Kind.DIRECTORY);
        if (parts.isEmpty()) {
            return; // the destination itself, as BuildKit: its owner, mode and mtime stay
        }
        makeParents(parts);
        Path p = root.host(parts);
        clear(parts, p, kind == Kind.DIRECTORY);
        switch (kind) {
            case DIRECTORY -> {
                if (ArchiveRoot.lstat(p) == null) {
                    Files.createDirectory(p);
                }
                owner(p, e);
                xattrs(p, e);
                directories.put(String.join("/", parts), e);
                dirs++;
            }
            case FILE -> {
                try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    bytes += tar.transferTo(out);
                }
                setMetadata(p, e);
                files++;
            }
            case SYMLINK -> {
                if (e.getLinkName().isEmpty()) {
                    throw refuse("a symlink with an empty target");
                }
                Files.createSymbolicLink(p, Path.of(e.getLinkName()));
                owner(p, e);
                xattrs(p, e);
                Syscalls.setTimesNoFollow(p, time(e));
                symlinks++;
            }
            case HARDLINK -> {
                hardlink(p, e);
                files++;
            }
            case FIFO -> {
                Syscalls.mknod(p, Syscalls.S_IFIFO, 0600, 0);
                setMetadata(p, e);
                specials++;
            }
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                if (device(p, e, kind)) {
                    specials++;
                }
            }
            default -> throw new IllegalStateException(kind.name());
        }
    }

    /**
     * A hardlink to an earlier entry or to a file already in the directory (its target is found as
     * entry names are, so never outside). The shared inode takes this entry's owner, mode and mtime.
     */
    private void hardlink(Path p, TarArchiveEntry e) throws IOException {
        String what = "its hardlink target \"" + e.getLinkName() + "\"";
        List<String> target = root.resolve(ArchiveRoot.clean(e.getLinkName(), what), false);
        if (target.isEmpty()) {
            throw refuse("a hardlink to the destination directory itself");
        }
        Path t = root.host(target);
        BasicFileAttributes a = ArchiveRoot.lstat(t);
        if (a == null) {
            throw refuse("its hardlink target \"" + e.getLinkName() + "\" does not exist");
        }
        if (a.isDirectory()) {
            throw refuse("a hardlink to the directory \"" + e.getLinkName() + "\"");
        }
        Files.createLink(p, t);
        owner(p, e);
        xattrs(p, e);
        if (!a.isSymbolicLink()) {
            chmod(p, e.getMode());
            Syscalls.setTimesNoFollow(p, time(e));
        }
    }

    /** Creates a device node; false when the kernel refuses (no privilege), which leaves it out. */
    private boolean device(Path p, TarArchiveEntry e, Kind kind) throws IOException {
        int type = kind == Kind.CHAR_DEVICE ? Syscalls.S_IFCHR : Syscalls.S_IFBLK;
        try {
            Syscalls.mknod(p, type, 0600, Syscalls.makedev(e.getDevMajor(), e.getDevMinor()));
        } catch (IOException x) {
            // As moby's Untar in a user namespace: a build does not need the node.
            warnings.add("skipped device \"" + e.getName() + "\" of " + archiveName + ": " + x.getMessage());
            return false;
        }
        setMetadata(p, e);
        return true;
    }

    /**
     * Owner, then mode (chown clears setuid), then xattrs (chown clears file capabilities), then mtime.
     */
    private void setMetadata(Path p, TarArchiveEntry e) throws IOException {
        owner(p, e);
        chmod(p, e.getMode());
        xattrs(p, e);
        Syscalls.setTimesNoFollow(p, time(e));
    }

    /**
     * Creates the missing parents of {@code parts}, as BuildKit does: owned by root (not by
     * {@code --chown}) with mode 0755. An existing parent must be a directory; symlinks on the way were
     * already resolved.
     */
    private void makeParents(List<String> parts) throws IOException {
        for (int i = 1; i < parts.size(); i++) {
            Path dir = root.host(parts.subList(0, i));
            BasicFileAttributes a = ArchiveRoot.lstat(dir);
            if (a == null) {
                Files.createDirectory(dir);
                chown(dir, 0, 0);
                chmod(dir, IMPLIED_DIR_MODE);
            } else if (!a.isDirectory()) {
                throw refuse("\"" + String.join("/", parts.subList(0, i)) + "\" is not a directory");
            }
        }
    }

    /** Makes room for the entry: only a directory entry over a real directory keeps what is there. */
    private void clear(List<String> parts, Path p, boolean directory) throws IOException {
        BasicFileAttributes a = ArchiveRoot.lstat(p);
        if (a == null || (directory && a.isDirectory())) {
            return;
        }
        Trees.deleteRecursively(p);
        String rel = String.join("/", parts);
        directories.remove(rel);
        directories.subMap(rel + "/", rel + "0").clear(); // '0' follows '/': everything below rel
    }

    private void finishDirectories() throws IOException {
        for (Map.Entry<String, TarArchiveEntry> d : directories.descendingMap().entrySet()) {
            entry = d.getValue().getName();
            Path p = root.host(List.of(d.getKey().split("/")));
            BasicFileAttributes a = ArchiveRoot.lstat(p);
            if (a != null && a.isDirectory()) {
                try {
                    chmod(p, d.getValue().getMode());
                    Syscalls.setTimesNoFollow(p, time(d.getValue()));
                } catch (IOException x) {
                    throw new BuildException(prefix() + x, x);
                }
            }
        }
    }

    /** The {@code --chown} owner, else the archive's numeric one (names are ignored, as BuildKit). */
    private void owner(Path p, TarArchiveEntry e) throws IOException {
        if (chown.isPresent()) {
            chown(p, chown.get().uid(), chown.get().gid());
            return;
        }
        long uid = e.getLongUserId();
        long gid = e.getLongGroupId();
        if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
            throw refuse("its owner " + uid + ":" + gid + " is out of range");
        }
        chown(p, (int) uid, (int) gid);
    }

    /** lchown(2): never follows a symlink. */
    private static void chown(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * chmod(2) by path. It follows a symlink, so it is only used on inodes created or checked here
     * that are not symlinks; the JDK's no-follow variant opens the file instead, which blocks on a fifo.
     */
    private static void chmod(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode & 07777);
    }

    /**
     * Restores {@code SCHILY.xattr.*} records, best effort as BuildKit ({@code BestEffortXattrs}). Overlay
     * metadata is never taken from an archive: in an overlay upper dir it would hide or redirect lower content.
     */
    private void xattrs(Path p, TarArchiveEntry e) {
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            if (!h.getKey().startsWith(XATTR_PREFIX)) {
                continue;
            }
            String name = h.getKey().substring(XATTR_PREFIX.length());
            String where = "xattr " + name + " of \"" + e.getName() + "\" in " + archiveName;
            if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
                warnings.add("ignored " + where + ": overlay metadata is never taken from an archive");
                continue;
            }
            if (h.getValue().indexOf('\uFFFD') >= 0) {
                // commons-compress decodes PAX values as UTF-8; binary values do not survive that.
                warnings.add("skipped " + where + ": its value is not UTF-8 text");
                continue;
            }
            try {
                Syscalls.setXattr(p, name, h.getValue().getBytes(StandardCharsets.UTF_8));
            } catch (IOException x) {
                warnings.add("could not set " + where + ": " + x.getMessage());
            }
        }
    }

    private static Instant time(TarArchiveEntry e) {
        FileTime t = e.getLastModifiedTime();
        Instant i = t == null ? Instant.EPOCH : t.toInstant();
        return i.isBefore(Instant.EPOCH) || i.isAfter(MAX_TIME) ? Instant.EPOCH : i;
    }

    private String prefix() {
        return "cannot extract " + archiveName + (entry == null ? "" : ": entry \"" + entry + "\"") + ": ";
    }

    private BuildException refuse(String why) {
        return new BuildException(prefix() + why);
    }

    /** The entry types ADD unpacks, from the tar type flag as Go's reader reports it. */
    private enum Kind {
        FILE, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, UNSUPPORTED;

        static Kind of(TarArchiveEntry e) {
            return switch (e.getLinkFlag()) {
                // An old-style regular entry whose name ends in '/' is a directory (Go: TypeRegA).
                case 0 -> e.getName().endsWith("/") ? DIRECTORY : FILE;
                // 'S': old GNU sparse, whose content commons-compress expands.
                case '0', 'S' -> FILE;
                case '5' -> DIRECTORY;
                case '2' -> SYMLINK;
                case '1' -> HARDLINK;
                case '3' -> CHAR_DEVICE;
                case '4' -> BLOCK_DEVICE;
                case '6' -> FIFO;
                default -> UNSUPPORTED;
            };
        }
    }
}
