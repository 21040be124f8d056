package dev.jbuild.layer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of a layer tar: what a walk of a directory tree produces, and what callers that make
 * layers from nothing (COPY with chosen owners and modes, whiteouts from the overlay differ) build
 * themselves with the factories below and the {@code with…} methods. An entry holds metadata only;
 * a regular file's bytes are opened lazily, when the writer reaches it, through {@link #content()}.
 *
 * <p>The path is relative to the layer root, separated by {@code /}, without a leading {@code /} or
 * {@code ./}, without a trailing {@code /} (the writer adds one to directories), and without empty,
 * {@code .} or {@code ..} components. Hardlinks name another entry's path as their target, which
 * must come earlier in the layer. Whiteouts are ordinary empty files named {@code .wh.<name>} (see
 * {@link #whiteout}); the writer gives them no special treatment except their place in
 * {@link EntryOrder the order}.
 *
 * <p>{@code equals} compares xattr values by identity (they are arrays); compare {@link #xattrs()}
 * with {@link Arrays#equals(byte[], byte[])} when that matters.
 *
 * @param path relative path, as described above
 * @param type the kind of entry
 * @param mode permission bits, including setuid, setgid and sticky ({@code 07777} at most)
 * @param uid numeric owner; names are never written
 * @param gid numeric group
 * @param mtime modification time; the writer keeps whole seconds and clamps it to
 *     {@code SOURCE_DATE_EPOCH} when that is set
 * @param size content length of a {@link Type#FILE}; 0 for every other type
 * @param linkTarget target of a symlink (any text) or a hardlink (a layer path); empty otherwise
 * @param devMajor major number of a character or block device; 0 otherwise
 * @param devMinor minor number of a character or block device; 0 otherwise
 * @param xattrs extended attributes written as {@code SCHILY.xattr.<name>} PAX records, sorted
 * @param content opens the bytes of a {@link Type#FILE}; must give exactly {@code size} bytes
 */
public record LayerEntry(String path, Type type, int mode, long uid, long gid, Instant mtime, long size,
        String linkTarget, long devMajor, long devMinor, SortedMap<String, byte[]> xattrs, Content content) {

    /** The name of the opaque whiteout, which hides everything below its directory in lower layers. */
    public static final String OPAQUE_WHITEOUT = ".wh..wh..opq";
    /** The prefix of a whiteout file's name. */
    public static final String WHITEOUT_PREFIX = ".wh.";

    /** The kinds of entries a layer can hold; sockets cannot be stored in a tar and are never entries. */
    public enum Type {
        FILE, DIR, SYMLINK, HARDLINK, CHAR, BLOCK, FIFO
    }

    /** Opens a regular file's content; called once, when the writer reaches the entry. */
    @FunctionalInterface
    public interface Content {
        /** Content of length zero, and the content of every entry that is not a regular file. */
        Content EMPTY = () -> InputStream.nullInputStream();

        InputStream open() throws IOException;

        /**
         * The sha256 of the content (lower-case hex) when its producer knows it without reading it
         * and vouches for it, as a build context's content index does; empty when unknown. Layers
         * whose leading entries all have known content can take over an earlier layer's first part
         * ({@link dev.jbuild.layer.chunk.LayerRecipe}).
         */
        default Optional<String> sha256() {
            return Optional.empty();
        }

        /**
         * Has the content brought into memory soon, without reading it here, where that is cheap
         * and safe to ask before {@link #open} (a file: the kernel reads it ahead); by default
         * nothing. Only advice, on another thread than the writer's; failures are ignored.
         */
        default void prefetch() {
        }
    }

    private static final SortedMap<String, byte[]> NO_XATTRS = Collections.unmodifiableSortedMap(new TreeMap<>());

    public LayerEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mtime, "mtime");
        path = normalize(path);
        linkTarget = linkTarget == null ? "" : linkTarget;
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException(path + ": mode " + Integer.toOctalString(mode)
                    + " has bits outside 07777 (the type is given by the entry type)");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException(path + ": negative uid or gid " + uid + ":" + gid);
        }
        if (size < 0 || (type != Type.FILE && size != 0)) {
            throw new IllegalArgumentException(path + ": size " + size + " is not valid for a " + type);
        }
        boolean link = type == Type.SYMLINK || type == Type.HARDLINK;
        if (link == linkTarget.isEmpty()) {
            throw new IllegalArgumentException(path + ": " + (link ? "a " + type + " needs a target"
                    : "only links have a target"));
        }
        if (linkTarget.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(path + ": link target contains NUL");
        }
        if (type == Type.HARDLINK) {
            linkTarget = normalize(linkTarget);
        }
        boolean device = type == Type.CHAR || type == Type.BLOCK;
        if (devMajor < 0 || devMinor < 0 || devMajor > 07777777 || devMinor > 07777777
                || (!device && (devMajor != 0 || devMinor != 0))) {
            throw new IllegalArgumentException(path + ": device " + devMajor + ":" + devMinor
                    + " is not valid for a " + type);
        }
        if (xattrs == null || xattrs.isEmpty()) {
            xattrs = NO_XATTRS;
        } else {
            TreeMap<String, byte[]> copy = new TreeMap<>();
            for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
                String name = x.getKey();
                if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException(path + ": invalid xattr name \"" + name + "\"");
                }
                copy.put(name, x.getValue().clone());
            }
            xattrs = Collections.unmodifiableSortedMap(copy);
        }
        content = type == Type.FILE ? Objects.requireNonNull(content, "content") : Content.EMPTY;
    }

    /** A regular file, mode 0644, owned by 0:0, mtime the epoch, with lazily opened content. */
    public static LayerEntry file(String path, long size, Content content) {
        return new LayerEntry(path, Type.FILE, 0644, 0, 0, Instant.EPOCH, size, "", 0, 0, null, content);
    }

    /** A regular file holding the given bytes (small synthetic files; stream large ones). */
    public static LayerEntry file(String path, byte[] data) {
        byte[] copy = data.clone();
        return file(path, copy.length, () -> new ByteArrayInputStream(copy));
    }

    /** A regular file holding the UTF-8 encoding of the text. */
    public static LayerEntry file(String path, String text) {
        return file(path, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A directory, mode 0755, owned by 0:0, mtime the epoch. */
    public static LayerEntry directory(String path) {
        return new LayerEntry(path, Type.DIR, 0755, 0, 0, Instant.EPOCH, 0, "", 0, 0, null, null);
    }

    /** A symbolic link, mode 0777, to any target text. */
    public static LayerEntry symlink(String path, String target) {
        return new LayerEntry(path, Type.SYMLINK, 0777, 0, 0, Instant.EPOCH, 0, target, 0, 0, null, null);
    }

    /** A hardlink to an earlier entry of the same layer. */
    public static LayerEntry hardlink(String path, String targetPath) {
        return new LayerEntry(path, Type.HARDLINK, 0644, 0, 0, Instant.EPOCH, 0, targetPath, 0, 0, null, null);
    }

    /** A character device, mode 0666. */
    public static LayerEntry charDevice(String path, long major, long minor) {
        return new LayerEntry(path, Type.CHAR, 0666, 0, 0, Instant.EPOCH, 0, "", major, minor, null, null);
    }

    /** A block device, mode 0660. */
    public static LayerEntry blockDevice(String path, long major, long minor) {
        return new LayerEntry(path, Type.BLOCK, 0660, 0, 0, Instant.EPOCH, 0, "", major, minor, null, null);
    }

    /** A named pipe, mode 0644. */
    public static LayerEntry fifo(String path) {
        return new LayerEntry(path, Type.FIFO, 0644, 0, 0, Instant.EPOCH, 0, "", 0, 0, null, null);
    }

    /**
     * The OCI whiteout that deletes {@code deletedPath} from lower layers: an empty file
     * {@code <dir>/.wh.<name>}, mode 0, owner 0:0, mtime the epoch (as containerd writes them).
     */
    public static LayerEntry whiteout(String deletedPath) {
        String p = normalize(deletedPath);
        int slash = p.lastIndexOf('/');
        String name = WHITEOUT_PREFIX + p.substring(slash + 1);
        return new LayerEntry(p.substring(0, slash + 1) + name, Type.FILE, 0, 0, 0, Instant.EPOCH, 0, "", 0, 0,
                null, Content.EMPTY);
    }

    /** The OCI opaque whiteout {@code <dir>/.wh..wh..opq}; {@code dir} empty means the layer root. */
    public static LayerEntry opaqueWhiteout(String dir) {
        String d = dir.isEmpty() || dir.equals("/") || dir.equals(".") ? "" : normalize(dir) + "/";
        return new LayerEntry(d + OPAQUE_WHITEOUT, Type.FILE, 0, 0, 0, Instant.EPOCH, 0, "", 0, 0, null,
                Content.EMPTY);
    }

    public LayerEntry withPath(String newPath) {
        return new LayerEntry(newPath, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor, xattrs,
                content);
    }

    public LayerEntry withMode(int newMode) {
        return new LayerEntry(path, type, newMode, uid, gid, mtime, size, linkTarget, devMajor, devMinor, xattrs,
                content);
    }

    public LayerEntry withOwner(long newUid, long newGid) {
        return new LayerEntry(path, type, mode, newUid, newGid, mtime, size, linkTarget, devMajor, devMinor,
                xattrs, content);
    }

    public LayerEntry withMtime(Instant newMtime) {
        return new LayerEntry(path, type, mode, uid, gid, newMtime, size, linkTarget, devMajor, devMinor, xattrs,
                content);
    }

    public LayerEntry withXattrs(Map<String, byte[]> newXattrs) {
        return new LayerEntry(path, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor,
                newXattrs == null ? null : new TreeMap<>(newXattrs), content);
    }

    /** The last path component. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Whether this is an OCI whiteout ({@code .wh.*}, including the opaque one). */
    public boolean isWhiteout() {
        return type == Type.FILE && name().startsWith(WHITEOUT_PREFIX);
    }

    /**
     * Validates a layer path and returns it without a leading {@code ./} or {@code /} and without
     * trailing slashes, or throws {@link IllegalArgumentException} saying what is wrong.
     */
    public static String normalize(String path) {
        Objects.requireNonNull(path, "path");
        String p = path;
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            throw new IllegalArgumentException("empty layer path \"" + path + "\" (the layer root has no entry)");
        }
        if (p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("layer path contains NUL: \"" + path + "\"");
        }
        // Component by component without split: every entry of every layer comes through here.
        for (int start = 0; start <= p.length(); ) {
            int slash = p.indexOf('/', start);
            int end = slash < 0 ? p.length() : slash;
            int dots = 0;
            while (dots < end - start && p.charAt(start + dots) == '.') {
                dots++;
            }
            if (end == start || dots == end - start && dots <= 2) {
                throw new IllegalArgumentException("layer path \"" + path
                        + "\" has an empty, \".\" or \"..\" component");
            }
            start = end + 1;
        }
        return p;
    }
}
