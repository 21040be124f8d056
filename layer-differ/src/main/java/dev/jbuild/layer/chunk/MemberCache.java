package dev.jbuild.layer.chunk;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where a chunked layer writer finds the compressed members of chunks it wrote before, and tells
 * where it wrote new ones. A member is looked up by the key of its uncompressed chunk
 * ({@link ChunkCodec#key}); whatever comes back is checked against the chunk before it is used, so
 * a stale or damaged entry costs a recompression, never a wrong layer.
 */
public interface MemberCache {
    /** A cache that knows nothing and keeps nothing: every chunk is compressed. */
    MemberCache NONE = new MemberCache() {
        @Override
        public Optional<byte[]> find(String key) {
            return Optional.empty();
        }

        @Override
        public void written(Digest blob, List<Member> members) {
        }
    };

    /** The compressed member made earlier from the chunk with this key, if still at hand. */
    Optional<byte[]> find(String key) throws IOException;

    /** The members of a finished blob, in order, with where each sits in it. */
    void written(Digest blob, List<Member> members) throws IOException;

    /**
     * One member of a chunked blob.
     *
     * @param key the key of its uncompressed chunk
     * @param offset where the member starts in the blob
     * @param length its compressed length
     * @param reused whether it was taken from the cache rather than compressed
     */
    record Member(String key, long offset, int length, boolean reused) {
    }
}
