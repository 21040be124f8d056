package dev.jbuild.builder.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The source digests computed from one build context, with the lines each was made of
 * ({@link SourceLines}). While a new {@link ContextListing} of the context equals the one
 * saved with them, a rebuild compares one listing instead of stat'ing every file through the
 * {@link ContentIndex}. When the new listing differs from the saved one only in regular files
 * ({@link ContextListing#changedFilesSince}), the saved lines are {@linkplain #earlier offered}
 * so that only those files' lines are made again.
 *
 * <p>Entries are added only under the listing taken before they were computed, and saved only if
 * that listing can vouch for them: a file changed after the listing either moves its stat data
 * (the next listing differs) or is racy, and then the caller saves only once it has checked that
 * file's content (see ContextSources). The file holds {@value #MAGIC}, the listing, the entries
 * (key, digest, length and bytes of its lines: count, then per line the length of the file path it
 * starts with or -1, and the text) and the magic again, written atomically; one that does not read
 * in full is ignored, as the memo is only a cache.
 */
public final class SourceMemo {
    private static final String MAGIC = "jbuild source memo v2";

    private final Path file;
    private final ContextListing listing;
    /** The entries as read from the file, under this listing or an earlier one; never changed. */
    private final Map<String, Entry> saved;
    /** When {@link #saved} is under an earlier listing: the regular files changed since, else null. */
    private final List<String> changedFiles;
    /** Entries under {@link #listing}: the saved ones if it is theirs, and those put since. */
    private final Map<String, Entry> entries;
    /** Content digests of the saved lines' files not changed since, by path (made at the first question). */
    private Map<String, String> savedContent;
    private final Map<Entry, SourceLines> parsedLines = new HashMap<>();
    private boolean changed;

    /** A digest and its lines, as bytes in the memo's format. */
    private record Entry(String digest, byte[] lines) {
    }

    /** Lines saved under an earlier listing, and the regular files changed since. */
    public record Earlier(SourceLines lines, List<String> changedFiles) {
    }

    /** A memo of {@code saved} entries, made under {@code listing} if {@code changedFiles} is null. */
    private SourceMemo(Path file, ContextListing listing, Map<String, Entry> saved, List<String> changedFiles) {
        this.file = file;
        this.listing = listing;
        this.saved = saved;
        this.changedFiles = changedFiles;
        this.entries = changedFiles == null ? new LinkedHashMap<>(saved) : new LinkedHashMap<>();
    }

    /**
     * The memo at {@code file}: its entries if it was saved with a listing equal to {@code now};
     * else none, but its lines are offered if {@code now} differs from its listing only in regular
     * files.
     */
    public static SourceMemo load(Path file, ContextListing now) {
        try {
            byte[] saved = Files.readAllBytes(file);
            CacheInput in = new CacheInput(saved);
            if (MAGIC.equals(in.readText())) {
                int length = in.readInt();
                int start = in.position();
                if (length >= 0 && length <= in.remaining()) {
                    boolean same = now.sameAs(saved, start, start + length);
                    List<String> changedFiles = same ? null
                            : now.changedFilesSince(saved, start, start + length).orElse(null);
                    if (same || changedFiles != null) {
                        in.skip(length);
                        Map<String, Entry> read = new LinkedHashMap<>();
                        for (int n = in.readInt(); n > 0; n--) {
                            String key = in.readText();
                            String digest = in.readText();
                            byte[] lines = in.readBytes(in.readInt());
                            read.put(key, new Entry(digest, lines));
                        }
                        if (MAGIC.equals(in.readText()) && in.remaining() == 0) {
                            return new SourceMemo(file, now, read, changedFiles);
                        }
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // first build of this context
        } catch (IOException | RuntimeException e) {
            // damaged or from another version: only a cache, start afresh
        }
        return new SourceMemo(file, now, Map.of(), null);
    }

    public Optional<String> get(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.digest());
    }

    /**
     * The lines saved under {@code key} with an earlier listing, when the listing now differs from
     * it only in regular files (which are given); empty otherwise, or if they do not read.
     */
    public Optional<Earlier> earlier(String key) {
        Entry e = saved.get(key);
        if (e == null || changedFiles == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Earlier(parsed(e), changedFiles));
        } catch (IOException | IllegalArgumentException e2) {
            return Optional.empty();
        }
    }

    /**
     * The sha256 of the content of the context file at {@code path} (relative), as a saved line
     * has it, if the file has not changed since: the memo was saved only once its listing could
     * vouch for every file in it, and the listing now shows the file's stat data as they were.
     * Not from lines put since load, which may have racy files.
     */
    public synchronized Optional<String> savedContent(String path) {
        if (savedContent == null) {
            savedContent = new HashMap<>();
            Set<String> changedSince = changedFiles == null ? Set.of() : Set.copyOf(changedFiles);
            for (Entry e : saved.values()) {
                try {
                    SourceLines lines = parsed(e);
                    for (int i = 0; i < lines.lines().size(); i++) {
                        String file = lines.files().get(i);
                        if (file != null && !changedSince.contains(file)) {
                            contentOf(file, lines.lines().get(i)).ifPresent(sha -> savedContent.put(file, sha));
                        }
                    }
                } catch (IOException | IllegalArgumentException damaged) {
                    // only a cache: those files are read again
                }
            }
        }
        return Optional.ofNullable(savedContent.get(path));
    }

    /** The content digest in a regular file's line: {@code PATH MODE UID:GID file SHA256[ xattrs DIGEST]}. */
    private static Optional<String> contentOf(String file, String line) {
        int at = line.indexOf(" file ", file.length()) + " file ".length();
        int end = at + 64;
        return at > file.length() && (line.length() == end || line.length() > end && line.charAt(end) == ' ')
                ? Optional.of(line.substring(at, end)) : Optional.empty();
    }

    /** Records the lines of a digest computed after this memo's listing was taken. */
    public void put(String key, SourceLines lines) {
        String digest = lines.digest();
        Entry was = entries.get(key);
        if (was == null || !was.digest().equals(digest)) {
            entries.put(key, new Entry(digest, bytesOf(lines)));
            changed = true;
        }
    }

    /** Whether entries were put since load. */
    public boolean changed() {
        return changed;
    }

    /** The listing the entries were computed under. */
    public ContextListing listing() {
        return listing;
    }

    /**
     * Writes the memo if it gained entries. The caller vouches that its listing may stand for
     * them: no racy files, or racy files whose content was checked since (see ContextSources).
     */
    public void save() throws IOException {
        if (!changed) {
            return;
        }
        CacheFile.replace(file, out -> {
            out.writeUTF(MAGIC);
            out.writeInt(listing.bytes().length);
            out.write(listing.bytes());
            out.writeInt(entries.size());
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue().digest());
                out.writeInt(e.getValue().lines().length);
                out.write(e.getValue().lines());
            }
            out.writeUTF(MAGIC);
        });
        changed = false;
    }

    /** A saved entry's lines, read once: both {@link #earlier} and {@link #savedContent} need them. */
    private synchronized SourceLines parsed(Entry e) throws IOException {
        SourceLines lines = parsedLines.get(e);
        if (lines == null) {
            lines = linesOf(e.lines());
            parsedLines.put(e, lines);
        }
        return lines;
    }

    private static byte[] bytesOf(SourceLines lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(lines.lines().size());
            for (int i = 0; i < lines.lines().size(); i++) {
                String file = lines.files().get(i);
                out.writeInt(file == null ? -1 : file.length());
                out.writeUTF(lines.lines().get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from memory
        }
        return bytes.toByteArray();
    }

    private static SourceLines linesOf(byte[] bytes) throws IOException {
        CacheInput in = new CacheInput(bytes);
        int n = in.readInt();
        if (n < 0 || n > bytes.length) {
            throw new IOException("damaged lines");
        }
        List<String> texts = new ArrayList<>(n);
        List<String> files = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int fileLength = in.readInt();
            String text = in.readText();
            if (fileLength > text.length()) {
                throw new IOException("damaged lines");
            }
            texts.add(text);
            files.add(fileLength < 0 ? null : text.substring(0, fileLength));
        }
        if (in.remaining() != 0) {
            throw new IOException("damaged lines");
        }
        return new SourceLines(texts, files);
    }
}
