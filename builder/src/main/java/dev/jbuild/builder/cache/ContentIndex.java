package dev.jbuild.builder.cache;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jbuild.oci.Digest;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Remembers, like git's index, the sha256 of each build-context file with its stat data (size,
 * mtime and ctime to the nanosecond, inode, device, mode), so that a later build reads again only
 * the files whose stat data changed.
 *
 * <p><b>Racily clean entries.</b> Stat data proves a file unchanged only if every change moves it,
 * but time stamps have a granule (a kernel clock tick, or whole seconds on some file systems): a
 * file rewritten with the same size within the granule of its last change keeps its mtime and
 * ctime. Git meets this ("racy git") by distrusting entries whose mtime is not older than the index
 * file. Here the reference instant is the one read from the clock just before the file was stat'd
 * for hashing, which is never later than the index's write time, so this is at least as strict: an
 * entry is racy when its mtime or ctime is at or after that instant minus one second. A change
 * after the stat could then leave the stat data as recorded, so a racy entry is not saved and the
 * next build reads the file again (as git re-checks racily clean entries); once the file has been
 * left alone for a second it is recorded and trusted. One second covers whole-second file systems
 * as well as coarse kernel clocks.
 *
 * <p>The file is binary, read and written in one pass ({@link DataOutputStream} order): the
 * magic {@value #MAGIC}, the entry count, then per entry the absolute path (length-prefixed
 * UTF-8, so any name fits), size, mtime seconds and nanoseconds, ctime seconds and nanoseconds,
 * inode, device, mode, the 32 bytes of the sha256, and the digest of the file's copied extended
 * attributes (a length byte, 0 or 32, and the bytes); then the magic again. An index that does not
 * read in full is ignored: it is only a cache, and a half-trusted one would be worse than none.
 * {@link #save()} writes nothing when the lookups found every entry as saved and no other.
 */
public final class ContentIndex {
    private static final String MAGIC = "jbuild content index v3";
    private static final String ATTRIBUTES = "unix:size,mode,ino,dev,uid,gid,rdev,lastModifiedTime,ctime";
    /** How long after a stat a change may leave the time stamps as they were; see the class comment. */
    private static final Duration GRANULE = Duration.ofSeconds(1);
    private static final int BUFFER_SIZE = 64 * 1024;
    /** Linux's PATH_MAX: a longer path in the file means the file is damaged. */
    private static final int MAX_PATH_BYTES = 4096;

    private final Path file;
    private final Clock clock;
    /** The entries the index file held; never changed, so any thread may read it. */
    private final Map<String, Entry> saved;
    /** The trusted entries of the files looked up since load: what save() writes. */
    private final Map<String, Entry> current = new ConcurrentHashMap<>();
    /** What sha256 gave for racy files (not saved), or CHANGED if it gave two different ones. */
    private final Map<String, String> racyDigests = new ConcurrentHashMap<>();
    private static final String CHANGED = "changed";
    private volatile boolean keepUnlooked;
    private final AtomicInteger hashed = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();

    private ContentIndex(Path file, Clock clock, Map<String, Entry> saved) {
        this.file = file;
        this.clock = clock;
        this.saved = saved;
    }

    /** Loads the index at file (missing, unreadable or corrupt -> empty index, never an error). */
    public static ContentIndex load(Path file) throws IOException {
        return load(file, Clock.systemUTC());
    }

    /** Same, with the clock that decides which entries are racy (tests simulate the racy case with it). */
    static ContentIndex load(Path file, Clock clock) throws IOException {
        Map<String, Entry> saved;
        try {
            saved = read(file);
        } catch (IOException | IllegalArgumentException | DateTimeException e) {
            // Only a cache: without a usable index every file is read again, which is always correct.
            saved = Map.of();
        }
        return new ContentIndex(file, clock, saved);
    }

    /**
     * The sha256 (64 lower-case hex characters) of a regular file's content: from the index when
     * its stat data (lstat, never following symlinks) matches the entry exactly, else read and
     * hashed now and recorded unless racy (see the class comment). Thread-safe. The entry's key is
     * the file's absolute normalized path.
     *
     * @throws IOException if the file cannot be read, or is not a regular file (a symlink, too)
     */
    public String sha256(Path file) throws IOException {
        return stat(file).sha256().orElseThrow(() -> new IOException("not a regular file: " + file));
    }

    /**
     * What one {@code lstat} of {@code file} says (type and permission bits, owner, device number),
     * and for a regular file the sha256 of its content, as {@link #sha256} finds it: for callers
     * that need both, with one system call.
     *
     * @param sha256 empty unless the file is a regular file
     * @param attributes the digest of the extended attributes a copy carries over
     *     ({@link CopiedAttributes#digest}), "" when there are none; for a regular file kept with
     *     its content's sha256, since changing them moves the ctime
     */
    public record FileInfo(int mode, int uid, int gid, long rdev, Optional<String> sha256, String attributes) {
    }

    /** One {@code lstat} of {@code file}, and its content's sha256 when it is a regular file (see {@link #sha256}). */
    public FileInfo stat(Path file) throws IOException {
        // Before the stat: any change after this instant either moves the stat data or makes the entry racy.
        Instant statTime = clock.instant();
        Map<String, Object> a = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        Stat stat = Stat.of(a);
        int uid = (Integer) a.get("uid");
        int gid = (Integer) a.get("gid");
        long rdev = (Long) a.get("rdev");
        return info(file, stat, uid, gid, rdev, statTime);
    }

    /**
     * Like {@link #stat(Path)}, with the stat data a {@link ListedTree} has for {@code file} instead
     * of a system call: the listing's start is the instant a change must come after to go unseen,
     * so entries are as safe as with a stat of their own. A device's number is not listed: 0.
     */
    public FileInfo stat(Path file, ListedTree.Entry listed, Instant listedAt) throws IOException {
        Stat stat = new Stat(listed.size(), listed.mtime(), listed.ctime(), listed.inode(), listed.device(),
                listed.mode());
        return info(file, stat, listed.uid(), listed.gid(), 0, listedAt);
    }

    /** What a file with this stat data is: a regular file's from its entry, anything else's attributes read now. */
    private FileInfo info(Path file, Stat stat, int uid, int gid, long rdev, Instant statTime) throws IOException {
        if (!stat.isRegularFile()) {
            return new FileInfo(stat.mode(), uid, gid, rdev, Optional.empty(), CopiedAttributes.digest(file));
        }
        Entry e = entry(file, stat, statTime);
        return new FileInfo(stat.mode(), uid, gid, rdev, Optional.of(e.sha256()), e.attributes());
    }

    /** The index's entry for a regular file with this stat data, made now (reading it) if it has none. */
    private Entry entry(Path file, Stat stat, Instant statTime) throws IOException {
        String key = key(file);
        Entry known = current.getOrDefault(key, saved.get(key));
        if (known != null && known.stat().equals(stat)) {
            reused.incrementAndGet();
            current.put(key, known);
            return known;
        }
        String sha256 = hash(file);
        Entry made = new Entry(stat, sha256, CopiedAttributes.digest(file));
        hashed.incrementAndGet();
        // Each entry pairs stat data with content read after that stat, so threads racing on one file
        // leave either a correct entry or one whose stat data the file no longer has.
        if (stat.changedSince(statTime.minus(GRANULE))) {
            Entry earlier = current.remove(key);
            racyDigests.merge(key, sha256, (a, b) -> a.equals(b) ? a : CHANGED);
            if (earlier != null && !earlier.sha256().equals(sha256)) {
                racyDigests.put(key, CHANGED);
            }
        } else {
            current.put(key, made);
        }
        return made;
    }

    /**
     * Writes the index whole or not at all ({@link CacheFile}), with only the entries looked up
     * since load, so deleted files drop out (unless {@link #keepUnlookedEntries}), and without the
     * racy ones. Call it once lookups are done.
     */
    public void save() throws IOException {
        if (current.entrySet().stream().allMatch(e -> e.getValue() == saved.get(e.getKey()))
                && (keepUnlooked
                    || saved.keySet().stream().allMatch(k -> current.containsKey(k) || racyDigests.containsKey(k)))) {
            // Every entry looked up was found as saved, and every saved one was looked up (or is
            // kept anyway): the file says it all. A file hashed because racy (the one just edited)
            // gets no entry, and the stale one it had is never used (its stat data no longer
            // matches): not worth rewriting the whole index for, the next build that hashes the
            // file trusted does.
            return;
        }
        Map<String, Entry> written = keepUnlooked ? withUnlookedSaved() : current;
        CacheFile.replace(file, out -> {
            out.writeUTF(MAGIC);
            out.writeInt(written.size());
            // Sorted, so that the same entries always give the same file.
            for (Map.Entry<String, Entry> e : new TreeMap<>(written).entrySet()) {
                write(out, e.getKey(), e.getValue());
            }
            out.writeUTF(MAGIC);
        });
    }

    /** The entries looked up, and the saved ones of files not looked up but for racy files. */
    private Map<String, Entry> withUnlookedSaved() {
        Map<String, Entry> all = new HashMap<>(current);
        saved.forEach((k, v) -> {
            if (!racyDigests.containsKey(k)) {
                all.putIfAbsent(k, v);
            }
        });
        return all;
    }

    /**
     * Has {@link #save} keep the saved entries of files not looked up since load, rather than drop
     * them as gone: for a build that looked up only the files it knew had changed (the others are
     * still there, their entries as true as they were).
     */
    public void keepUnlookedEntries() {
        keepUnlooked = true;
    }

    /**
     * The sha256 this index gave for {@code file} since load: empty if it gave none, and
     * {@value #CHANGED} (which no hash equals) if it gave two different ones, the file having
     * changed between lookups. Callers that vouch for what they computed with those answers check
     * them against the file later.
     */
    public Optional<String> given(Path file) {
        String key = key(file);
        String racy = racyDigests.get(key);
        Entry recorded = current.get(key);
        if (racy != null && recorded != null && !recorded.sha256().equals(racy)) {
            return Optional.of(CHANGED);
        }
        return racy != null ? Optional.of(racy) : Optional.ofNullable(recorded).map(Entry::sha256);
    }

    /**
     * The sha256 this index gave for {@code file} since load, if it vouches for it: the file's
     * entry is trusted (not racy) and no other answer was given. For those who take the content as
     * known without reading it.
     */
    public Optional<String> vouched(Path file) {
        String key = key(file);
        if (racyDigests.containsKey(key)) {
            return Optional.empty();
        }
        return Optional.ofNullable(current.get(key)).map(Entry::sha256);
    }

    /**
     * A file's entry key, its absolute normalized path: the path's own string when it is already
     * that, as the context's paths are, without the JDK's normalize (one of the costs of a lookup
     * per file of a 20,000-file context).
     */
    private static String key(Path file) {
        String s = file.toString();
        boolean clean = file.isAbsolute() && (s.length() == 1 || !s.endsWith("/") && !s.endsWith("/.")
                && !s.endsWith("/..")) && !s.contains("//") && !s.contains("/./") && !s.contains("/../");
        return clean ? s : file.toAbsolutePath().normalize().toString();
    }

    /** The sha256 of a file's content now, read in full (no index). */
    public static String hashNow(Path file) throws IOException {
        return hash(file);
    }

    /** How many files {@link #sha256} read since load. */
    public int hashed() {
        return hashed.get();
    }

    /** How many files {@link #sha256} answered from the index since load. */
    public int reused() {
        return reused.get();
    }

    /** How many entries the index file held at load (for tests). */
    int size() {
        return saved.size();
    }

    private static String hash(Path file) throws IOException {
        MessageDigest sha = Digest.sha256();
        // NOFOLLOW_LINKS opens with O_NOFOLLOW: a file swapped for a symlink since the stat fails
        // instead of hashing the link's target under the file's stat data.
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[BUFFER_SIZE];
            for (int n; (n = in.read(buffer)) != -1; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static Map<String, Entry> read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), BUFFER_SIZE))) {
            if (!MAGIC.equals(in.readUTF())) {
                throw new IOException("not a " + MAGIC);
            }
            int count = in.readInt();
            if (count < 0) {
                throw new IOException("bad entry count " + count);
            }
            Map<String, Entry> entries = new HashMap<>(Math.min(count, 1 << 20) * 2);
            for (int i = 0; i < count; i++) {
                String path = readPath(in);
                Stat stat = new Stat(in.readLong(), instant(in.readLong(), in.readInt()), instant(in.readLong(),
                        in.readInt()), in.readLong(), in.readLong(), in.readInt());
                byte[] sha = new byte[32];
                in.readFully(sha);
                int attributesLength = in.readUnsignedByte();
                if (attributesLength != 0 && attributesLength != 32) {
                    throw new IOException("bad attributes digest length " + attributesLength);
                }
                byte[] attributes = new byte[attributesLength];
                in.readFully(attributes);
                entries.put(path, new Entry(stat, HexFormat.of().formatHex(sha), HexFormat.of().formatHex(attributes)));
            }
            if (!MAGIC.equals(in.readUTF()) || in.read() != -1) {
                throw new IOException("index does not end where it should");
            }
            return entries;
        } catch (EOFException e) {
            throw new IOException("index is truncated", e);
        }
    }

    private static String readPath(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length <= 0 || length > MAX_PATH_BYTES) {
            throw new IOException("bad path length " + length);
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return new String(b, UTF_8);
    }

    private static void write(DataOutputStream out, String path, Entry entry) throws IOException {
        byte[] p = path.getBytes(UTF_8);
        out.writeInt(p.length);
        out.write(p);
        Stat s = entry.stat();
        out.writeLong(s.size());
        out.writeLong(s.mtime().getEpochSecond());
        out.writeInt(s.mtime().getNano());
        out.writeLong(s.ctime().getEpochSecond());
        out.writeInt(s.ctime().getNano());
        out.writeLong(s.inode());
        out.writeLong(s.device());
        out.writeInt(s.mode());
        out.write(HexFormat.of().parseHex(entry.sha256()));
        byte[] attributes = HexFormat.of().parseHex(entry.attributes());
        out.writeByte(attributes.length);
        out.write(attributes);
    }

    private static Instant instant(long seconds, int nanos) {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("bad nanoseconds " + nanos);
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /** The stat data that must be unchanged, all of it, for an entry to be trusted. */
    private record Stat(long size, Instant mtime, Instant ctime, long inode, long device, int mode) {
        private static final int S_IFMT = 0170000;
        private static final int S_IFREG = 0100000;

        static Stat of(Map<String, Object> a) {
            return new Stat((Long) a.get("size"), ((FileTime) a.get("lastModifiedTime")).toInstant(),
                    ((FileTime) a.get("ctime")).toInstant(), (Long) a.get("ino"), (Long) a.get("dev"),
                    (Integer) a.get("mode"));
        }

        boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        /** Whether the file's last change (content or metadata) is at or after this instant. */
        boolean changedSince(Instant instant) {
            return !mtime.isBefore(instant) || !ctime.isBefore(instant);
        }
    }

    /** A file's stat data, and what was read after it: its content's sha256 and its attributes' digest ("" if none). */
    private record Entry(Stat stat, String sha256, String attributes) {}
}
