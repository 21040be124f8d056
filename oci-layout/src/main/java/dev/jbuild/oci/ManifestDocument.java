package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a registry or an OCI layout returns for a tag or digest: either an image {@link Manifest}
 * or an {@link Index} of manifests. Both the OCI and the Docker v2 schema 2 spellings are read;
 * Docker schema 1 is refused with a message that says what to do.
 */
public sealed interface ManifestDocument permits Manifest, Index {
    /** The message for schema 1 manifests; a user can act on it, a parser error they cannot. */
    String SCHEMA1_UNSUPPORTED =
            "Docker schema 1 manifests are not supported (deprecated since 2017); re-push the image with a current docker";

    int schemaVersion();

    /** The {@code mediaType} member as written; absent in some older OCI documents. */
    Optional<String> mediaType();

    Optional<String> artifactType();

    Optional<Descriptor> subject();

    Map<String, String> annotations();

    UnknownFields unknown();

    /** The media type this document is: its {@code mediaType} member, or the OCI type when absent. */
    String effectiveMediaType();

    /** Reads a manifest or an index, recognised by its content alone. */
    static ManifestDocument read(byte[] content) {
        return read(content, Optional.empty(), "manifest");
    }

    /**
     * Reads a manifest or an index. The kind is decided by the document's {@code mediaType}
     * member; when it has none, by {@code declaredMediaType} (a registry's {@code Content-Type},
     * a descriptor's media type); failing that, by shape ({@code manifests} makes an index,
     * {@code config} or {@code layers} a manifest). A document that says one type and was declared
     * as another is refused: trusting either would let a registry swap one for the other.
     *
     * @param document names the document in errors, e.g. {@code manifest of alpine:3.20}
     * @throws InvalidDocumentException for schema 1, unknown media types and malformed documents
     */
    static ManifestDocument read(byte[] content, Optional<String> declaredMediaType, String document) {
        JsonNode tree = Json.readTree(content, document);
        JsonFields probe = JsonFields.of(tree, document, "");
        Optional<String> declared = declaredMediaType.map(ManifestDocument::bareMediaType).filter(t -> !t.isEmpty());
        JsonNode mediaTypeNode = tree.get("mediaType");
        Optional<String> own = mediaTypeNode != null && mediaTypeNode.isTextual() && !mediaTypeNode.textValue().isEmpty()
                ? Optional.of(mediaTypeNode.textValue()) : Optional.empty();
        JsonNode version = tree.get("schemaVersion");
        if ((version != null && version.isIntegralNumber() && version.longValue() == 1)
                || own.filter(ManifestDocument::isSchema1).isPresent()
                || declared.filter(ManifestDocument::isSchema1).isPresent()
                || tree.has("fsLayers")) {
            throw new InvalidDocumentException(document, "", SCHEMA1_UNSUPPORTED);
        }
        String kind;
        if (own.isPresent()) {
            kind = own.get();
            if (!MediaTypes.isManifest(kind) && !MediaTypes.isIndex(kind)) {
                throw new InvalidDocumentException(document, "mediaType", "unsupported media type \"" + kind
                        + "\"; expected an OCI or Docker v2 manifest or index ("
                        + String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST,
                                MediaTypes.DOCKER_MANIFEST_LIST) + ")");
            }
            if (declared.filter(d -> MediaTypes.isManifest(d) || MediaTypes.isIndex(d)).filter(d -> !d.equals(own.get()))
                    .isPresent()) {
                throw new InvalidDocumentException(document, "mediaType", "the document says \"" + own.get()
                        + "\" but was served or referenced as \"" + declared.get() + "\"");
            }
        } else if (declared.filter(d -> MediaTypes.isManifest(d) || MediaTypes.isIndex(d)).isPresent()) {
            kind = declared.get();
        } else if (probe.has("manifests") && !probe.has("layers")) {
            kind = MediaTypes.OCI_INDEX;
        } else if (probe.has("config") || probe.has("layers")) {
            kind = MediaTypes.OCI_MANIFEST;
        } else {
            throw new InvalidDocumentException(document, "", "neither an image manifest nor an image index: it has no"
                    + " mediaType, no manifests and no layers");
        }
        return MediaTypes.isIndex(kind) ? Index.fromJson(probe) : Manifest.fromJson(probe);
    }

    private static boolean isSchema1(String mediaType) {
        return mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1) || mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED);
    }

    /** {@code application/x; charset=utf-8} → {@code application/x}, as Content-Type headers carry parameters. */
    public static String bareMediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
