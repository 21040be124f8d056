package dev.jbuild.layer.chunk;

import dev.jbuild.layer.compress.Sha256State;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where a chunked layer writer finds the compressed members of chunks it wrote before, and tells
 * where it wrote new ones; and where it keeps the {@link LayerRecipe recipes} of the blobs it
 * wrote, to take over the first part of one of them. A member is looked up by the key of its
 * uncompressed chunk ({@link ChunkCodec#key}); whatever comes back is checked against the chunk
 * before it is used, so a stale or damaged entry costs a recompression, never a wrong layer.
 */
public interface MemberCache {
    /** A cache that knows nothing and keeps nothing: every chunk is compressed. */
    MemberCache NONE = new MemberCache() {
        @Override
        public boolean find(String key, MemberBytes into) {
            return false;
        }

        @Override
        public void written(Digest blob, List<Member> members) {
        }
    };

    /**
     * Reads the compressed member made earlier from the chunk with this key into {@code into}
     * (replacing what it held), if still at hand; false otherwise, {@code into} then undefined.
     * A buffer the caller reuses, rather than an array per member: a rebuild finds a hundred
     * members of half a megabyte, which made a fifth of its allocation.
     */
    boolean find(String key, MemberBytes into) throws IOException;

    /** The members of a finished blob, in order, with where each sits in it. */
    void written(Digest blob, List<Member> members) throws IOException;

    /**
     * The recipe of the newest layer whose first checkpoint has this key, if kept. What comes back
     * is trusted as it is (its hash states cannot be checked without hashing what they stand for),
     * so a store of recipes must return only what {@link #keep} was given, whole.
     */
    default Optional<LayerRecipe> recipe(String firstKey) throws IOException {
        return Optional.empty();
    }

    /** Keeps the recipe of a finished blob, found again by its {@link LayerRecipe#firstKey}. */
    default void keep(LayerRecipe recipe) throws IOException {
    }

    /**
     * Writes the first {@code length} bytes of a blob this cache named in a recipe to {@code out};
     * false, with nothing written, if the blob is gone.
     */
    default boolean copyPrefix(Digest blob, long length, OutputStream out) throws IOException {
        return false;
    }

    /**
     * One member of a chunked blob.
     *
     * @param key the key of its uncompressed chunk
     * @param start where its chunk starts in the uncompressed tar
     * @param offset where the member starts in the blob
     * @param length its compressed length
     * @param reused whether it was taken from the cache rather than compressed
     * @param blobState the state of the blob's sha256 before the member, if states are
     *     {@linkplain Sha256State#supported supported}
     */
    record Member(String key, long start, long offset, int length, boolean reused, Optional<Sha256State> blobState) {
    }
}
