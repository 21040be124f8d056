package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The image config: every modelled field, the Docker extensions, unknowns, and Go's zero values. */
class ImageConfigTest {
    private static final Digest DIFF = Digest.parse("sha256:" + "c".repeat(64));

    private static byte[] utf8(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsEveryFieldOfABuildKitConfig() {
        ImageConfig c = Json.read(Fixtures.bytes("buildkit-config.json"), ImageConfig.class);
        assertEquals("linux/amd64/v2", c.platform().toString());
        assertEquals(Optional.of("2024-05-01T10:00:00.000120300+02:00"), c.created());
        assertEquals(Instant.parse("2024-05-01T08:00:00.0001203Z"), c.createdInstant().orElseThrow());
        assertEquals(Optional.of("Ops <ops@example.com>"), c.author());
        ContainerConfig cc = c.config();
        assertEquals(Optional.of("app:app"), cc.user());
        assertEquals(Set.of("443/tcp", "80/tcp", "53/udp"), cc.exposedPorts());
        assertEquals(List.of("443/tcp", "53/udp", "80/tcp"), List.copyOf(cc.exposedPorts()));
        assertEquals(Optional.of("C.UTF-8"), cc.envValue("LANG"));
        assertEquals(List.of("/docker-entrypoint.sh"), cc.entrypoint());
        assertEquals(List.of("nginx", "-g", "daemon off;"), cc.cmd());
        assertEquals(Set.of("/data", "/var/cache/nginx"), cc.volumes());
        assertEquals(Optional.of("/srv"), cc.workingDir());
        assertEquals("x>y", cc.labels().get("a&b"));
        assertEquals(Optional.of("SIGQUIT"), cc.stopSignal());
        assertTrue(cc.argsEscaped());
        Healthcheck h = cc.healthcheck().orElseThrow();
        assertEquals(List.of("CMD-SHELL", "curl -f http://localhost/ || exit 1"), h.test());
        assertEquals(Duration.ofSeconds(30), h.interval());
        assertEquals(Duration.ofSeconds(5), h.timeout());
        assertEquals(Duration.ofSeconds(10), h.startPeriod());
        assertEquals(Duration.ofSeconds(2), h.startInterval());
        assertEquals(3, h.retries());
        assertEquals(Set.of("x-hc-extra"), h.unknown().names());
        assertEquals(List.of("RUN echo onbuild", "COPY . /app"), cc.onBuild());
        assertEquals(List.of("/bin/bash", "-o", "pipefail", "-c"), cc.shell());
        assertEquals(Set.of("AttachStdin", "Hostname", "Image"), cc.unknown().names());
        assertEquals(2, c.rootfs().diffIds().size());
        assertEquals(Set.of("x-rootfs"), c.rootfs().unknown().names());
        assertEquals(4, c.history().size());
        assertTrue(c.history().get(1).emptyLayer());
        assertEquals(Optional.of("Ops"), c.history().get(2).author());
        assertEquals(Set.of("x-hist"), c.history().get(0).unknown().names());
        assertEquals(Set.of("container_config", "moby.buildkit.buildinfo.v1", "moby.buildkit.cache.v0"),
                c.unknown().names());
    }

    @Test
    void topLevelIsSortedAndNestedObjectsFollowStructOrder() {
        String text = Json.writeString(Json.read(Fixtures.bytes("buildkit-config.json"), ImageConfig.class));
        List<String> top = List.of("\"architecture\"", "\"author\"", "\"config\"", "\"container_config\"",
                "\"created\"", "\"history\"", "\"moby.buildkit.buildinfo.v1\"", "\"moby.buildkit.cache.v0\"",
                "\"os\"", "\"rootfs\"", "\"variant\"");
        JsonNode tree = Json.read(text.getBytes(StandardCharsets.UTF_8), JsonNode.class);
        List<String> names = new java.util.ArrayList<>();
        tree.properties().forEach(e -> names.add("\"" + e.getKey() + "\""));
        assertEquals(top, names);
        List<String> config = new java.util.ArrayList<>();
        tree.get("config").properties().forEach(e -> config.add(e.getKey()));
        assertEquals(List.of("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
                "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell", "AttachStdin", "Hostname", "Image"),
                config);
        assertTrue(text.contains("\"maintainer\":\"Ops \\u003cops@example.com\\u003e\""), text);
        assertTrue(text.contains("\"created\":\"2024-05-01T10:00:00.000120300+02:00\""), text);
    }

    @Test
    void goZeroValuesReadAsAbsentAndAreNotWritten() {
        ImageConfig c = Json.read(utf8("{'architecture':'arm64','os':'linux','created':null,'author':'',"
                + "'config':{'User':'','Env':null,'Cmd':[],'OnBuild':null,'Labels':null,'WorkingDir':'',"
                + "'ArgsEscaped':false,'Healthcheck':{'Test':['NONE'],'Interval':0}},"
                + "'rootfs':{'type':'layers','diff_ids':null},'history':null}"), ImageConfig.class);
        assertEquals(ContainerConfig.EMPTY.withHealthcheck(Optional.of(Healthcheck.of(List.of("NONE")))), c.config());
        assertEquals("{\"architecture\":\"arm64\",\"config\":{\"Healthcheck\":{\"Test\":[\"NONE\"]}},\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", Json.writeString(c));
    }

    @Test
    void buildsAConfigStepByStep() {
        Instant t = Instant.parse("2024-05-01T10:00:00.25Z");
        ImageConfig c = ImageConfig.of(Platform.parse("linux/arm/v7"))
                .withCreated(t)
                .withConfig(ContainerConfig.EMPTY.withEnvVar("PATH", "/bin").withEnvVar("A", "1")
                        .withEnvVar("PATH", "/usr/bin:/bin").withLabel("b", "2").withLabel("a", "1")
                        .withExposedPorts(Set.of("8080/tcp")).withCmd(List.of("sh")))
                .withLayer(DIFF, HistoryEntry.layer(t, "COPY . / # buildkit"))
                .withHistoryEntry(HistoryEntry.emptyLayer(t, "CMD [\"sh\"]"));
        assertEquals(List.of("PATH=/usr/bin:/bin", "A=1"), c.config().env());
        assertEquals("{\"architecture\":\"arm\",\"config\":{\"ExposedPorts\":{\"8080/tcp\":{}},"
                + "\"Env\":[\"PATH=/usr/bin:/bin\",\"A=1\"],\"Cmd\":[\"sh\"],\"Labels\":{\"a\":\"1\",\"b\":\"2\"}},"
                + "\"created\":\"2024-05-01T10:00:00.25Z\",\"history\":["
                + "{\"created\":\"2024-05-01T10:00:00.25Z\",\"created_by\":\"COPY . / # buildkit\"},"
                + "{\"created\":\"2024-05-01T10:00:00.25Z\",\"created_by\":\"CMD [\\\"sh\\\"]\",\"empty_layer\":true}],"
                + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + DIFF + "\"]},"
                + "\"variant\":\"v7\"}", Json.writeString(c));
        assertThrows(IllegalArgumentException.class,
                () -> c.withLayer(DIFF, HistoryEntry.emptyLayer(t, "ENV A=1")));
    }

    @Test
    void durationsAreWrittenAsGoNanoseconds() {
        Healthcheck h = Healthcheck.of(List.of("CMD", "true")).withInterval(Duration.ofMillis(1500)).withRetries(2);
        assertEquals("{\"Test\":[\"CMD\",\"true\"],\"Interval\":1500000000,\"Retries\":2}", Json.writeString(h));
    }

    @Test
    void refusesWhatTheSpecForbids() {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'architecture':'amd64','os':'linux','rootfs':{'type':'zfs','diff_ids':[]}}"), ImageConfig.class,
                "image config sha256:abc"));
        assertEquals("rootfs.type", e.field());
        assertTrue(e.getMessage().contains("unsupported rootfs type \"zfs\""), e.getMessage());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers','diff_ids':['sha256:12']}}"),
                ImageConfig.class));
        assertEquals("rootfs.diff_ids[0]", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'architecture':'amd64','os':'linux','created':'yesterday','rootfs':{'type':'layers'}}"),
                ImageConfig.class));
        assertEquals("created", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers'},'history':[{},{'empty_layer':'yes'}]}"),
                ImageConfig.class));
        assertEquals("history[1].empty_layer", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers'},'config':{'Env':'A=1'}}"),
                ImageConfig.class));
        assertEquals("config.Env", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8(
                "{'architecture':'amd64','os':'linux','rootfs':{'type':'layers'},'config':{'Healthcheck':"
                        + "{'Interval':'30s'}}}"), ImageConfig.class));
        assertEquals("config.Healthcheck.Interval", e.field());

        e = assertThrows(InvalidDocumentException.class, () -> Json.read(utf8("{'os':'linux','rootfs':{'type':'layers'}}"),
                ImageConfig.class));
        assertEquals("architecture", e.field());
    }

    @Test
    void unknownFieldsCannotShadowModelledOnes() {
        UnknownFields clash = UnknownFields.of(Map.of("Env", Json.read(utf8("[]"), JsonNode.class)));
        assertThrows(IllegalArgumentException.class, () -> ContainerConfig.EMPTY.withUnknown(clash));
    }
}
