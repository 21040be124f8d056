package dev.jbuild.layer;

import dev.jbuild.oci.Digest;

/**
 * What writing a layer produced, all measured in the same pass that wrote it: the digest and size
 * of the blob as stored and pushed, and the digest of the uncompressed tar, which an image config
 * lists in {@code rootfs.diff_ids}. For an uncompressed layer the two digests are equal.
 *
 * @param digest sha256 of the compressed bytes (the blob's name)
 * @param diffId sha256 of the uncompressed tar
 * @param size compressed length in bytes
 * @param uncompressedSize tar length in bytes
 * @param mediaType the OCI layer media type for the compression used
 * @param takenOver how many bytes at the tar's start were taken over from an earlier layer's blob
 *     rather than read and hashed ({@link dev.jbuild.layer.chunk.LayerRecipe}); 0 for most layers
 */
public record LayerResult(Digest digest, Digest diffId, long size, long uncompressedSize, String mediaType,
        long takenOver) {
}
