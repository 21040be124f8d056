package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Recognising manifests and indexes, and refusing what jbuild cannot use, with useful messages. */
class ManifestDocumentTest {
    private static final String D1 = "sha256:" + "a".repeat(64);
    private static final String D2 = "sha256:" + "b".repeat(64);

    private static byte[] utf8(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheFixturesAsWhatTheySay() {
        Manifest oci = assertInstanceOf(Manifest.class, ManifestDocument.read(Fixtures.bytes("oci-manifest.json")));
        assertEquals(MediaTypes.OCI_MANIFEST, oci.effectiveMediaType());
        assertEquals(3, oci.layers().size());
        assertEquals("sha512", oci.layers().get(2).digest().algorithm());
        assertEquals("docker.io/library/alpine:3.20", oci.annotations().get("org.opencontainers.image.base.name"));

        Manifest docker = Json.read(Fixtures.bytes("docker-manifest.json"), Manifest.class);
        assertTrue(docker.isDocker());
        assertEquals(1, docker.layers().get(0).urls().size());
        assertEquals(7023, docker.config().size());

        Index list = Json.read(Fixtures.bytes("docker-manifest-list.json"), Index.class);
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, list.effectiveMediaType());
        assertEquals(List.of("sse4").toString(),
                list.manifests().get(1).platform().orElseThrow().unknown().get("features").orElseThrow().toString()
                        .replace("\"", ""));
    }

    @Test
    void artifactManifestKeepsSubjectArtifactTypeAndVerifiedData() {
        Manifest m = Json.read(Fixtures.bytes("oci-artifact-manifest.json"), Manifest.class);
        assertEquals(Optional.of("application/vnd.example.sbom.v1+json"), m.artifactType());
        assertEquals(D1.length(), m.subject().orElseThrow().digest().toString().length());
        assertEquals("{}", new String(m.config().verifiedData().orElseThrow(), StandardCharsets.UTF_8));
    }

    @Test
    void recognisesByShapeWhenThereIsNoMediaType() {
        ManifestDocument manifest = ManifestDocument.read(utf8("{'schemaVersion':2,'config':{'mediaType':'"
                + MediaTypes.OCI_CONFIG + "','digest':'" + D1 + "','size':1},'layers':[]}"));
        assertInstanceOf(Manifest.class, manifest);
        assertEquals(Optional.empty(), manifest.mediaType());
        assertEquals(MediaTypes.OCI_MANIFEST, manifest.effectiveMediaType());
        // Absent stays absent on writing: the document is not changed behind the user's back.
        assertTrue(!Json.writeString(manifest).contains("mediaType\":\"application/vnd.oci.image.manifest"));

        ManifestDocument index = ManifestDocument.read(utf8("{'schemaVersion':2,'manifests':[]}"));
        assertInstanceOf(Index.class, index);
        assertEquals("{\"schemaVersion\":2,\"manifests\":[]}", Json.writeString(index));
    }

    @Test
    void usesTheDeclaredMediaTypeWhenTheDocumentHasNone() {
        ManifestDocument index = ManifestDocument.read(utf8("{'schemaVersion':2,'manifests':[]}"),
                Optional.of(MediaTypes.DOCKER_MANIFEST_LIST + "; charset=utf-8"), "list");
        assertInstanceOf(Index.class, index);
    }

    @Test
    void refusesADocumentThatContradictsItsDeclaredType() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> ManifestDocument.read(
                Fixtures.bytes("oci-index.json"), Optional.of(MediaTypes.OCI_MANIFEST), "manifest of app:1"));
        assertTrue(e.getMessage().startsWith("manifest of app:1: mediaType: the document says"), e.getMessage());
    }

    @Test
    void refusesSchema1ByVersionMediaTypeOrDeclaredType() {
        String expected = "Docker schema 1 manifests are not supported (deprecated since 2017); re-push the image"
                + " with a current docker";
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> ManifestDocument.read(Fixtures.bytes("docker-schema1.json"), Optional.empty(), "hello:latest"));
        assertEquals("hello:latest: " + expected, e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(Fixtures.bytes("docker-schema1.json"),
                Manifest.class));
        assertTrue(e.getMessage().endsWith(expected), e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> ManifestDocument.read(
                utf8("{'mediaType':'" + MediaTypes.DOCKER_MANIFEST_V1_SIGNED + "'}")));
        assertTrue(e.getMessage().endsWith(expected), e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> ManifestDocument.read(utf8("{'schemaVersion':2}"),
                Optional.of(MediaTypes.DOCKER_MANIFEST_V1), "old"));
        assertTrue(e.getMessage().endsWith(expected), e.getMessage());
    }

    @Test
    void asksForAManifestButGetsAnIndex() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> Json.read(Fixtures.bytes("oci-index.json"), Manifest.class));
        assertTrue(e.getMessage().contains("expected an image manifest but this is an image index"), e.getMessage());
    }

    @Test
    void invalidDigestIsRefusedNamingTheField() {
        String doc = "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "','config':{'mediaType':'"
                + MediaTypes.OCI_CONFIG + "','digest':'" + D1 + "','size':1},'layers':[{'mediaType':'"
                + MediaTypes.OCI_LAYER_GZIP + "','digest':'" + D2 + "','size':2},{'mediaType':'"
                + MediaTypes.OCI_LAYER_GZIP + "','digest':'sha256:ABC','size':3}]}";
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> Json.read(utf8(doc), Manifest.class, "image manifest sha256:1234"));
        assertEquals("layers[1].digest", e.field());
        assertTrue(e.getMessage().startsWith("image manifest sha256:1234: layers[1].digest: invalid sha256 digest"),
                e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(
                utf8(doc.replace("sha256:ABC", "md5:d41d8cd98f00b204e9800998ecf8427e")), Manifest.class));
        assertEquals("layers[1].digest", e.field());
        assertTrue(e.getMessage().contains("unsupported digest algorithm \"md5\""), e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(
                utf8("{'schemaVersion':2,'manifests':[{'mediaType':'x','digest':'sha256:zz','size':1}]}"),
                Index.class));
        assertEquals("manifests[0].digest", e.field());
    }

    @Test
    void wrongTypesAreRefusedNamingTheField() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'schemaVersion':2,'config':{'mediaType':'m','digest':'" + D1 + "','size':'12'},'layers':[]}"),
                Manifest.class));
        assertEquals("config.size", e.field());
        assertTrue(e.getMessage().contains("expected a 64-bit integer, got the string \"12\""), e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'schemaVersion':2,'config':{'mediaType':'m','digest':'" + D1 + "','size':1.5},'layers':{}}"),
                Manifest.class));
        assertEquals("config.size", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'schemaVersion':2,'config':{'mediaType':'m','digest':'" + D1 + "','size':1},'layers':{}}"),
                Manifest.class));
        assertEquals("layers", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'schemaVersion':2,'manifests':[{'mediaType':'m','digest':'" + D1 + "','size':1,"
                        + "'platform':{'os':'linux'}}]}"), Index.class));
        assertEquals("manifests[0].platform.architecture", e.field());
        assertTrue(e.getMessage().endsWith("is required"), e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'schemaVersion':2,'config':{'mediaType':'m','digest':'" + D1 + "','size':-1},'layers':[]}"),
                Manifest.class));
        assertEquals("config.size", e.field());
        assertTrue(e.getMessage().endsWith("config.size: must not be negative, got -1"), e.getMessage());
    }

    @Test
    void unsupportedSchemaVersionsAndMediaTypes() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> ManifestDocument.read(utf8("{'schemaVersion':3,'manifests':[]}")));
        assertTrue(e.getMessage().contains("unsupported value 3"), e.getMessage());
        e = assertThrows(InvalidDocumentException.class, () -> ManifestDocument.read(
                utf8("{'schemaVersion':2,'mediaType':'application/vnd.oci.artifact.manifest.v1+json'}")));
        assertEquals("mediaType", e.field());
        e = assertThrows(InvalidDocumentException.class, () -> ManifestDocument.read(utf8("{'schemaVersion':2}")));
        assertTrue(e.getMessage().contains("neither an image manifest nor an image index"), e.getMessage());
        e = assertThrows(InvalidDocumentException.class, () -> ManifestDocument.read(utf8("[1,2]")));
        assertTrue(e.getMessage().contains("expected a JSON object"), e.getMessage());
    }

    @Test
    void selectsAManifestByPlatform() {
        Index index = Json.read(Fixtures.bytes("oci-index.json"), Index.class);
        assertEquals(index.manifests().get(1), index.manifestFor(Platform.parse("linux/arm64")).orElseThrow());
        assertEquals(index.manifests().get(1), index.manifestFor(Platform.parse("linux/aarch64")).orElseThrow());
        assertEquals(index.manifests().get(2), index.manifestFor(Platform.parse("linux/arm")).orElseThrow());
        assertEquals(index.manifests().get(0), index.manifestFor(Platform.parse("linux/x86_64")).orElseThrow());
        assertEquals(index.manifests().get(3),
                index.manifestFor(Platform.parse("windows(10.0.17763)/amd64")).orElseThrow());
        assertEquals(Optional.empty(), index.manifestFor(Platform.parse("linux/s390x")));
        assertEquals(Optional.empty(), index.manifestFor(Platform.parse("linux/arm/v6")));
    }

    @Test
    void buildsManifestsAndIndexesWithTheRightShape() {
        Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8));
        Manifest empty = Manifest.oci(config, List.of());
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
                + "\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
                + "\"layers\":[]}", Json.writeString(empty));
        Manifest one = empty.withLayer(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.parse(D1), 10))
                .withAnnotation("org.opencontainers.image.base.name", "alpine:3.20");
        assertEquals(1, one.layers().size());
        assertEquals(0, empty.layers().size());
        Index index = Index.oci(List.of()).withManifest(Descriptor.of(MediaTypes.OCI_MANIFEST, Json.write(one))
                .withPlatform(Platform.parse("linux/amd64")));
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":"
                + "[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + Json.digestOf(Json.write(one)) + "\",\"size\":" + Json.write(one).length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}", Json.writeString(index));
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
                + "\"manifests\":[]}", Json.writeString(Index.dockerList(List.of())));
    }
}
