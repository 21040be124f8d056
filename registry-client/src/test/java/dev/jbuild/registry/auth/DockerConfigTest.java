package dev.jbuild.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path configDir() {
        return tmp.resolve("docker");
    }

    private DockerConfig config(String json) throws IOException {
        Files.createDirectories(configDir());
        Files.writeString(configDir().resolve("config.json"), json);
        return load();
    }

    private DockerConfig load() throws IOException {
        return DockerConfig.load(configDir(), List.of(tmp.resolve("bin")), Duration.ofSeconds(30));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode fileTree() throws IOException {
        return JSON.readTree(configDir().resolve("config.json").toFile());
    }

    // ---- reading auths ----

    @Test
    void missingFileIsAnEmptyConfig() throws IOException {
        DockerConfig c = load();
        assertEquals(configDir().resolve("config.json"), c.file());
        assertEquals(Optional.empty(), c.credentialsFor("docker.io"));
    }

    @Test
    void emptyFileIsAnEmptyConfig() throws IOException {
        assertEquals(Optional.empty(), config("  \n").credentialsFor("ghcr.io"));
    }

    @Test
    void malformedJsonNamesTheFileAndNotItsContent() throws IOException {
        Files.createDirectories(configDir());
        Files.writeString(configDir().resolve("config.json"), "{\"auths\": {\"x\": {\"auth\": SECRETVALUE}}}");
        IOException e = assertThrows(IOException.class, this::load);
        assertTrue(e.getMessage().contains(configDir().resolve("config.json").toString()), e.getMessage());
        assertFalse(e.getMessage().contains("SECRETVALUE"), e.getMessage());
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void topLevelMustBeAnObject() {
        IOException e = assertThrows(IOException.class, () -> config("[]"));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void base64AuthSplitsAtTheFirstColon() throws IOException {
        DockerConfig c = config("{\"auths\": {\"ghcr.io\": {\"auth\": \"" + b64("me:pa:ss:word") + "\"}}}");
        assertEquals(Optional.of(Credentials.basic("me", "pa:ss:word")), c.credentialsFor("ghcr.io"));
        assertEquals(Optional.empty(), c.credentialsFor("quay.io"));
    }

    @Test
    void usernameAndPasswordFields() throws IOException {
        DockerConfig c = config("{\"auths\": {\"quay.io\": {\"username\": \"robot\", \"password\": \"pw\"}}}");
        assertEquals(Optional.of(Credentials.basic("robot", "pw")), c.credentialsFor("quay.io"));
    }

    @Test
    void authWinsOverSeparateFields() throws IOException {
        DockerConfig c = config("{\"auths\": {\"quay.io\": {\"username\": \"old\", \"password\": \"old\","
                + " \"auth\": \"" + b64("new:pw") + "\"}}}");
        assertEquals(Optional.of(Credentials.basic("new", "pw")), c.credentialsFor("quay.io"));
    }

    @Test
    void identityTokenWithAndWithoutAuth() throws IOException {
        DockerConfig c = config("{\"auths\": {"
                + "\"a.example\": {\"identitytoken\": \"tok-a\"},"
                + "\"b.example\": {\"auth\": \"" + b64("00000000-0000-0000-0000-000000000000:") + "\","
                + " \"identitytoken\": \"tok-b\"},"
                + "\"c.example\": {\"identityToken\": \"tok-c\"}}}");
        assertEquals(Optional.of(Credentials.identityToken("tok-a")), c.credentialsFor("a.example"));
        assertEquals(Optional.of(new Credentials("00000000-0000-0000-0000-000000000000", "", Optional.of("tok-b"))),
                c.credentialsFor("b.example"));
        // Go's JSON decoding, which docker uses, matches field names in any case.
        assertEquals(Optional.of(Credentials.identityToken("tok-c")), c.credentialsFor("c.example"));
    }

    @Test
    void badBase64IsAnErrorWithoutTheValue() throws IOException {
        DockerConfig c = config("{\"auths\": {\"ghcr.io\": {\"auth\": \"not*base64SECRET\"}}}");
        IOException e = assertThrows(IOException.class, () -> c.credentialsFor("ghcr.io"));
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        assertTrue(e.getMessage().contains("ghcr.io"), e.getMessage());
    }

    @Test
    void emptyEntryWithoutStoreMeansNoCredentials() throws IOException {
        assertEquals(Optional.empty(), config("{\"auths\": {\"ghcr.io\": {}}}").credentialsFor("ghcr.io"));
    }

    @Test
    void hubKeyServesEveryHubName() throws IOException {
        DockerConfig c = config("{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"" + b64("hub:pw") + "\"}}}");
        for (String name : List.of("docker.io", "index.docker.io", "registry-1.docker.io")) {
            assertEquals(Optional.of(Credentials.basic("hub", "pw")), c.credentialsFor(name), name);
        }
        assertEquals(Optional.empty(), c.credentialsFor("ghcr.io"));
    }

    @Test
    void hubAliasKeysAreAccepted() throws IOException {
        for (String key : List.of("index.docker.io", "docker.io", "registry-1.docker.io", "https://index.docker.io/v2/")) {
            DockerConfig c = config("{\"auths\": {\"" + key + "\": {\"auth\": \"" + b64("hub:pw") + "\"}}}");
            assertEquals(Optional.of(Credentials.basic("hub", "pw")), c.credentialsFor("docker.io"), key);
        }
    }

    @Test
    void keysAreComparedByHost() throws IOException {
        DockerConfig c = config("{\"auths\": {"
                + "\"https://localhost:5000/v2/\": {\"auth\": \"" + b64("a:1") + "\"},"
                + "\"http://ghcr.io\": {\"auth\": \"" + b64("b:2") + "\"},"
                + "\"[::1]:5000\": {\"auth\": \"" + b64("c:3") + "\"},"
                + "\"Quay.IO\": {\"auth\": \"" + b64("d:4") + "\"}}}");
        assertEquals(Optional.of(Credentials.basic("a", "1")), c.credentialsFor("localhost:5000"));
        assertEquals(Optional.empty(), c.credentialsFor("localhost:5001"));
        assertEquals(Optional.empty(), c.credentialsFor("localhost"));
        assertEquals(Optional.of(Credentials.basic("b", "2")), c.credentialsFor("ghcr.io"));
        assertEquals(Optional.of(Credentials.basic("c", "3")), c.credentialsFor("[::1]:5000"));
        assertEquals(Optional.of(Credentials.basic("d", "4")), c.credentialsFor("quay.io"));
        assertEquals(Optional.of(Credentials.basic("b", "2")), c.credentialsFor("https://ghcr.io/v2/"));
    }

    @Test
    void exactKeyWinsOverAnOlderSpelling() throws IOException {
        DockerConfig c = config("{\"auths\": {"
                + "\"https://ghcr.io/v1/\": {\"auth\": \"" + b64("old:1") + "\"},"
                + "\"ghcr.io\": {\"auth\": \"" + b64("new:2") + "\"}}}");
        assertEquals(Optional.of(Credentials.basic("new", "2")), c.credentialsFor("ghcr.io"));
    }

    @Test
    void defaultDirectoryFollowsDocker() {
        assertEquals(Path.of("/cfg"), DockerConfig.defaultDir(Map.of("DOCKER_CONFIG", "/cfg", "HOME", "/h"), "/u"));
        assertEquals(Path.of("/h/.docker"), DockerConfig.defaultDir(Map.of("DOCKER_CONFIG", "", "HOME", "/h"), "/u"));
        assertEquals(Path.of("/u/.docker"), DockerConfig.defaultDir(Map.of(), "/u"));
    }

    // ---- helpers ----

    @Test
    void credHelpersBeatCredsStoreBeatAuths() throws IOException {
        FakeHelper perHost = FakeHelper.create(tmp.resolve("bin"), "perhost");
        FakeHelper store = FakeHelper.create(tmp.resolve("bin"), "store");
        perHost.helper().store("ghcr.io", Credentials.basic("from-credhelpers", "1"));
        store.helper().store("ghcr.io", Credentials.basic("from-store", "2"));
        store.helper().store("quay.io", Credentials.basic("from-store", "3"));
        DockerConfig c = config("{"
                + "\"auths\": {\"ghcr.io\": {\"auth\": \"" + b64("from-auths:4") + "\"},"
                + "\"quay.io\": {\"auth\": \"" + b64("from-auths:5") + "\"},"
                + "\"gcr.io\": {\"auth\": \"" + b64("from-auths:6") + "\"}},"
                + "\"credsStore\": \"store\","
                + "\"credHelpers\": {\"ghcr.io\": \"perhost\"}}");
        assertEquals(Optional.of(Credentials.basic("from-credhelpers", "1")), c.credentialsFor("ghcr.io"));
        assertEquals(Optional.of(Credentials.basic("from-store", "3")), c.credentialsFor("quay.io"));
        // Not in the store: docker falls back to the file.
        assertEquals(Optional.of(Credentials.basic("from-auths", "6")), c.credentialsFor("gcr.io"));
        assertEquals(Optional.empty(), c.credentialsFor("example.com"));
        assertEquals(List.of("store", "get"), perHost.calls());
    }

    @Test
    void emptyCredHelperOptsAHostOutOfTheStore() throws IOException {
        FakeHelper store = FakeHelper.create(tmp.resolve("bin"), "store");
        store.helper().store("localhost:5000", Credentials.basic("from-store", "1"));
        DockerConfig c = config("{\"auths\": {\"localhost:5000\": {\"auth\": \"" + b64("from-auths:2") + "\"}},"
                + "\"credsStore\": \"store\", \"credHelpers\": {\"localhost:5000\": \"\"}}");
        assertEquals(Optional.of(Credentials.basic("from-auths", "2")), c.credentialsFor("localhost:5000"));
    }

    @Test
    void emptyAuthsEntryAsksTheStore() throws IOException {
        FakeHelper store = FakeHelper.create(tmp.resolve("bin"), "desktop");
        store.helper().store(DockerConfig.HUB_KEY, Credentials.basic("hubuser", "pw"));
        DockerConfig c = config("{\"auths\": {\"https://index.docker.io/v1/\": {}}, \"credsStore\": \"desktop\"}");
        assertEquals(Optional.of(Credentials.basic("hubuser", "pw")), c.credentialsFor("docker.io"));
    }

    @Test
    void helperTokenComesBackAsIdentityToken() throws IOException {
        FakeHelper store = FakeHelper.create(tmp.resolve("bin"), "store");
        store.helper().store("myreg.azurecr.io", Credentials.identityToken("refresh"));
        DockerConfig c = config("{\"credsStore\": \"store\"}");
        assertEquals(Optional.of(Credentials.identityToken("refresh")), c.credentialsFor("myreg.azurecr.io"));
    }

    @Test
    void missingHelperIsAClearError() throws IOException {
        DockerConfig c = config("{\"credsStore\": \"desktop\"}");
        IOException e = assertThrows(IOException.class, () -> c.credentialsFor("docker.io"));
        assertTrue(e.getMessage().startsWith("docker-credential-desktop not found on PATH (configured as credsStore in "
                + configDir().resolve("config.json") + ")"), e.getMessage());
    }

    @Test
    void storeAndEraseThroughCredHelpers() throws IOException {
        FakeHelper perHost = FakeHelper.create(tmp.resolve("bin"), "perhost");
        DockerConfig c = config("{\"credHelpers\": {\"ghcr.io\": \"perhost\"},"
                + " \"auths\": {\"ghcr.io\": {\"auth\": \"" + b64("stale:OLDSECRET") + "\"}}}");
        c.store("ghcr.io", Credentials.basic("me", "NEWSECRET"));
        assertEquals(Optional.of(Credentials.basic("me", "NEWSECRET")), perHost.helper().get("ghcr.io"));
        String text = Files.readString(c.file());
        assertFalse(text.contains(b64("stale:OLDSECRET")), text);
        assertFalse(text.contains("NEWSECRET"), text);
        assertEquals(0, fileTree().get("auths").get("ghcr.io").size());
        assertEquals(Optional.of(Credentials.basic("me", "NEWSECRET")), load().credentialsFor("ghcr.io"));

        assertTrue(c.erase("ghcr.io"));
        assertEquals(Optional.empty(), perHost.helper().get("ghcr.io"));
        assertFalse(fileTree().get("auths").has("ghcr.io"));
        assertFalse(c.erase("ghcr.io"));
    }

    @Test
    void storeThroughCredsStoreLeavesAnEmptyEntryAsDockerDoes() throws IOException {
        FakeHelper store = FakeHelper.create(tmp.resolve("bin"), "pass");
        DockerConfig c = config("{\"credsStore\": \"pass\"}");
        c.store("docker.io", Credentials.basic("hubuser", "HUBSECRET"));
        assertEquals(Optional.of(Credentials.basic("hubuser", "HUBSECRET")), store.helper().get(DockerConfig.HUB_KEY));
        JsonNode auths = fileTree().get("auths");
        assertTrue(auths.has(DockerConfig.HUB_KEY), auths.toString());
        assertEquals(0, auths.get(DockerConfig.HUB_KEY).size());
        assertFalse(Files.readString(c.file()).contains("HUBSECRET"));
        assertEquals(Optional.of(Credentials.basic("hubuser", "HUBSECRET")), load().credentialsFor("docker.io"));

        assertTrue(load().erase("docker.io"));
        assertEquals(Optional.empty(), store.helper().get(DockerConfig.HUB_KEY));
        assertEquals(0, fileTree().get("auths").size());
        assertEquals(Optional.empty(), load().credentialsFor("docker.io"));
    }

    // ---- writing the file ----

    private static final String RICH = """
            {
            \t"auths": {
            \t\t"quay.io": {
            \t\t\t"auth": "%s",
            \t\t\t"email": "me@example.com"
            \t\t}
            \t},
            \t"psFormat": "table {{.ID}}",
            \t"proxies": {"default": {"httpProxy": "http://proxy:3128", "noProxy": ["a", "b"]}},
            \t"currentContext": "remote",
            \t"experimental": true,
            \t"someRatio": 1.10,
            \t"bigNumber": 123456789012345678901234567890,
            \t"nothing": null
            }
            """;

    @Test
    void storeIntoTheFileKeepsEverythingElse() throws IOException {
        DockerConfig c = config(RICH.formatted(b64("quayuser:qpw")));
        JsonNode before = fileTree();
        c.store("ghcr.io", Credentials.basic("me", "p:w"));

        JsonNode after = fileTree();
        List<String> keys = new ArrayList<>();
        after.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("auths", "psFormat", "proxies", "currentContext", "experimental", "someRatio",
                "bigNumber", "nothing"), keys);
        for (String k : keys.subList(1, keys.size())) {
            assertEquals(before.get(k), after.get(k), k);
        }
        assertEquals(before.get("auths").get("quay.io"), after.get("auths").get("quay.io"));
        String text = Files.readString(c.file());
        assertTrue(text.contains("1.10"), text);
        assertTrue(text.contains("123456789012345678901234567890"), text);
        assertTrue(text.contains("\t\"psFormat\": \"table {{.ID}}\""), text);
        assertEquals(b64("me:p:w"), after.get("auths").get("ghcr.io").get("auth").asText());

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.file())));
        assertEquals(Optional.of(Credentials.basic("me", "p:w")), load().credentialsFor("ghcr.io"));
        assertEquals(Optional.of(Credentials.basic("quayuser", "qpw")), load().credentialsFor("quay.io"));
        try (var files = Files.list(configDir())) {
            assertEquals(List.of(c.file()), files.toList(), "no temp file left behind");
        }
    }

    @Test
    void storeCreatesAPrivateDirectoryAndUsesTheHubKey() throws IOException {
        DockerConfig c = load();
        c.store("docker.io", Credentials.basic("hubuser", "pw"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(configDir())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(c.file())));
        assertEquals(b64("hubuser:pw"), fileTree().get("auths").get(DockerConfig.HUB_KEY).get("auth").asText());
        assertEquals(1, fileTree().get("auths").size());
        assertEquals(Optional.of(Credentials.basic("hubuser", "pw")), load().credentialsFor("index.docker.io"));
    }

    @Test
    void storeReplacesOlderSpellingsOfTheSameRegistry() throws IOException {
        DockerConfig c = config("{\"auths\": {\"docker.io\": {\"auth\": \"" + b64("old:1") + "\"},"
                + " \"ghcr.io\": {\"auth\": \"" + b64("other:2") + "\"}}}");
        c.store("docker.io", Credentials.basic("new", "3"));
        JsonNode auths = fileTree().get("auths");
        assertFalse(auths.has("docker.io"));
        assertTrue(auths.has("ghcr.io"));
        assertEquals(Optional.of(Credentials.basic("new", "3")), load().credentialsFor("docker.io"));
    }

    @Test
    void identityTokenIsStoredAsIdentitytoken() throws IOException {
        DockerConfig c = load();
        c.store("myreg.azurecr.io", new Credentials("00000000-0000-0000-0000-000000000000", "", Optional.of("tok")));
        c.store("other.example", Credentials.identityToken("tok2"));
        JsonNode auths = fileTree().get("auths");
        assertEquals("tok", auths.get("myreg.azurecr.io").get("identitytoken").asText());
        assertFalse(auths.get("other.example").has("auth"));
        assertEquals(Optional.of(new Credentials("00000000-0000-0000-0000-000000000000", "", Optional.of("tok"))),
                load().credentialsFor("myreg.azurecr.io"));
        assertEquals(Optional.of(Credentials.identityToken("tok2")), load().credentialsFor("other.example"));
    }

    @Test
    void storeKeepsASymlinkedConfig() throws IOException {
        Path real = tmp.resolve("dotfiles").resolve("docker-config.json");
        Files.createDirectories(real.getParent());
        Files.writeString(real, "{\"psFormat\": \"x\"}");
        Files.createDirectories(configDir());
        Files.createSymbolicLink(configDir().resolve("config.json"), real);
        load().store("ghcr.io", Credentials.basic("me", "pw"));
        assertTrue(Files.isSymbolicLink(configDir().resolve("config.json")));
        assertEquals("x", JSON.readTree(real.toFile()).get("psFormat").asText());
        assertEquals(Optional.of(Credentials.basic("me", "pw")), load().credentialsFor("ghcr.io"));
    }

    @Test
    void storeDoesNotUndoAConcurrentLogin() throws IOException {
        DockerConfig mine = load();
        load().store("quay.io", Credentials.basic("other", "tool"));
        mine.store("ghcr.io", Credentials.basic("me", "pw"));
        assertEquals(Optional.of(Credentials.basic("other", "tool")), load().credentialsFor("quay.io"));
    }

    @Test
    void eraseRemovesEverySpellingAndKeepsTheRest() throws IOException {
        DockerConfig c = config(RICH.formatted(b64("q:1")).replace("\"quay.io\"",
                "\"https://ghcr.io/v1/\": {\"auth\": \"" + b64("a:1") + "\"}, \"ghcr.io\": {}, \"quay.io\""));
        assertTrue(c.erase("ghcr.io"));
        JsonNode after = fileTree();
        assertEquals(1, after.get("auths").size());
        assertEquals("remote", after.get("currentContext").asText());
        assertEquals(Optional.empty(), load().credentialsFor("ghcr.io"));
        assertEquals(Optional.of(Credentials.basic("q", "1")), load().credentialsFor("quay.io"));
        assertFalse(c.erase("ghcr.io"));
        assertFalse(load().erase("nothing.example"));
    }
}
