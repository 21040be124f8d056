package dev.jbuild.builder.cache;

import dev.jbuild.layer.chunk.LayerRecipe;
import dev.jbuild.layer.chunk.MemberBytes;
import dev.jbuild.layer.chunk.MemberCache;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.BlobStore;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Where the compressed members of earlier layers are, so a layer that shares chunks with them
 * copies those members instead of compressing the chunks again. One small file per chunk key under
 * {@code ROOT/build-cache/chunks/}, naming the blob in the store that holds the member, its offset
 * and its length; the member itself stays in that blob, so the index costs no second copy of any
 * layer. An entry whose blob was pruned, or that cannot be read, is a miss (and is removed); what
 * is read is checked against the chunk by the layer writer before it is used.
 */
public final class ChunkIndex implements MemberCache {
    private final Path dir;
    /** The layer recipes, one file per first checkpoint key, beside the chunk entries. */
    private final Path recipes;
    /** The blob each layer origin (a step of a Dockerfile) was last written to, one file per origin. */
    private final Path origins;
    private final BlobStore blobs;
    private final boolean lookups;

    /**
     * @param dir the index directory
     * @param lookups false for {@code --no-cache}: every chunk is compressed, and still recorded
     */
    public ChunkIndex(Path dir, BlobStore blobs, boolean lookups) {
        this.dir = dir;
        this.recipes = recipesDirectory(dir);
        this.origins = originsDirectory(dir);
        this.blobs = blobs;
        this.lookups = lookups;
    }

    @Override
    public boolean find(String key, MemberBytes into) throws IOException {
        if (!lookups) {
            return false;
        }
        Path entry = dir.resolve(key);
        Location at;
        try {
            at = Location.parse(Files.readString(entry, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | IllegalArgumentException e) {
            Files.deleteIfExists(entry); // torn by a crash: forget it
            return false;
        }
        try (FileChannel blob = FileChannel.open(blobs.path(at.blob()), StandardOpenOption.READ)) {
            into.ensureCapacity(at.length());
            ByteBuffer member = ByteBuffer.wrap(into.array(), 0, at.length());
            while (member.hasRemaining()) {
                if (blob.read(member, at.offset() + member.position()) < 0) {
                    Files.deleteIfExists(entry);
                    return false;
                }
            }
            into.setSize(at.length());
            return true;
        } catch (NoSuchFileException e) {
            Files.deleteIfExists(entry); // the blob was pruned
            return false;
        }
    }

    @Override
    public void written(Digest blob, List<Member> members) throws IOException {
        Files.createDirectories(dir);
        for (Member m : members) {
            // The newest blob holding a member is the one most likely to outlive a prune. Written
            // over the old entry rather than truncating it: truncation frees the file's block, and
            // on a file system mounted with discard each freed block waits for the disk (a rebuild
            // rewrites a hundred entries: 30-50 ms). Locations have one length, so no old byte
            // stays behind, and the one write is within a sector: a crash leaves old or new.
            byte[] location = new Location(blob, m.offset(), m.length()).toString().getBytes(StandardCharsets.US_ASCII);
            try (FileChannel entry = FileChannel.open(dir.resolve(m.key()), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(location);
                while (b.hasRemaining()) {
                    entry.write(b, b.position());
                }
                if (entry.size() > location.length) {
                    entry.truncate(location.length); // an entry written before locations had one length
                }
            }
        }
    }

    /**
     * The recipe last kept under this key, if its blob is still in the store (see
     * {@link LayerRecipe}); a file that cannot be read whole is a miss, and is removed.
     */
    @Override
    public Optional<LayerRecipe> recipe(String firstKey) throws IOException {
        if (!lookups) {
            return Optional.empty();
        }
        Path file = recipes.resolve(firstKey);
        LayerRecipe recipe;
        try {
            recipe = readRecipe(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            Files.deleteIfExists(file);
            return Optional.empty();
        }
        if (!recipe.firstKey().equals(firstKey) || !blobs.has(recipe.blob())) {
            Files.deleteIfExists(file);
            return Optional.empty();
        }
        return Optional.of(recipe);
    }

    @Override
    public void keep(LayerRecipe recipe) throws IOException {
        CacheFile.replace(recipes.resolve(recipe.firstKey()), recipe::write);
    }

    /** Into a store writer the kernel copies, while the layer goes on (see {@link BlobStore.Writer#takePrefix}). */
    @Override
    public boolean copyPrefix(Digest blob, long length, OutputStream out) throws IOException {
        Path source = blobs.path(blob);
        try {
            if (Files.size(source) < length) {
                return false;
            }
            if (out instanceof BlobStore.Writer writer) {
                writer.takePrefix(source, length);
            } else {
                try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                    BlobStore.copyThrough(in, length, out);
                }
            }
            return true;
        } catch (NoSuchFileException e) {
            return false; // pruned since the recipe was read
        }
    }

    /**
     * The blob the layer of this origin was last written to, if still in the store: a guess at
     * the blob its next layer will take its first part from (see
     * {@link dev.jbuild.builder.snapshot.LayerCommitter#newBlob}). Empty without lookups.
     */
    public Optional<Digest> lastBlob(String origin) throws IOException {
        if (!lookups) {
            return Optional.empty();
        }
        try {
            Digest blob = originBlob(origins.resolve(origin));
            return blobs.has(blob) ? Optional.of(blob) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty(); // torn: the next layer of this origin replaces it
        }
    }

    /** Remembers the blob the layer of this origin was written to. */
    public void rememberBlob(String origin, Digest blob) throws IOException {
        CacheFile.replace(origins.resolve(origin), out -> out.write(blob.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    private static Path recipesDirectory(Path chunkIndex) {
        return chunkIndex.resolveSibling("recipes");
    }

    private static Path originsDirectory(Path chunkIndex) {
        return chunkIndex.resolveSibling("origins");
    }

    /** Removes the entries, recipes and origins whose blob is no longer in the store; returns how many. */
    public static int prune(Path dir, BlobStore blobs) throws IOException {
        int entries = removeUnless(dir, entry -> Location.parse(Files.readString(entry, StandardCharsets.US_ASCII)).blob(),
                blobs);
        return entries + removeUnless(recipesDirectory(dir), ChunkIndex::recipeBlob, blobs)
                + removeUnless(originsDirectory(dir), ChunkIndex::originBlob, blobs);
    }

    private static Digest originBlob(Path file) throws IOException {
        return Digest.parse(Files.readString(file, StandardCharsets.US_ASCII).trim());
    }

    private static Digest recipeBlob(Path file) throws IOException {
        return readRecipe(file).blob();
    }

    private static LayerRecipe readRecipe(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 64 * 1024))) {
            return LayerRecipe.read(in);
        }
    }

    /** The blob a cache file names. */
    interface BlobOf {
        Digest read(Path file) throws IOException;
    }

    /** Removes the files of {@code dir} that name no blob in the store, or cannot be read. */
    static int removeUnless(Path dir, BlobOf blobOf, BlobStore blobs) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                boolean keep;
                try {
                    keep = blobs.has(blobOf.read(file));
                } catch (IOException | IllegalArgumentException e) {
                    keep = false;
                }
                if (!keep) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
        }
        return removed;
    }

    /**
     * A member's place: {@code sha256:<hex> <offset> <length>}, the numbers zero-padded to the
     * widest a long and an int take, so that every location has the same length.
     */
    private record Location(Digest blob, long offset, int length) {
        static Location parse(String text) {
            String[] f = text.trim().split(" ");
            if (f.length != 3) {
                throw new IllegalArgumentException("not a chunk location: " + text);
            }
            return new Location(Digest.parse(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]));
        }

        @Override
        public String toString() {
            return blob + " " + String.format("%019d %010d", offset, length);
        }
    }
}
