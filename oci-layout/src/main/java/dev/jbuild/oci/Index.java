package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image index: a list of manifests, usually one per platform. One type serves both the OCI
 * image index (also {@code index.json} of an OCI layout) and the Docker manifest list;
 * {@code mediaType} tells them apart. Written as {@code schemaVersion, mediaType, artifactType,
 * manifests, subject, annotations}, then unknown members; {@code manifests} is always written.
 *
 * @param schemaVersion always 2
 * @param mediaType {@link MediaTypes#OCI_INDEX} or {@link MediaTypes#DOCKER_MANIFEST_LIST}; may be
 *     absent in older OCI documents, and is then kept absent
 * @param artifactType the artifact type, for an index of artifacts
 * @param manifests the manifests, in the order written
 * @param subject the manifest this index refers to
 * @param annotations annotations, sorted by key
 * @param unknown other members
 */
public record Index(int schemaVersion, Optional<String> mediaType, Optional<String> artifactType,
        List<Descriptor> manifests, Optional<Descriptor> subject, Map<String, String> annotations,
        UnknownFields unknown) implements ManifestDocument {
    static final List<String> FIELDS = List.of("schemaVersion", "mediaType", "artifactType", "manifests", "subject",
            "annotations");

    public Index {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("schemaVersion: unsupported value " + schemaVersion + " (expected 2)");
        }
        mediaType = mediaType.filter(m -> !m.isEmpty());
        mediaType.filter(m -> !MediaTypes.isIndex(m)).ifPresent(m -> {
            throw new IllegalArgumentException("mediaType: \"" + m + "\" is not an image index media type");
        });
        artifactType = artifactType.filter(a -> !a.isEmpty());
        manifests = List.copyOf(manifests);
        annotations = Descriptor.sortedMap(annotations);
        unknown = unknown.requireNoneOf(FIELDS, "Index");
    }

    /** An OCI image index. */
    public static Index oci(List<Descriptor> manifests) {
        return new Index(2, Optional.of(MediaTypes.OCI_INDEX), Optional.empty(), manifests, Optional.empty(), Map.of(),
                UnknownFields.NONE);
    }

    /** A Docker manifest list. */
    public static Index dockerList(List<Descriptor> manifests) {
        return new Index(2, Optional.of(MediaTypes.DOCKER_MANIFEST_LIST), Optional.empty(), manifests,
                Optional.empty(), Map.of(), UnknownFields.NONE);
    }

    @Override
    public String effectiveMediaType() {
        return mediaType.orElse(MediaTypes.OCI_INDEX);
    }

    /**
     * The first manifest whose platform {@link Platform#matches matches} {@code platform}, in the
     * order of the index, as containerd and docker pick. Entries without a platform, and
     * attestation manifests (platform {@code unknown/unknown}), never match.
     */
    public Optional<Descriptor> manifestFor(Platform platform) {
        return manifests.stream()
                .filter(d -> d.platform().map(platform::matches).orElse(false))
                .findFirst();
    }

    public Index withMediaType(String newMediaType) {
        return new Index(schemaVersion, Optional.of(newMediaType), artifactType, manifests, subject, annotations,
                unknown);
    }

    public Index withArtifactType(Optional<String> newArtifactType) {
        return new Index(schemaVersion, mediaType, newArtifactType, manifests, subject, annotations, unknown);
    }

    public Index withManifests(List<Descriptor> newManifests) {
        return new Index(schemaVersion, mediaType, artifactType, newManifests, subject, annotations, unknown);
    }

    /** A copy with one more manifest at the end. */
    public Index withManifest(Descriptor manifest) {
        List<Descriptor> more = new ArrayList<>(manifests);
        more.add(manifest);
        return withManifests(more);
    }

    public Index withSubject(Optional<Descriptor> newSubject) {
        return new Index(schemaVersion, mediaType, artifactType, manifests, newSubject, annotations, unknown);
    }

    public Index withAnnotations(Map<String, String> newAnnotations) {
        return new Index(schemaVersion, mediaType, artifactType, manifests, subject, newAnnotations, unknown);
    }

    /** A copy with one annotation set (replaced if present). */
    public Index withAnnotation(String key, String value) {
        return withAnnotations(Descriptor.put(annotations, key, value));
    }

    public Index withUnknown(UnknownFields newUnknown) {
        return new Index(schemaVersion, mediaType, artifactType, manifests, subject, annotations, newUnknown);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .number("schemaVersion", schemaVersion)
                .string("mediaType", mediaType)
                .string("artifactType", artifactType)
                .objects("manifests", manifests.stream().map(Descriptor::toJson).toList(), true)
                .object("subject", subject.map(Descriptor::toJson))
                .stringMap("annotations", annotations)
                .unknown(unknown)
                .done();
    }

    static Index fromJson(JsonFields in) {
        int schemaVersion = in.requiredInt("schemaVersion");
        Optional<String> mediaType = in.string("mediaType");
        Optional<String> artifactType = in.string("artifactType");
        List<Descriptor> manifests = in.objects("manifests", Descriptor::fromJson);
        Optional<Descriptor> subject = in.object("subject").map(Descriptor::fromJson);
        Map<String, String> annotations = in.stringMap("annotations");
        UnknownFields unknown = in.unknown();
        return in.build(() -> new Index(schemaVersion, mediaType, artifactType, manifests, subject, annotations,
                unknown));
    }
}
