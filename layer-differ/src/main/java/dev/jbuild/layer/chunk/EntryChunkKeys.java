package dev.jbuild.layer.chunk;

import dev.jbuild.layer.LayerEntry;
import dev.jbuild.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Keys of chunks that hold whole entries whose contents' digests are known
 * ({@link LayerEntry.Content#sha256}, as a build context's content index vouches for them): the
 * sha256 of the codec and, entry after entry, its tar header blocks and its content's digest. The
 * headers hold the size, so this names every byte of the chunk, and a chunked layer writer finds
 * the chunk's member again without hashing the chunk's bytes (a sha256 pass less over everything
 * it writes). A chunk that starts inside an entry, or holds one whose digest is not known, has no
 * such key and is keyed by its bytes ({@link ChunkCodec#key}); the two kinds of key start with
 * different text, so they never name different bytes alike. Either way the member found is
 * checked against the chunk's bytes before it is used.
 *
 * <p>The writer tells where each chunk starts and what entries it holds; one chunk at a time.
 */
public final class EntryChunkKeys {
    private final byte[] prefix;
    private MessageDigest sha256 = Digest.sha256();
    private long start;
    private boolean known = true;

    public EntryChunkKeys(ChunkCodec codec) {
        byte[] id = codec.identity();
        byte[] head = "jbuild layer chunk of entries 1\n".getBytes(StandardCharsets.US_ASCII);
        this.prefix = new byte[head.length + id.length];
        System.arraycopy(head, 0, prefix, 0, head.length);
        System.arraycopy(id, 0, prefix, head.length, id.length);
        sha256.update(prefix);
    }

    /** Starts the next chunk at this tar offset, the start of an entry. */
    public void startAt(long offset) {
        sha256.reset();
        sha256.update(prefix);
        start = offset;
        known = true;
    }

    /** Where the current chunk starts. */
    public long start() {
        return start;
    }

    /** Adds a whole entry, with the header blocks it is written with, to the current chunk. */
    public void add(LayerEntry entry, byte[][] headers) {
        known = known && RecipeChain.hashEntry(sha256, entry, headers);
    }

    /** The current chunk cannot have such a key: it holds part of an entry. */
    public void partOfAnEntry() {
        known = false;
    }

    /** The key of the current chunk, if it has one. */
    public Optional<String> key() {
        return known ? Optional.of(HexFormat.of().formatHex(sha256.digest())) : Optional.empty();
    }
}
