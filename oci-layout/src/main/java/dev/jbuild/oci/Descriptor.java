package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A reference to content by media type, digest and size (image-spec {@code descriptor.md}): a
 * manifest's config and layers, an index's manifests, a {@code subject}. JSON members are written
 * in the order of the image-spec Go struct: {@code mediaType, digest, size, urls, annotations,
 * data, platform, artifactType}, then unknown members.
 *
 * @param mediaType the media type of the referenced content
 * @param digest its digest
 * @param size its size in bytes
 * @param urls where else it may be downloaded from (foreign layers)
 * @param annotations annotations, sorted by key
 * @param data the content itself, base64 as written in the JSON; see {@link #verifiedData()}
 * @param platform the platform of a manifest listed in an index
 * @param artifactType the artifact type of a referenced artifact manifest
 * @param unknown other members
 */
public record Descriptor(String mediaType, Digest digest, long size, List<String> urls,
        Map<String, String> annotations, Optional<String> data, Optional<Platform> platform,
        Optional<String> artifactType, UnknownFields unknown) {
    static final List<String> FIELDS = List.of("mediaType", "digest", "size", "urls", "annotations", "data",
            "platform", "artifactType");

    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        if (mediaType.isEmpty()) {
            throw new IllegalArgumentException("mediaType: is required");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size: must not be negative, got " + size);
        }
        urls = List.copyOf(urls);
        annotations = sortedMap(annotations);
        data = data.filter(d -> !d.isEmpty());
        data.ifPresent(d -> {
            try {
                Base64.getDecoder().decode(d);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("data: not valid base64: " + e.getMessage());
            }
        });
        artifactType = artifactType.filter(a -> !a.isEmpty());
        unknown = unknown.requireNoneOf(FIELDS, "Descriptor");
    }

    /** A descriptor of content held in memory (a manifest, a config): its sha256 and length. */
    public static Descriptor of(String mediaType, byte[] content) {
        return of(mediaType, Json.digestOf(content), content.length);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, List.of(), Map.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), UnknownFields.NONE);
    }

    /**
     * The embedded {@code data}, decoded, once checked against {@link #digest} and {@link #size};
     * the spec requires that check before use, because the descriptor could lie.
     *
     * @throws IllegalStateException if the data does not match
     */
    public Optional<byte[]> verifiedData() {
        return data.map(d -> {
            byte[] bytes = Base64.getDecoder().decode(d);
            Digest actual = Digest.fromHash(digest.algorithm(), digest.newHasher().digest(bytes));
            if (bytes.length != size || !actual.equals(digest)) {
                throw new IllegalStateException("descriptor " + digest + ": embedded data (" + bytes.length
                        + " bytes, " + actual + ") does not match its digest and size (" + size + " bytes)");
            }
            return bytes;
        });
    }

    public Descriptor withMediaType(String newMediaType) {
        return new Descriptor(newMediaType, digest, size, urls, annotations, data, platform, artifactType, unknown);
    }

    public Descriptor withUrls(List<String> newUrls) {
        return new Descriptor(mediaType, digest, size, newUrls, annotations, data, platform, artifactType, unknown);
    }

    public Descriptor withAnnotations(Map<String, String> newAnnotations) {
        return new Descriptor(mediaType, digest, size, urls, newAnnotations, data, platform, artifactType, unknown);
    }

    /** A copy with one annotation set (replaced if present). */
    public Descriptor withAnnotation(String key, String value) {
        return withAnnotations(put(annotations, key, value));
    }

    /** A copy that embeds {@code content} as {@code data}; it must be what the digest names. */
    public Descriptor withData(byte[] content) {
        Descriptor copy = new Descriptor(mediaType, digest, size, urls, annotations,
                Optional.of(Base64.getEncoder().encodeToString(content)), platform, artifactType, unknown);
        copy.verifiedData();
        return copy;
    }

    public Descriptor withPlatform(Optional<Platform> newPlatform) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, newPlatform, artifactType, unknown);
    }

    public Descriptor withPlatform(Platform newPlatform) {
        return withPlatform(Optional.of(newPlatform));
    }

    public Descriptor withArtifactType(Optional<String> newArtifactType) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, platform, newArtifactType, unknown);
    }

    public Descriptor withUnknown(UnknownFields newUnknown) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, platform, artifactType, newUnknown);
    }

    /** An immutable copy sorted by key; nulls are refused. */
    static Map<String, String> sortedMap(Map<String, String> map) {
        TreeMap<String, String> sorted = new TreeMap<>(Json.KEY_ORDER);
        map.forEach((k, v) -> sorted.put(Objects.requireNonNull(k, "key"),
                Objects.requireNonNull(v, () -> "value of " + k)));
        return Collections.unmodifiableSortedMap(sorted);
    }

    static Map<String, String> put(Map<String, String> map, String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(Json.KEY_ORDER);
        copy.putAll(map);
        copy.put(key, value);
        return copy;
    }

    ObjectNode toJson() {
        return new JsonOut()
                .string("mediaType", mediaType)
                .string("digest", digest.toString())
                .number("size", size)
                .strings("urls", urls, false)
                .stringMap("annotations", annotations)
                .string("data", data)
                .object("platform", platform.map(Platform::toJson))
                .string("artifactType", artifactType)
                .unknown(unknown)
                .done();
    }

    static Descriptor fromJson(JsonFields in) {
        String mediaType = in.requiredString("mediaType");
        Digest digest = in.digest("digest");
        long size = in.requiredLong("size");
        List<String> urls = in.strings("urls");
        Map<String, String> annotations = in.stringMap("annotations");
        Optional<String> data = in.string("data");
        Optional<Platform> platform = in.object("platform").map(Platform::fromJson);
        Optional<String> artifactType = in.string("artifactType");
        UnknownFields unknown = in.unknown();
        return in.build(() -> new Descriptor(mediaType, digest, size, urls, annotations, data, platform, artifactType,
                unknown));
    }
}
