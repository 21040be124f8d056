package dev.jbuild.layer.apply;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.layer.sys.Syscalls;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies tar entries, one at a time, to a root directory.
 *
 * <p>Safety rests on three rules. (1) Names are checked by {@link EntryPaths}: relative, no
 * {@code ..}. (2) Every directory on the way to an entry is {@code lstat}ed; a symbolic link there is
 * refused, so a link placed by a lower layer or an earlier entry is never followed. Directories once
 * checked are remembered and forgotten again when the layer removes them, so the walk costs one
 * {@code lstat} per new directory, not per entry. (3) The last component is never opened through:
 * whatever is there is removed (unlinked, never followed) and a new inode is created with
 * {@code O_CREAT|O_EXCL}, {@code mkdir}, {@code symlink}, {@code link} or {@code mknod}. Only the
 * layer itself can change the tree while it is applied; concurrent writers are outside the model.
 *
 * <p>A few JDK calls are avoided on purpose: {@code setTimes} and {@code unix:mode} with
 * {@code NOFOLLOW_LINKS} open the file, which blocks on a fifo and has side effects on devices, so
 * fifos and devices get their mtime through {@code utimensat} instead; {@code unix:mode} without
 * {@code NOFOLLOW_LINKS} follows symlinks, so it is only used on inodes just created here.
 */
final class Extractor {
    private static final Set<OpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    private static final byte[] OPAQUE_VALUE = {'y'};
    private static final int MAX_WARNINGS = 200;

    private final Path root;
    private final ApplyMode mode;
    private final boolean privileged;
    private final String overlayPrefix;
    private final Journal journal;
    private final List<String> warnings;

    /** Paths this layer put in the tree, and all their ancestors: what a whiteout must not hide. */
    private final Set<String> layerPaths = new HashSet<>();
    /** Directories known to be real directories (relative path to absolute path). */
    private final TreeMap<String, Path> safeDirs = new TreeMap<>();
    /** OVERLAY: paths this layer whited out; a directory created there must be opaque. */
    private final Set<String> whitedOut = new HashSet<>();
    /** Directory entries whose mode, owner, xattrs and mtime are set in the final pass. */
    private final TreeMap<String, TarEntry> dirFixes = new TreeMap<>();
    private final Set<String> createdDirs = new HashSet<>();

    private String entry;
    long entries;
    long files;
    long directories;
    long symlinks;
    long hardlinks;
    long specials;
    long whiteouts;
    long opaqueDirs;
    long skipped;
    boolean hidesLowerLayers;
    private int droppedWarnings;

    private final FileAttribute<?>[] permissionAttributes = new FileAttribute<?>[512];
    /** The process umask, or -1 when unknown (then every file is chmodded). */
    private final int umask;
    /**
     * The uid and gid every inode created here gets, when that is certain: a fresh tree whose root is
     * not setgid (our own directories only get their modes, setgid included, in the final pass).
     * Entries with that owner need no chown, which for images owned by root is nearly all of them.
     */
    private final long[] newInodeOwner;

    Extractor(Path root, ApplyMode mode, boolean privileged, ApplyOptions.OverlayXattrs overlayXattrs, Journal journal,
              List<String> warnings, int umask, long[] newInodeOwner) {
        this.umask = umask;
        this.newInodeOwner = newInodeOwner;
        this.root = root;
        this.mode = mode;
        this.privileged = privileged;
        this.overlayPrefix = overlayXattrs.prefix();
        this.journal = journal;
        this.warnings = warnings;
        safeDirs.put("", root);
    }

    void apply(TarEntry e, TarReader reader) throws IOException {
        entries++;
        entry = e.name();
        try {
            applyEntry(e, reader);
        } catch (LayerApplyException x) {
            throw x;
        } catch (InvalidPathException x) {
            throw new LayerApplyException(entry, "refused: not a valid path (" + x.getReason() + ")", x);
        } catch (IOException x) {
            throw new LayerApplyException(entry, "cannot apply it: " + x, x);
        }
    }

    private void applyEntry(TarEntry e, TarReader reader) throws IOException {
        List<String> parts = EntryPaths.components(entry, e.name(), "name");
        if (e.type() == '?') {
            skipped++;
            return;
        }
        if (parts.isEmpty()) {
            if (e.type() != TarEntry.DIRECTORY) {
                throw refuse("a " + e.typeName() + " cannot replace the root directory");
            }
            directories++;
            dirFixes.put("", e);
            return;
        }
        int n = parts.size();
        for (int i = 0; i < n - 1; i++) {
            if (parts.get(i).startsWith(LayerEntry.WHITEOUT_PREFIX)) {
                // aufs keeps hardlink and metadata trees under ".wh..wh.*" directories; nothing else may live under a
                // whiteout name. Either way the entry is not content.
                warn("skipped \"" + LayerApplyException.printable(entry) + "\": inside a whiteout name");
                skipped++;
                return;
            }
        }
        String base = parts.get(n - 1);
        if (base.startsWith(LayerEntry.WHITEOUT_PREFIX)) {
            whiteout(parts);
            return;
        }
        String rel = EntryPaths.join(parts, n);
        Path parent = directories(parts, n - 1, true);
        markLayer(parts);
        Path p = parent.resolve(base);
        switch (e.type()) {
            case TarEntry.REGULAR -> {
                FileAttribute<?> perms = permissions(e.mode());
                try (FileChannel ch = create(rel, p, false, () -> FileChannel.open(p, CREATE_NEW, perms))) {
                    created(p);
                    reader.input().copyTo(ch, e.size());
                    reader.dataConsumed();
                }
                owner(p, e);
                xattrs(p, e);
                times(p, e, false);
                if (!createdWithMode(e.mode())) {
                    chmod(p, e.mode());
                }
                files++;
            }
            case TarEntry.DIRECTORY -> {
                if (create(rel, p, true, () -> Files.createDirectory(p)) != null) {
                    created(p);
                    createdDirs.add(rel);
                    if (whitedOut.contains(rel)) {
                        opaque(p); // deleted and recreated in this layer: lower content must stay hidden
                    }
                }
                safeDirs.put(rel, p);
                dirFixes.put(rel, e);
                directories++;
            }
            case TarEntry.SYMLINK -> {
                if (e.linkName().isEmpty()) {
                    throw refuse("symlink with an empty target");
                }
                Path target = Path.of(e.linkName());
                create(rel, p, false, () -> Files.createSymbolicLink(p, target));
                created(p);
                owner(p, e);
                xattrs(p, e);
                times(p, e, true);
                symlinks++;
            }
            case TarEntry.HARDLINK -> {
                Path target = hardlinkTarget(e, rel);
                create(rel, p, false, () -> Files.createLink(p, target));
                created(p);
                hardlinks++;
            }
            case TarEntry.CHAR, TarEntry.BLOCK, TarEntry.FIFO -> special(e, rel, p);
            default -> throw new IllegalStateException("unexpected type " + e.type());
        }
    }

    private void special(TarEntry e, String rel, Path p) throws IOException {
        int type = switch (e.type()) {
            case TarEntry.CHAR -> Syscalls.S_IFCHR;
            case TarEntry.BLOCK -> Syscalls.S_IFBLK;
            default -> Syscalls.S_IFIFO;
        };
        if (type != Syscalls.S_IFIFO && !privileged) {
            warn("skipped " + e.typeName() + " \"" + LayerApplyException.printable(entry)
                    + "\": creating device nodes needs root");
            skipped++;
            return;
        }
        clear(rel, p, false);
        try {
            Syscalls.mknod(p, type, 0600, Syscalls.makedev(e.devMajor(), e.devMinor()));
        } catch (IOException x) {
            if (type == Syscalls.S_IFIFO) {
                throw x;
            }
            // Root in a user namespace, or a nodev file system: the device is not needed to build.
            warn("skipped " + e.typeName() + " \"" + LayerApplyException.printable(entry) + "\": " + x.getMessage());
            skipped++;
            return;
        }
        created(p);
        owner(p, e);
        xattrs(p, e);
        chmod(p, e.mode()); // by path: chmod(2) does not open the node
        Syscalls.setTimesNoFollow(p, e.mtime().toInstant());
        specials++;
    }

    private void whiteout(List<String> parts) throws IOException {
        int n = parts.size();
        String base = parts.get(n - 1);
        String dirRel = EntryPaths.join(parts, n - 1);
        if (base.equals(LayerEntry.OPAQUE_WHITEOUT)) {
            opaqueDirs++;
            if (mode == ApplyMode.FLAT) {
                Path dir = directories(parts, n - 1, false);
                if (dir != null) {
                    for (String child : Trees.list(dir)) {
                        hideLower(EntryPaths.child(dirRel, child), dir.resolve(child));
                    }
                }
            } else {
                Path dir = directories(parts, n - 1, true);
                markLayer(parts.subList(0, n - 1));
                opaque(dir);
                if (n == 1) {
                    // overlayfs never checks opacity of its root: the caller must leave the lower layers out of the mount.
                    hidesLowerLayers = true;
                }
            }
            return;
        }
        if (base.startsWith(".wh..wh.")) {
            warn("skipped whiteout metadata \"" + LayerApplyException.printable(entry) + "\"");
            skipped++;
            return;
        }
        String name = base.substring(4);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw refuse("a whiteout must name a file (\"" + base + "\")");
        }
        String rel = EntryPaths.child(dirRel, name);
        whiteouts++;
        if (mode == ApplyMode.FLAT) {
            Path dir = directories(parts, n - 1, false);
            if (dir != null) {
                hideLower(rel, dir.resolve(name));
            }
            return;
        }
        Path dir = directories(parts, n - 1, true);
        markLayer(parts.subList(0, n - 1));
        Path p = dir.resolve(name);
        BasicFileAttributes a = Trees.lstat(p);
        if (a != null && layerPaths.contains(rel)) {
            // A whiteout only hides lower content; what this layer put there stays.
            if (Trees.isRealDirectory(a)) {
                opaque(p);
            }
            return;
        }
        if (a != null) {
            remove(rel, p);
        }
        changing(dir);
        Syscalls.mknod(p, Syscalls.S_IFCHR, 0, 0);
        created(p);
        whitedOut.add(rel);
    }

    /** FLAT: removes what lower layers put at {@code rel}, keeping what this layer put there. */
    private void hideLower(String rel, Path p) throws IOException {
        BasicFileAttributes a = Trees.lstat(p);
        if (a == null) {
            return;
        }
        if (!layerPaths.contains(rel)) {
            remove(rel, p);
            return;
        }
        if (Trees.isRealDirectory(a)) {
            for (String child : Trees.list(p)) {
                hideLower(EntryPaths.child(rel, child), p.resolve(child));
            }
        }
    }

    private void opaque(Path dir) throws IOException {
        try {
            Syscalls.setXattr(dir, overlayPrefix + "opaque", OPAQUE_VALUE);
        } catch (IOException x) {
            throw new LayerApplyException(entry, "cannot mark the directory opaque (" + x.getMessage()
                    + "); overlay lower dirs need root, or USER overlay xattrs on a file system with user xattrs", x);
        }
    }

    /**
     * The directory holding the first {@code count} components, checked component by component.
     * With {@code create}, missing directories are made (0755, as Docker does); without it, a missing
     * or non-directory component gives null. A symbolic link is always refused.
     */
    private Path directories(List<String> parts, int count, boolean create) throws IOException {
        Path dir = root;
        String rel = "";
        for (int i = 0; i < count; i++) {
            String name = parts.get(i);
            String childRel = EntryPaths.child(rel, name);
            Path known = safeDirs.get(childRel);
            if (known != null) {
                dir = known;
                rel = childRel;
                continue;
            }
            Path p = dir.resolve(name);
            BasicFileAttributes a = Trees.lstat(p);
            if (a == null) {
                if (!create) {
                    return null;
                }
                mkdirImplicit(dir, p, childRel);
            } else if (a.isSymbolicLink()) {
                throw refuse("the path goes through the symbolic link \"" + LayerApplyException.printable(childRel)
                        + "\"; links are never followed while a layer is applied");
            } else if (!a.isDirectory()) {
                if (!create) {
                    return null;
                }
                if (mode == ApplyMode.OVERLAY && whitedOut.contains(childRel)) {
                    // ".wh.d" then "d/x" with no "d/" entry: d is new, and opaque over the lower d.
                    remove(childRel, p);
                    mkdirImplicit(dir, p, childRel);
                    opaque(p);
                } else {
                    throw refuse("\"" + LayerApplyException.printable(childRel) + "\" is not a directory");
                }
            }
            safeDirs.put(childRel, p);
            dir = p;
            rel = childRel;
        }
        return dir;
    }

    private void mkdirImplicit(Path parent, Path p, String rel) throws IOException {
        changing(parent);
        Files.createDirectory(p);
        created(p);
        createdDirs.add(rel);
        chmod(p, 0755);
    }

    private Path hardlinkTarget(TarEntry e, String rel) throws IOException {
        List<String> parts = EntryPaths.components(entry, e.linkName(), "hardlink target");
        if (parts.isEmpty()) {
            throw refuse("hardlink to the root directory");
        }
        String targetRel = EntryPaths.join(parts, parts.size());
        if (targetRel.equals(rel) || targetRel.startsWith(rel + "/")) {
            throw refuse("hardlink to itself or to something below it");
        }
        Path dir = directories(parts, parts.size() - 1, false);
        Path target = dir == null ? null : dir.resolve(parts.get(parts.size() - 1));
        BasicFileAttributes a = target == null ? null : Trees.lstat(target);
        if (a == null) {
            throw refuse("hardlink target \"" + LayerApplyException.printable(e.linkName())
                    + "\" does not exist (a hardlink must point to an earlier entry)");
        }
        if (a.isDirectory()) {
            throw refuse("hardlink to the directory \"" + LayerApplyException.printable(e.linkName()) + "\"");
        }
        return target;
    }

    private interface Creation<T> {
        T create() throws IOException;
    }

    /**
     * Creates a new inode at {@code p} with an exclusive create (which never follows a symlink there);
     * only when something is in the way does it look, and make room as {@link #clear} says. Cheaper
     * than looking first: the path is almost always free.
     *
     * @return what the creation returned, or null when an existing directory was kept
     */
    private <T> T create(String rel, Path p, boolean directory, Creation<T> creation) throws IOException {
        changing(p.getParent());
        try {
            return creation.create();
        } catch (FileAlreadyExistsException exists) {
            if (clear(rel, p, directory)) {
                return null;
            }
            return creation.create();
        }
    }

    /**
     * Makes room for a new inode at {@code p}. An existing real directory is kept when the entry is a
     * directory too (the OCI rule: only its attributes change); anything else there is removed.
     *
     * @return true when an existing directory was kept
     */
    private boolean clear(String rel, Path p, boolean directory) throws IOException {
        BasicFileAttributes a = Trees.lstat(p);
        if (a == null) {
            changing(p.getParent());
            return false;
        }
        if (directory && Trees.isRealDirectory(a)) {
            return true;
        }
        remove(rel, p);
        return false;
    }

    private void remove(String rel, Path p) throws IOException {
        changing(p.getParent());
        if (journal != null) {
            journal.moveAside(p);
        } else {
            Trees.deleteRecursively(p);
        }
        forget(rel);
    }

    /** Drops cached knowledge about a removed path and everything that was below it. */
    private void forget(String rel) {
        String lo = rel + "/";
        String hi = EntryPaths.descendantsEnd(rel);
        safeDirs.remove(rel);
        safeDirs.subMap(lo, hi).clear();
        dirFixes.remove(rel);
        dirFixes.subMap(lo, hi).clear();
        createdDirs.remove(rel);
    }

    private void changing(Path dir) throws IOException {
        if (journal != null) {
            journal.entriesChanging(dir);
        }
    }

    private void created(Path p) {
        if (journal != null) {
            journal.created(p);
        }
    }

    private void markLayer(List<String> parts) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                b.append('/');
            }
            b.append(parts.get(i));
            layerPaths.add(b.toString());
        }
    }

    /** The permission bits to create a regular file with; cached, there are few distinct modes. */
    private FileAttribute<?> permissions(int mode) {
        int bits = mode & 0777;
        FileAttribute<?> a = permissionAttributes[bits];
        if (a == null) {
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ first, OTHERS_EXECUTE last
            for (int i = 0; i < 9; i++) {
                if ((bits & (0400 >> i)) != 0) {
                    set.add(all[i]);
                }
            }
            a = PosixFilePermissions.asFileAttribute(set);
            permissionAttributes[bits] = a;
        }
        return a;
    }

    /** True when open(2) with these bits already gave the file its final mode: no special bits, none masked. */
    private boolean createdWithMode(int mode) {
        return umask >= 0 && (mode & 07000) == 0 && (mode & umask) == 0;
    }

    private void owner(Path p, TarEntry e) throws IOException {
        if (privileged && !(newInodeOwner != null && newInodeOwner[0] == e.uid() && newInodeOwner[1] == e.gid())) {
            Files.setAttribute(p, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** chmod(2) by path; only for inodes created or checked here that are not symlinks. */
    private static void chmod(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode & 07777);
    }

    private static void times(Path p, TarEntry e, boolean symlink) throws IOException {
        BasicFileAttributeView view = symlink
                ? Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                : Files.getFileAttributeView(p, BasicFileAttributeView.class);
        view.setTimes(e.mtime(), e.mtime(), null);
    }

    private void xattrs(Path p, TarEntry e) {
        if (e.xattrs().isEmpty()) {
            return;
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            String name = x.getKey();
            if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
                // Overlay's own metadata from a layer could redirect lookups or hide lower content.
                warn("ignored xattr " + name + " on \"" + LayerApplyException.printable(entry)
                        + "\": overlay metadata is never taken from layer content");
                continue;
            }
            if (!privileged && !name.startsWith("user.")) {
                warn("skipped xattr " + name + " on \"" + LayerApplyException.printable(entry) + "\": needs root");
                continue;
            }
            try {
                Syscalls.setXattr(p, name, x.getValue());
            } catch (IOException ex) {
                // As Docker: not every file system takes every namespace (security.selinux, user.* on tmpfs...).
                warn("could not set xattr " + name + " on \"" + LayerApplyException.printable(entry) + "\": "
                        + ex.getMessage());
            }
        }
    }

    /**
     * After every entry is in and the diffID checked: directory owners, mtimes and modes (children
     * before parents, so a read-only directory is made read-only last), then their xattrs. The root
     * of a fresh tree without a {@code ./} entry gets 0755.
     */
    void finish(boolean freshRoot) throws IOException {
        for (Map.Entry<String, TarEntry> fix : dirFixes.descendingMap().entrySet()) {
            String rel = fix.getKey();
            TarEntry e = fix.getValue();
            entry = e.name();
            Path p = rel.isEmpty() ? root : safeDirs.getOrDefault(rel, root.resolve(rel));
            if (!Trees.isRealDirectory(Trees.lstat(p))) {
                continue;
            }
            if (journal != null && !createdDirs.contains(rel)) {
                journal.attributesChanging(p);
            }
            owner(p, e);
            times(p, e, false);
            chmod(p, e.mode());
        }
        if (freshRoot && !dirFixes.containsKey("")) {
            chmod(root, 0755);
        }
        for (Map.Entry<String, TarEntry> fix : dirFixes.entrySet()) {
            entry = fix.getValue().name();
            String rel = fix.getKey();
            xattrs(rel.isEmpty() ? root : root.resolve(rel), fix.getValue());
        }
    }

    private void warn(String message) {
        if (warnings.size() < MAX_WARNINGS) {
            warnings.add(message);
        } else {
            droppedWarnings++;
        }
    }

    void closeWarnings() {
        if (droppedWarnings > 0) {
            warnings.add("... and " + droppedWarnings + " more warnings");
        }
    }

    private LayerApplyException refuse(String why) {
        return new LayerApplyException(entry, "refused: " + why);
    }
}
