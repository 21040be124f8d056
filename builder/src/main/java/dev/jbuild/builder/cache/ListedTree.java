package dev.jbuild.builder.cache;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link ContextListing} read into entries by path, so that what digests and copies the context
 * asks of each file (its stat data, a directory's names) is answered from memory instead of by a
 * system call per file: a rebuild after an edit walks the whole context twice (its digest, then the
 * copy), and an {@code lstat} through the JDK from a JVM that just started costs 10 to 20 us.
 * Both walks then see the tree as it was when listed, the state the cache key was computed from.
 *
 * <p>Paths are relative to the listed directory, {@code /}-separated, the directory itself being
 * the empty string. A device node's number is not in the listing: callers stat those themselves.
 */
public final class ListedTree {
    private static final int S_IFDIR = 0040000;
    /** How the JDK decodes file names (sun.jnu.encoding), so listed names equal those it reads from a directory. */
    static final Charset NAMES = namesCharset();

    /** One entry's stat data as find printed it; {@code mode} has the type bits. */
    public record Entry(int mode, int uid, int gid, long size, long inode, long device, int nlink, Instant mtime,
                        Instant ctime, String linkTarget) {
        public boolean isDirectory() {
            return (mode & 0170000) == S_IFDIR;
        }

        /** Whether {@code file} (a link not followed) has these stat data now. */
        public boolean statsAs(Path file) throws IOException {
            Map<String, Object> a = Files.readAttributes(file, "unix:mode,uid,gid,size,ino,dev,nlink,lastModifiedTime,ctime",
                    LinkOption.NOFOLLOW_LINKS);
            return (Integer) a.get("mode") == mode && (Integer) a.get("uid") == uid && (Integer) a.get("gid") == gid
                    && (Long) a.get("size") == size && (Long) a.get("ino") == inode && (Long) a.get("dev") == device
                    && (Integer) a.get("nlink") == nlink
                    && ((FileTime) a.get("lastModifiedTime")).toInstant().equals(mtime)
                    && ((FileTime) a.get("ctime")).toInstant().equals(ctime);
        }
    }

    private final Map<String, Entry> entries;
    private final Map<String, List<String>> children;
    private final Instant taken;

    private ListedTree(Map<String, Entry> entries, Map<String, List<String>> children, Instant taken) {
        this.entries = entries;
        this.children = children;
        this.taken = taken;
    }

    /**
     * The entries of a listing, each directory's names sorted with {@code names}; empty when an entry
     * does not read as find writes them (a time before 1970, say): callers then stat the files.
     */
    static Optional<ListedTree> of(byte[] bytes, Instant taken, Comparator<String> names) {
        if (bytes.length == 0) {
            return Optional.empty();
        }
        Map<String, Entry> entries = new HashMap<>();
        Map<String, List<String>> children = new HashMap<>();
        Parser p = new Parser(bytes);
        while (p.at < bytes.length) {
            Optional<Entry> e = p.entry();
            if (e.isEmpty()) {
                return Optional.empty();
            }
            String path = p.path;
            entries.put(path, e.get());
            if (!path.isEmpty()) {
                int slash = path.lastIndexOf('/');
                children.computeIfAbsent(slash < 0 ? "" : path.substring(0, slash), d -> new ArrayList<>())
                        .add(path.substring(slash + 1));
            }
        }
        for (List<String> list : children.values()) {
            list.sort(names);
        }
        return Optional.of(new ListedTree(entries, children, taken));
    }

    /**
     * The entries of a listing at {@code paths} only, without reading the rest into a tree (a
     * replayed copy needs the few changed files'); a path the listing lacks, or whose entry does not
     * read, is missing from the map.
     */
    static Map<String, Entry> select(byte[] bytes, Set<String> paths) {
        Map<String, Entry> selected = new HashMap<>();
        Parser p = new Parser(bytes);
        while (p.at < bytes.length && selected.size() < paths.size()) {
            Optional<Entry> e = p.entry();
            if (e.isEmpty()) {
                break;
            }
            if (paths.contains(p.path)) {
                selected.put(p.path, e.get());
            }
        }
        return selected;
    }

    /** The entry at a path, empty when the listing has none. */
    public Optional<Entry> get(String path) {
        return Optional.ofNullable(entries.get(path));
    }

    /** The names in a listed directory, sorted; empty when it is not a listed directory. */
    public Optional<List<String>> names(String dir) {
        Entry e = entries.get(dir);
        if (e == null || !e.isDirectory()) {
            return Optional.empty();
        }
        return Optional.of(children.getOrDefault(dir, List.of()));
    }

    /** When the listing started: an entry whose times are not a second older may have changed unseen. */
    public Instant taken() {
        return taken;
    }

    private static Charset namesCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Reads {@link ContextListing#FORMAT} entries, one after the other. */
    private static final class Parser {
        private final byte[] b;
        int at;
        String path;

        Parser(byte[] b) {
            this.b = b;
        }

        Optional<Entry> entry() {
            byte type = b[at];
            at += 2;
            int typeBits = switch (type) {
                case 'f' -> 0100000;
                case 'd' -> S_IFDIR;
                case 'l' -> 0120000;
                case 'c' -> 0020000;
                case 'b' -> 0060000;
                case 'p' -> 0010000;
                case 's' -> 0140000;
                default -> -1;
            };
            long perms = number(8);
            long uid = number(10);
            long gid = number(10);
            long size = number(10);
            long inode = number(10);
            long device = number(10);
            long nlink = number(10);
            Instant mtime = time();
            Instant ctime = time();
            int end = next((byte) 0);
            int linkEnd = end < b.length ? next(end + 1, (byte) 0) : b.length;
            if (typeBits < 0 || perms < 0 || uid < 0 || gid < 0 || size < 0 || inode < 0 || device < 0 || nlink < 0
                    || mtime == null || ctime == null || linkEnd >= b.length) {
                at = b.length;
                return Optional.empty();
            }
            path = new String(b, at, end - at, NAMES);
            String link = new String(b, end + 1, linkEnd - end - 1, NAMES);
            at = linkEnd + 1;
            return Optional.of(new Entry(typeBits | (int) perms, (int) uid, (int) gid, size, inode, device,
                    (int) nlink, mtime, ctime, link));
        }

        /** A non-negative number in {@code radix} and the space after it; -1 when there is none. */
        private long number(int radix) {
            return number(radix, (byte) ' ');
        }

        /** A non-negative number in {@code radix} and the {@code stop} byte after it; -1 when there is none. */
        private long number(int radix, byte stop) {
            long value = 0;
            int start = at;
            while (at < b.length && b[at] >= '0' && b[at] < '0' + radix && at - start < 18) {
                value = value * radix + (b[at++] - '0');
            }
            if (at == start || at >= b.length || b[at] != stop) {
                return -1;
            }
            at++;
            return value;
        }

        /** A time as {@code %T@} prints it, {@code 1796649118.4419895020}, and the space after it. */
        private Instant time() {
            long seconds = number(10, (byte) '.');
            if (seconds < 0) {
                return null;
            }
            long nanos = 0;
            int digits = 0;
            while (at < b.length && b[at] >= '0' && b[at] <= '9') {
                if (digits < 9) {
                    nanos = nanos * 10 + (b[at] - '0');
                }
                digits++;
                at++;
            }
            if (digits == 0 || at >= b.length || b[at] != ' ') {
                return null;
            }
            at++;
            for (; digits < 9; digits++) {
                nanos *= 10;
            }
            return Instant.ofEpochSecond(seconds, nanos);
        }

        private int next(byte stop) {
            return next(at, stop);
        }

        private int next(int from, byte stop) {
            int i = from;
            while (i < b.length && b[i] != stop) {
                i++;
            }
            return i;
        }
    }
}
