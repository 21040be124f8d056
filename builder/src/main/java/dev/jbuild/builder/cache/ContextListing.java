package dev.jbuild.builder.cache;

import dev.jbuild.dockerfile.ignore.ContextWalker;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The stat data of every entry of a directory tree as one byte string: type, permission bits,
 * owner, size, inode, device, link count, mtime and ctime to the nanosecond, path and link target,
 * in GNU find's order. Two equal listings of a tree taken at different times prove that nothing in it was added,
 * removed, renamed, re-linked, re-owned or chmod'ed in between, and that no regular file's content
 * changed unless the change left its stat data as it was, which {@link #hasRacyFiles()} rules out
 * (see {@link ContentIndex} on racily clean files).
 *
 * <p>Why find: a rebuild must prove the context unchanged, and stat'ing 20,000 files from a JVM
 * that just started (interpreted code, attribute maps, boxed times) takes 0.6 s; find does it in
 * under 0.1 s. Without a GNU find (busybox has no -printf) or when find fails (an unreadable
 * directory), there is no listing and callers digest the tree themselves, as before.
 */
public final class ContextListing {
    /** One entry: the fields, a NUL, the link target (empty unless a symlink), a NUL. */
    static final String FORMAT = "%y %m %U %G %s %i %D %n %T@ %C@ %P\\0%l\\0";
    /** Field index of the mtime and the ctime in an entry (0-based, space-separated). */
    private static final int MTIME_FIELD = 8;
    /** Field index of the link count. */
    private static final int NLINK_FIELD = 7;
    /** Field index of the path, the last field: it runs to the NUL, spaces and all. */
    private static final int PATH_FIELD = 10;

    private final byte[] bytes;
    private final Instant taken;
    /** The earlier listing {@link #changedFilesSince} compared this one with last, and what it found. */
    private byte[] lastEarlier;
    private Optional<List<String>> lastChanged;

    ContextListing(byte[] bytes, Instant taken) {
        this.bytes = bytes;
        this.taken = taken;
    }

    /**
     * Lists the tree below {@code dir} (symlinks not followed), or empty when find cannot;
     * {@code clock} decides what is racy (tests set it ahead to have no racy files).
     */
    public static Optional<ContextListing> take(Path dir, Clock clock) throws InterruptedIOException {
        return take(dir, "find", clock);
    }

    /** Same with another find program (tests check what happens without one). */
    static Optional<ContextListing> take(Path dir, String find, Clock clock) throws InterruptedIOException {
        // Before find starts: an entry changed after this instant has time stamps at or after it
        // (less one granule), so hasRacyFiles() sees it.
        Instant taken = clock.instant();
        Process p;
        try {
            // The real path: find -P lists a symlink given as the root as that link alone.
            p = new ProcessBuilder(find, "-P", dir.toRealPath().toString(), "-printf", FORMAT)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            return Optional.empty(); // no find here: the caller digests the tree itself
        }
        try (InputStream out = p.getInputStream()) {
            byte[] bytes = out.readAllBytes();
            return p.waitFor() == 0 ? Optional.of(new ContextListing(bytes, taken)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while listing " + dir);
        } finally {
            p.destroy();
        }
    }

    /**
     * The entries by path, for walks that would otherwise stat every file (see {@link ListedTree});
     * empty if an entry does not read.
     */
    public Optional<ListedTree> tree() {
        return ListedTree.of(bytes, taken, ContextWalker.BY_CODE_POINT);
    }

    /** The listed entries at {@code paths} (relative), without reading the whole listing into a tree. */
    public Map<String, ListedTree.Entry> entries(Set<String> paths) {
        return ListedTree.select(bytes, paths);
    }

    /** The listing's bytes (not copied: do not change them). */
    byte[] bytes() {
        return bytes;
    }

    boolean sameAs(byte[] other, int from, int to) {
        return Arrays.equals(bytes, 0, bytes.length, other, from, to);
    }

    /**
     * Whether a regular file's mtime or ctime is less than a second before the listing was taken (or
     * later): such a file may yet change within its time stamps' granule without changing them, so
     * this listing must not vouch for its content. Whole seconds are compared, which errs on the safe
     * side.
     */
    public boolean hasRacyFiles() {
        return !racyFiles().isEmpty();
    }

    /** The racy regular files (see {@link #hasRacyFiles()}), as paths relative to the listed directory. */
    public List<String> racyFiles() {
        long limit = taken.getEpochSecond() - 1;
        List<String> racy = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            // One pass over each entry (20,000 of them at the end of a build): its time stamps are
            // read on the way to the NUL that ends its fields.
            if (bytes[i] == 'f') {
                int mtime = field(bytes, i, bytes.length, MTIME_FIELD);
                int ctime = field(bytes, mtime, bytes.length, 1);
                int path = field(bytes, ctime, bytes.length, PATH_FIELD - MTIME_FIELD - 1);
                int end = indexOf(bytes, (byte) 0, path);
                if (seconds(mtime, end) >= limit || seconds(ctime, end) >= limit) {
                    racy.add(new String(bytes, path, end - path, ListedTree.NAMES));
                }
                i = end;
            }
            i = indexOf(bytes, (byte) 0, indexOf(bytes, (byte) 0, i) + 1) + 1; // past the link target
        }
        return racy;
    }

    /**
     * The regular files whose stat data differ from those in {@code earlier}, a listing of the same
     * tree, when nothing else differs: the same entries in the same order, every other one byte
     * for byte equal, and each changed one a regular file with a single link in both listings
     * (as relative paths). Empty when anything else changed: a name added, removed or renamed
     * (an editor's save by rename included: its directory changes), a directory, link or owner of
     * something else, a type, or a file with hard links.
     */
    public Optional<List<String>> changedFilesSince(byte[] earlier) {
        return changedFilesSince(earlier, 0, earlier.length);
    }

    /**
     * Same, with the earlier listing in {@code earlier[from, to)}. The answer for the last earlier
     * listing asked about is kept: the source memo and the copy memo of a rebuild usually hold the
     * same one, and comparing 20,000 entries takes tens of milliseconds, an equality test of the
     * bytes a fraction of one.
     */
    public synchronized Optional<List<String>> changedFilesSince(byte[] earlier, int from, int to) {
        if (from < 0 || to > earlier.length || from > to) {
            throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + earlier.length + " bytes");
        }
        if (lastEarlier != null && Arrays.equals(lastEarlier, 0, lastEarlier.length, earlier, from, to)) {
            return lastChanged;
        }
        lastEarlier = Arrays.copyOfRange(earlier, from, to);
        lastChanged = compare(lastEarlier);
        return lastChanged;
    }

    private Optional<List<String>> compare(byte[] earlier) {
        List<String> changed = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < bytes.length && j < earlier.length) {
            int iEnd = entryEnd(bytes, i);
            int jEnd = entryEnd(earlier, j);
            if (!Arrays.equals(bytes, i, iEnd, earlier, j, jEnd)) {
                int iPath = field(bytes, i, iEnd, PATH_FIELD);
                int jPath = field(earlier, j, jEnd, PATH_FIELD);
                if (!singleLinkFile(bytes, i, iEnd) || !singleLinkFile(earlier, j, jEnd)
                        || !Arrays.equals(bytes, iPath, iEnd, earlier, jPath, jEnd)) {
                    return Optional.empty();
                }
                int pathEnd = indexOf(bytes, (byte) 0, iPath);
                changed.add(new String(bytes, iPath, pathEnd - iPath, ListedTree.NAMES));
            }
            i = iEnd;
            j = jEnd;
        }
        return i == bytes.length && j == earlier.length ? Optional.of(List.copyOf(changed)) : Optional.empty();
    }

    /** Whether the entry [from, end) is a regular file with one link. */
    private static boolean singleLinkFile(byte[] b, int from, int end) {
        int links = field(b, from, end, NLINK_FIELD);
        return b[from] == 'f' && links + 1 < end && b[links] == '1' && b[links + 1] == ' ';
    }

    /** Where the entry starting at {@code from} ends: past its path's NUL and its link target's. */
    private static int entryEnd(byte[] b, int from) {
        int pathEnd = indexOf(b, (byte) 0, from);
        return Math.min(b.length, indexOf(b, (byte) 0, pathEnd + 1) + 1);
    }

    /** Whether the two listings are the same bytes: nothing in the tree changed in between (see the class comment). */
    public boolean sameAs(ContextListing other) {
        return Arrays.equals(bytes, other.bytes);
    }

    /** Where the n-th space-separated field of the entry [from, end) of {@code b} starts. */
    private static int field(byte[] b, int from, int end, int n) {
        int at = from;
        for (int k = 0; k < n && at < end; k++) {
            at = indexOf(b, (byte) ' ', at) + 1;
        }
        return at;
    }

    /** The whole seconds of a time stamp such as {@code 1796649118.4419895020}; MAX_VALUE if unreadable. */
    private long seconds(int from, int end) {
        long value = 0;
        int i = from;
        for (; i < end && bytes[i] >= '0' && bytes[i] <= '9'; i++) {
            value = value * 10 + (bytes[i] - '0');
        }
        return i == from || i - from > 18 ? Long.MAX_VALUE : value;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }
}
