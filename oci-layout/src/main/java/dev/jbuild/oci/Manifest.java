package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An image manifest: a config descriptor and the layers, base first. One type serves both the OCI
 * image manifest and the Docker v2 schema 2 manifest, which have the same shape; {@code mediaType}
 * tells them apart. Written as {@code schemaVersion, mediaType, artifactType, config, layers,
 * subject, annotations}, then unknown members; {@code layers} is always written, even empty.
 *
 * @param schemaVersion always 2
 * @param mediaType {@link MediaTypes#OCI_MANIFEST} or {@link MediaTypes#DOCKER_MANIFEST}; absent in
 *     some older OCI manifests, and then kept absent
 * @param artifactType the type of an artifact whose config is the empty descriptor
 * @param config the image config (or an artifact's config)
 * @param layers the layers, base first
 * @param subject the manifest this one refers to (signatures, SBOMs, attestations)
 * @param annotations annotations, sorted by key
 * @param unknown other members
 */
public record Manifest(int schemaVersion, Optional<String> mediaType, Optional<String> artifactType, Descriptor config,
        List<Descriptor> layers, Optional<Descriptor> subject, Map<String, String> annotations, UnknownFields unknown)
        implements ManifestDocument {
    static final List<String> FIELDS = List.of("schemaVersion", "mediaType", "artifactType", "config", "layers",
            "subject", "annotations");

    public Manifest {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException(schemaVersion == 1 ? SCHEMA1_UNSUPPORTED
                    : "schemaVersion: unsupported value " + schemaVersion + " (expected 2)");
        }
        mediaType = mediaType.filter(m -> !m.isEmpty());
        mediaType.filter(m -> !MediaTypes.isManifest(m)).ifPresent(m -> {
            throw new IllegalArgumentException("mediaType: \"" + m + "\" is not an image manifest media type");
        });
        artifactType = artifactType.filter(a -> !a.isEmpty());
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
        annotations = Descriptor.sortedMap(annotations);
        unknown = unknown.requireNoneOf(FIELDS, "Manifest");
    }

    /** An OCI image manifest. */
    public static Manifest oci(Descriptor config, List<Descriptor> layers) {
        return new Manifest(2, Optional.of(MediaTypes.OCI_MANIFEST), Optional.empty(), config, layers, Optional.empty(),
                Map.of(), UnknownFields.NONE);
    }

    /** A Docker v2 schema 2 manifest. */
    public static Manifest docker(Descriptor config, List<Descriptor> layers) {
        return new Manifest(2, Optional.of(MediaTypes.DOCKER_MANIFEST), Optional.empty(), config, layers,
                Optional.empty(), Map.of(), UnknownFields.NONE);
    }

    @Override
    public String effectiveMediaType() {
        return mediaType.orElse(MediaTypes.OCI_MANIFEST);
    }

    public boolean isDocker() {
        return effectiveMediaType().equals(MediaTypes.DOCKER_MANIFEST);
    }

    public Manifest withMediaType(String newMediaType) {
        return new Manifest(schemaVersion, Optional.of(newMediaType), artifactType, config, layers, subject, annotations,
                unknown);
    }

    public Manifest withArtifactType(Optional<String> newArtifactType) {
        return new Manifest(schemaVersion, mediaType, newArtifactType, config, layers, subject, annotations, unknown);
    }

    public Manifest withConfig(Descriptor newConfig) {
        return new Manifest(schemaVersion, mediaType, artifactType, newConfig, layers, subject, annotations, unknown);
    }

    public Manifest withLayers(List<Descriptor> newLayers) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, newLayers, subject, annotations, unknown);
    }

    /** A copy with one more layer on top. */
    public Manifest withLayer(Descriptor layer) {
        List<Descriptor> more = new ArrayList<>(layers);
        more.add(layer);
        return withLayers(more);
    }

    public Manifest withSubject(Optional<Descriptor> newSubject) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, newSubject, annotations, unknown);
    }

    public Manifest withAnnotations(Map<String, String> newAnnotations) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, newAnnotations, unknown);
    }

    /** A copy with one annotation set (replaced if present). */
    public Manifest withAnnotation(String key, String value) {
        return withAnnotations(Descriptor.put(annotations, key, value));
    }

    public Manifest withUnknown(UnknownFields newUnknown) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, annotations, newUnknown);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .number("schemaVersion", schemaVersion)
                .string("mediaType", mediaType)
                .string("artifactType", artifactType)
                .object("config", config.toJson())
                .objects("layers", layers.stream().map(Descriptor::toJson).toList(), true)
                .object("subject", subject.map(Descriptor::toJson))
                .stringMap("annotations", annotations)
                .unknown(unknown)
                .done();
    }

    static Manifest fromJson(JsonFields in) {
        int schemaVersion = in.requiredInt("schemaVersion");
        Optional<String> mediaType = in.string("mediaType");
        Optional<String> artifactType = in.string("artifactType");
        Descriptor config = Descriptor.fromJson(in.requiredObject("config"));
        List<Descriptor> layers = in.objects("layers", Descriptor::fromJson);
        Optional<Descriptor> subject = in.object("subject").map(Descriptor::fromJson);
        Map<String, String> annotations = in.stringMap("annotations");
        UnknownFields unknown = in.unknown();
        return in.build(() -> new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, annotations,
                unknown));
    }
}
