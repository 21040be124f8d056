package dev.jbuild.builder.cache;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jbuild.oci.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * <p>The file is UTF-8 text: the line {@value #HEADER}, then one line per entry, fields separated
 * by one space: the absolute path form-encoded ({@link URLEncoder}, so spaces and newlines in names
 * cannot split fields or lines), size, mtime seconds and nanoseconds, ctime seconds and
 * nanoseconds, inode, device, mode in octal, sha256 in hex. An index that does not parse in full is
 * ignored: it is only a cache, and a half-trusted one would be worse than none.
 */
public final class ContentIndex {
    private static final String HEADER = "jbuild content index v1";
    private static final Pattern ENTRY = Pattern.compile(
            "(\\S+) (\\d+) (-?\\d+) (\\d{1,9}) (-?\\d+) (\\d{1,9}) (-?\\d+) (-?\\d+) ([0-7]+) ([0-9a-f]{64})");
    private static final String ATTRIBUTES = "unix:size,mode,ino,dev,lastModifiedTime,ctime";
    /** How long after a stat a change may leave the time stamps as they were; see the class comment. */
    private static final Duration GRANULE = Duration.ofSeconds(1);
    private static final int BUFFER_SIZE = 64 * 1024;

    private final Path file;
    private final Clock clock;
    /** The entries the index file held; never changed, so any thread may read it. */
    private final Map<String, Entry> saved;
    /** The trusted entries of the files looked up since load: what save() writes. */
    private final Map<String, Entry> current = new ConcurrentHashMap<>();
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
        String key = file.toAbsolutePath().normalize().toString();
        // Before the stat: any change after this instant either moves the stat data or makes the entry racy.
        Instant statTime = clock.instant();
        Stat stat = Stat.of(file);
        if (!stat.isRegularFile()) {
            throw new IOException("not a regular file: " + file);
        }
        Entry known = current.getOrDefault(key, saved.get(key));
        if (known != null && known.stat().equals(stat)) {
            reused.incrementAndGet();
            current.put(key, known);
            return known.sha256();
        }
        String sha256 = hash(file);
        hashed.incrementAndGet();
        // Each entry pairs stat data with content read after that stat, so threads racing on one file
        // leave either a correct entry or one whose stat data the file no longer has.
        if (stat.changedSince(statTime.minus(GRANULE))) {
            current.remove(key);
        } else {
            current.put(key, new Entry(stat, sha256));
        }
        return sha256;
    }

    /**
     * Writes the index atomically (a temporary file in the same directory, then a rename; parent
     * directories are created), with only the entries looked up since load, so deleted files drop
     * out, and without the racy ones. Call it once lookups are done.
     */
    public void save() throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(temp, UTF_8)) {
                out.write(HEADER + "\n");
                // Sorted, so that the same entries always give the same file.
                for (Map.Entry<String, Entry> e : new TreeMap<>(current).entrySet()) {
                    out.write(line(e.getKey(), e.getValue()) + "\n");
                }
            }
            // No fsync: a torn index after a crash does not parse, and a lost one only costs re-reading.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            // Only still there if writing or renaming failed.
            Files.deleteIfExists(temp);
        }
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
        // Reports malformed UTF-8 as an IOException, as a corrupt index.
        try (BufferedReader in = Files.newBufferedReader(file, UTF_8)) {
            if (!HEADER.equals(in.readLine())) {
                throw new IllegalArgumentException("not a " + HEADER);
            }
            Map<String, Entry> entries = new HashMap<>();
            for (String line; (line = in.readLine()) != null; ) {
                Matcher m = ENTRY.matcher(line);
                if (!m.matches()) {
                    throw new IllegalArgumentException("bad entry: " + line);
                }
                Stat stat = new Stat(Long.parseLong(m.group(2)), instant(m.group(3), m.group(4)),
                        instant(m.group(5), m.group(6)), Long.parseLong(m.group(7)), Long.parseLong(m.group(8)),
                        Integer.parseInt(m.group(9), 8));
                entries.put(URLDecoder.decode(m.group(1), UTF_8), new Entry(stat, m.group(10)));
            }
            return entries;
        }
    }

    private static String line(String path, Entry entry) {
        Stat s = entry.stat();
        return String.join(" ", URLEncoder.encode(path, UTF_8), Long.toString(s.size()),
                Long.toString(s.mtime().getEpochSecond()), Integer.toString(s.mtime().getNano()),
                Long.toString(s.ctime().getEpochSecond()), Integer.toString(s.ctime().getNano()),
                Long.toString(s.inode()), Long.toString(s.device()), Integer.toOctalString(s.mode()),
                entry.sha256());
    }

    private static Instant instant(String seconds, String nanos) {
        return Instant.ofEpochSecond(Long.parseLong(seconds), Long.parseLong(nanos));
    }

    /** The stat data that must be unchanged, all of it, for an entry to be trusted. */
    private record Stat(long size, Instant mtime, Instant ctime, long inode, long device, int mode) {
        private static final int S_IFMT = 0170000;
        private static final int S_IFREG = 0100000;

        static Stat of(Path file) throws IOException {
            Map<String, Object> a = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
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

    private record Entry(Stat stat, String sha256) {}
}
