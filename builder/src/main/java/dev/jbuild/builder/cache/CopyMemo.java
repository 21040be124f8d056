package dev.jbuild.builder.cache;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a COPY from the build context that only made a layer recorded: the layer's entries, each
 * file's with the context path its content comes from, and the {@link ContextListing} they were
 * recorded from. Kept per step (its origin, see {@code CopyStep}), one file each under
 * {@code ROOT/build-cache/copies/}, so that the next build of the step, when the context changed
 * only in regular files' contents or metadata, patches those files' entries instead of walking
 * the context again ({@code copy.CopyReplay}).
 *
 * <p>The file: {@value #MAGIC}; the key the caller gave (what the recording depended on besides
 * the listing); the layer's blob digest (so that {@code jbuild prune} drops the memo with the
 * blob); the listing (length, bytes); the entry count and per entry its path, type, mode, owner,
 * mtime, size, link target, device numbers, extended attributes and source (empty for none);
 * the magic again. Written atomically; a file that does not read in full is a miss.
 */
public final class CopyMemo {
    private static final String MAGIC = "jbuild copy memo v1";
    private static final LayerEntry.Type[] TYPES = LayerEntry.Type.values();

    /** The kept entries, the source of each (null where none), and the files changed since. */
    public record Kept(List<LayerEntry> entries, List<String> sources, List<String> changedFiles) {
    }

    private CopyMemo() {
    }

    /** The directory of the memos in a store's build cache directory. */
    public static Path directory(Path buildCache) {
        return buildCache.resolve("copies");
    }

    /**
     * Keeps what a copy recorded: {@code sources.get(i)} is the context path the content of
     * {@code entries.get(i)} comes from, or null for an entry without content.
     */
    public static void save(Path dir, String origin, String key, ContextListing listing, Digest blob,
                            List<LayerEntry> entries, List<String> sources) throws IOException {
        Files.createDirectories(dir);
        CacheFile.replace(dir.resolve(origin), out -> {
            out.writeUTF(MAGIC);
            out.writeUTF(key);
            out.writeUTF(blob.toString());
            out.writeInt(listing.bytes().length);
            out.write(listing.bytes());
            out.writeInt(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                write(out, entries.get(i), sources.get(i));
            }
            out.writeUTF(MAGIC);
        });
    }

    /**
     * The entries kept for {@code origin} under the same {@code key}, when the context listed
     * {@code now} differs from their listing in regular files only (see
     * {@link ContextListing#changedFilesSince}); a file entry's content is {@code contentOf} its
     * source. Empty otherwise, and when nothing readable is kept.
     */
    public static Optional<Kept> load(Path dir, String origin, String key, ContextListing now,
                                      Function<String, LayerEntry.Content> contentOf) throws IOException {
        Path file = dir.resolve(origin);
        try {
            CacheInput in = new CacheInput(Files.readAllBytes(file));
            if (!MAGIC.equals(in.readText()) || !key.equals(in.readText())) {
                return Optional.empty();
            }
            Digest.parse(in.readText());
            int length = in.readInt();
            if (length < 0 || length > in.remaining()) {
                return Optional.empty();
            }
            Optional<List<String>> changed = now.changedFilesSince(in.bytes(), in.position(), in.position() + length);
            in.skip(length);
            if (changed.isEmpty()) {
                return Optional.empty();
            }
            int count = in.readInt();
            if (count < 0) {
                return Optional.empty();
            }
            List<LayerEntry> entries = new ArrayList<>(Math.min(count, 1 << 20));
            List<String> sources = new ArrayList<>(Math.min(count, 1 << 20));
            for (int i = 0; i < count; i++) {
                read(in, entries, sources, contentOf);
            }
            if (!MAGIC.equals(in.readText()) || in.remaining() != 0) {
                return Optional.empty();
            }
            return Optional.of(new Kept(entries, sources, changed.get()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException | DateTimeException | NullPointerException e) {
            return Optional.empty(); // torn or damaged: only a cache, the copy is recorded again
        }
    }

    /** Removes the memos whose layer blob is no longer in the store, or that cannot be read; returns how many. */
    public static int prune(Path dir, BlobStore blobs) throws IOException {
        return ChunkIndex.removeUnless(dir, CopyMemo::blobOf, blobs);
    }

    private static Digest blobOf(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            if (!MAGIC.equals(in.readUTF())) {
                throw new IOException("not a copy memo: " + file);
            }
            in.readUTF(); // the key
            return Digest.parse(in.readUTF());
        }
    }

    private static void write(DataOutputStream out, LayerEntry e, String source) throws IOException {
        out.writeUTF(e.path());
        out.writeByte(e.type().ordinal());
        out.writeInt(e.mode());
        out.writeLong(e.uid());
        out.writeLong(e.gid());
        out.writeLong(e.mtime().getEpochSecond());
        out.writeInt(e.mtime().getNano());
        out.writeLong(e.size());
        out.writeUTF(e.linkTarget());
        out.writeLong(e.devMajor());
        out.writeLong(e.devMinor());
        out.writeInt(e.xattrs().size());
        for (var x : e.xattrs().entrySet()) {
            out.writeUTF(x.getKey());
            out.writeInt(x.getValue().length);
            out.write(x.getValue());
        }
        out.writeUTF(source == null ? "" : source);
    }

    private static void read(CacheInput in, List<LayerEntry> entries, List<String> sources,
                             Function<String, LayerEntry.Content> contentOf) throws IOException {
        String path = in.readText();
        int type = in.readByte();
        if (type < 0 || type >= TYPES.length) {
            throw new IllegalArgumentException("bad entry type " + type);
        }
        int mode = in.readInt();
        long uid = in.readLong();
        long gid = in.readLong();
        Instant mtime = Instant.ofEpochSecond(in.readLong(), in.readInt());
        long size = in.readLong();
        String link = in.readText();
        long major = in.readLong();
        long minor = in.readLong();
        int xattrCount = in.readInt();
        TreeMap<String, byte[]> xattrs = xattrCount == 0 ? null : new TreeMap<>();
        for (int i = 0; i < xattrCount; i++) {
            String name = in.readText();
            int length = in.readInt();
            if (length < 0 || length > 1 << 16) {
                throw new IllegalArgumentException("bad xattr length " + length);
            }
            xattrs.put(name, in.readBytes(length));
        }
        String source = in.readText();
        LayerEntry.Type t = TYPES[type];
        if (t == LayerEntry.Type.FILE && source.isEmpty()) {
            throw new IllegalArgumentException(path + ": a file without a source");
        }
        entries.add(new LayerEntry(path, t, mode, uid, gid, mtime, size, link, major, minor, xattrs,
                source.isEmpty() ? null : contentOf.apply(source)));
        sources.add(source.isEmpty() ? null : source);
    }
}
