package dev.jbuild.registry.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.registry.it.TokenIssuer.TokenRequest;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the {@link RegistryServer} and {@link TokenIssuer} fixtures with plain
 * {@link java.net.http.HttpClient} calls against a real {@code docker-registry}: no-auth ping and a
 * monolithic blob upload, the Basic challenge and login, the full token flow (challenge, Basic
 * credentials for a push token, insufficient scope, anonymous pull of a public repository, the
 * OAuth2 password and refresh grants, request recording, ES256 token format) and seeding an image
 * with skopeo from a hand-built OCI layout. Everything a test starts is stopped in
 * {@link #stopAll()}, which also checks the registry processes are gone.
 */
class RegistryFixturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-pw";

    @TempDir Path tmp;

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final List<RegistryServer> registries = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();

    @AfterEach
    void stopAll() throws Exception {
        Exception first = null;
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        for (RegistryServer r : registries) {
            assertFalse(r.isRunning(), r + " still running after close()");
        }
        if (first != null) {
            throw first;
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        started.push(closeable);
        if (closeable instanceof RegistryServer) {
            registries.add((RegistryServer) closeable);
        }
        return closeable;
    }

    // ---- (a) no auth -----------------------------------------------------------------------------

    @Test
    void noAuthRegistryAnswersPingAndTakesAMonolithicUpload() throws Exception {
        RegistryServer registry = track(RegistryServer.start(tmp));
        assertTrue(registry.host().matches("127\\.0\\.0\\.1:\\d+"), registry.host());
        assertEquals("http://" + registry.host(), registry.url());
        assertTrue(Files.isDirectory(registry.storageDir()));

        assertEquals(200, send(get(registry.url() + "/v2/")).statusCode());

        byte[] blob = "hello, registry\n".getBytes(UTF_8);
        String digest = digest(blob);
        assertEquals(201, pushBlob(registry, "t", blob, null));

        HttpResponse<byte[]> head =
                send(HttpRequest.newBuilder(blobUri(registry, "t", digest)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        assertEquals(
                String.valueOf(blob.length), head.headers().firstValue("Content-Length").orElse(null));
        assertEquals(digest, head.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertTrue(
                Files.walk(registry.storageDir()).anyMatch(p -> p.getFileName().toString().equals("data")),
                "blob stored under storageDir()");
    }

    // ---- (b) basic -------------------------------------------------------------------------------

    @Test
    void basicRegistryChallengesAndAcceptsTheConfiguredUser() throws Exception {
        RegistryServer registry = track(RegistryServer.startBasic(tmp, USER, PASSWORD));
        assertEquals(RegistryServer.Mode.BASIC, registry.mode());

        HttpResponse<byte[]> anonymous = send(get(registry.url() + "/v2/"));
        assertEquals(401, anonymous.statusCode());
        String challenge = anonymous.headers().firstValue("WWW-Authenticate").orElse("");
        assertTrue(challenge.startsWith("Basic "), challenge);
        assertTrue(challenge.contains("realm=\"jbuild-test\""), challenge);

        assertEquals(
                200,
                send(get(registry.url() + "/v2/").header("Authorization", basic(USER, PASSWORD)))
                        .statusCode());
        assertEquals(
                401,
                send(get(registry.url() + "/v2/").header("Authorization", basic(USER, "wrong")))
                        .statusCode());

        byte[] blob = "basic blob".getBytes(UTF_8);
        assertEquals(201, pushBlob(registry, "t/b", blob, basic(USER, PASSWORD)));
    }

    // ---- (c) token -------------------------------------------------------------------------------

    @Test
    void tokenRegistryChallengesWithTheIssuersRealmAndService() throws Exception {
        TokenIssuer issuer = track(TokenIssuer.start(tmp, USER, PASSWORD));
        RegistryServer registry = track(RegistryServer.startToken(tmp, issuer));
        assertEquals("http://127.0.0.1:" + URI.create(issuer.realm()).getPort() + "/token", issuer.realm());

        HttpResponse<byte[]> ping = send(get(registry.url() + "/v2/"));
        assertEquals(401, ping.statusCode());
        String challenge = ping.headers().firstValue("WWW-Authenticate").orElse("");
        assertTrue(
                challenge.startsWith(
                        "Bearer realm=\"" + issuer.realm() + "\",service=\"" + issuer.service() + "\""),
                challenge);

        // Scoped challenge on a repository endpoint.
        HttpResponse<byte[]> blob =
                send(get(registry.url() + "/v2/t/a/blobs/" + digest(new byte[] {1})));
        assertEquals(401, blob.statusCode());
        assertTrue(
                blob.headers().firstValue("WWW-Authenticate").orElse("").contains("scope=\"repository:t/a:pull\""),
                blob.headers().firstValue("WWW-Authenticate").orElse(""));

        // An anonymous token (no access) still opens /v2/.
        String anon = tokenGet(issuer, null, null, false).get("token").asText();
        assertEquals(200, send(get(registry.url() + "/v2/").header("Authorization", "Bearer " + anon)).statusCode());
    }

    @Test
    void pushTokenFromBasicCredentialsPushesAndPullOnlyTokenIsInsufficient() throws Exception {
        TokenIssuer issuer = track(TokenIssuer.start(tmp, USER, PASSWORD));
        RegistryServer registry = track(RegistryServer.startToken(tmp, issuer));

        JsonNode answer = tokenGet(issuer, USER, PASSWORD, false, "repository:t/a:pull,push");
        String token = answer.get("token").asText();
        assertEquals(token, answer.get("access_token").asText());
        assertEquals(300, answer.get("expires_in").asInt());
        assertNotNull(answer.get("issued_at"));
        assertNull(answer.get("refresh_token"), "no refresh token unless offline_token=true");

        byte[] blob = "token blob".getBytes(UTF_8);
        String digest = digest(blob);
        assertEquals(201, pushBlob(registry, "t/a", blob, "Bearer " + token));
        // The same token is reused for a second request.
        assertEquals(200, send(head(blobUri(registry, "t/a", digest)).header("Authorization", "Bearer " + token)).statusCode());

        String pullOnly = tokenGet(issuer, USER, PASSWORD, false, "repository:t/a:pull").get("token").asText();
        assertEquals(200, send(head(blobUri(registry, "t/a", digest)).header("Authorization", "Bearer " + pullOnly)).statusCode());
        HttpResponse<byte[]> denied =
                send(
                        HttpRequest.newBuilder(URI.create(registry.url() + "/v2/t/a/blobs/uploads/"))
                                .header("Authorization", "Bearer " + pullOnly)
                                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, denied.statusCode());
        String challenge = denied.headers().firstValue("WWW-Authenticate").orElse("");
        assertTrue(challenge.contains("error=\"insufficient_scope\""), challenge);
        assertTrue(challenge.contains("repository:t/a:"), challenge);

        // A token for another repository does not open this one.
        String other = tokenGet(issuer, USER, PASSWORD, false, "repository:t/other:pull,push").get("token").asText();
        assertEquals(401, send(head(blobUri(registry, "t/a", digest)).header("Authorization", "Bearer " + other)).statusCode());

        // An expired token is refused; a minted one with the right scope works.
        String expired = issuer.mintToken(USER, Duration.ofSeconds(-120), "repository:t/a:pull");
        assertEquals(401, send(head(blobUri(registry, "t/a", digest)).header("Authorization", "Bearer " + expired)).statusCode());
        String minted = issuer.mintToken(USER, Duration.ofMinutes(5), "repository:t/a:pull");
        assertEquals(200, send(head(blobUri(registry, "t/a", digest)).header("Authorization", "Bearer " + minted)).statusCode());

        List<TokenRequest> requests = issuer.requests();
        assertEquals(3, requests.size(), requests.toString());
        TokenRequest push = requests.get(0);
        assertEquals("GET", push.method());
        assertNull(push.grantType());
        assertTrue(push.basicAuth());
        assertEquals(USER, push.user());
        assertEquals(issuer.service(), push.service());
        assertEquals(List.of("repository:t/a:pull,push"), push.scopes());
        assertEquals(List.of("repository:t/a:pull,push"), push.granted());
        assertEquals(200, push.status());
        assertEquals(List.of("repository:t/a:pull"), requests.get(1).scopes());
    }

    @Test
    void anonymousGetsPullOnPublicRepositoriesOnly() throws Exception {
        TokenIssuer issuer =
                track(TokenIssuer.builder(tmp).user(USER, PASSWORD).publicRepository("pub/a").start());
        RegistryServer registry = track(RegistryServer.startToken(tmp, issuer));

        byte[] blob = "public blob".getBytes(UTF_8);
        String digest = digest(blob);
        String userToken =
                tokenGet(issuer, USER, PASSWORD, false, "repository:pub/a:pull,push", "repository:t/a:pull,push")
                        .get("token").asText();
        assertEquals(201, pushBlob(registry, "pub/a", blob, "Bearer " + userToken));
        assertEquals(201, pushBlob(registry, "t/a", blob, "Bearer " + userToken));

        String anon =
                tokenGet(issuer, null, null, false, "repository:pub/a:pull,push", "repository:t/a:pull")
                        .get("token").asText();
        HttpResponse<byte[]> pulled =
                send(get(blobUri(registry, "pub/a", digest).toString()).header("Authorization", "Bearer " + anon));
        assertEquals(200, pulled.statusCode());
        assertArrayEquals(blob, pulled.body());
        assertEquals(401, send(get(blobUri(registry, "t/a", digest).toString()).header("Authorization", "Bearer " + anon)).statusCode());
        assertEquals(
                401,
                send(
                                HttpRequest.newBuilder(URI.create(registry.url() + "/v2/pub/a/blobs/uploads/"))
                                        .header("Authorization", "Bearer " + anon)
                                        .POST(HttpRequest.BodyPublishers.noBody()))
                        .statusCode());

        TokenRequest anonRequest = issuer.requests().get(1);
        assertFalse(anonRequest.basicAuth());
        assertNull(anonRequest.user());
        assertEquals(List.of("repository:pub/a:pull,push", "repository:t/a:pull"), anonRequest.scopes());
        assertEquals(List.of("repository:pub/a:pull"), anonRequest.granted());
    }

    @Test
    void oauth2PasswordAndRefreshGrantsWork() throws Exception {
        TokenIssuer issuer = track(TokenIssuer.start(tmp, USER, PASSWORD));
        RegistryServer registry = track(RegistryServer.startToken(tmp, issuer));
        byte[] blob = "refresh blob".getBytes(UTF_8);
        String digest = digest(blob);

        HttpResponse<byte[]> password =
                tokenPost(
                        issuer,
                        form(
                                "grant_type", "password",
                                "username", USER,
                                "password", PASSWORD,
                                "service", issuer.service(),
                                "scope", "repository:t/r:pull,push",
                                "client_id", "jbuild-test"));
        assertEquals(200, password.statusCode(), new String(password.body(), UTF_8));
        JsonNode pw = JSON.readTree(password.body());
        String refresh = pw.get("refresh_token").asText();
        assertFalse(refresh.isEmpty());
        assertEquals(201, pushBlob(registry, "t/r", blob, "Bearer " + pw.get("access_token").asText()));

        HttpResponse<byte[]> refreshed =
                tokenPost(
                        issuer,
                        form(
                                "grant_type", "refresh_token",
                                "refresh_token", refresh,
                                "service", issuer.service(),
                                "scope", "repository:t/r:pull",
                                "client_id", "jbuild-test"));
        assertEquals(200, refreshed.statusCode(), new String(refreshed.body(), UTF_8));
        JsonNode rf = JSON.readTree(refreshed.body());
        assertNotEquals(pw.get("access_token").asText(), rf.get("access_token").asText());
        assertEquals(
                200,
                send(head(blobUri(registry, "t/r", digest)).header("Authorization", "Bearer " + rf.get("access_token").asText()))
                        .statusCode());

        // GET with offline_token=true also hands out a usable refresh token.
        String offline = tokenGet(issuer, USER, PASSWORD, true, "repository:t/r:pull").get("refresh_token").asText();
        assertEquals(
                200,
                tokenPost(issuer, form("grant_type", "refresh_token", "refresh_token", offline, "service", issuer.service(), "scope", "repository:t/r:pull"))
                        .statusCode());

        // Refusals.
        assertEquals(401, tokenPost(issuer, form("grant_type", "password", "username", USER, "password", "nope", "service", issuer.service())).statusCode());
        assertEquals(401, tokenPost(issuer, form("grant_type", "password", "username", "mallory", "password", PASSWORD)).statusCode());
        assertEquals(401, tokenPost(issuer, form("grant_type", "refresh_token", "refresh_token", "bogus")).statusCode());
        assertEquals(400, tokenPost(issuer, form("grant_type", "client_credentials")).statusCode());
        HttpResponse<byte[]> badGet =
                send(get(issuer.realm() + "?service=" + issuer.service()).header("Authorization", basic(USER, "nope")));
        assertEquals(401, badGet.statusCode());

        List<TokenRequest> requests = issuer.requests();
        assertEquals(9, requests.size(), requests.toString());
        assertEquals("POST", requests.get(0).method());
        assertEquals("password", requests.get(0).grantType());
        assertEquals("jbuild-test", requests.get(0).clientId());
        assertEquals(List.of("repository:t/r:pull,push"), requests.get(0).scopes());
        assertEquals("refresh_token", requests.get(1).grantType());
        assertEquals(USER, requests.get(1).user());
        assertTrue(requests.get(2).offlineToken());
        assertEquals(401, requests.get(4).status());
        assertNull(requests.get(4).user());
        assertEquals(401, requests.get(8).status());
        assertTrue(requests.get(8).basicAuth());
    }

    @Test
    void tokensAreEs256JwtsWithX5cAndRawSignatures() throws Exception {
        TokenIssuer issuer = track(TokenIssuer.start(tmp, USER, PASSWORD));
        String pem = Files.readString(issuer.certificatePem(), UTF_8);
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"), pem);
        X509Certificate fromPem =
                (X509Certificate)
                        CertificateFactory.getInstance("X.509")
                                .generateCertificate(new ByteArrayInputStream(pem.getBytes(UTF_8)));
        assertEquals(issuer.certificate(), fromPem);
        assertEquals("CN=" + issuer.issuer(), fromPem.getSubjectX500Principal().getName());

        Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
        Base64.Decoder url = Base64.getUrlDecoder();
        // Many tokens, so r or s with a high bit (a DER sign byte) and short r or s both occur.
        for (int i = 0; i < 40; i++) {
            String token =
                    i == 0
                            ? tokenGet(issuer, USER, PASSWORD, false, "repository:t/a:pull,push").get("token").asText()
                            : issuer.mintToken(USER, Duration.ofMinutes(1), "repository:t/a:pull");
            String[] parts = token.split("\\.");
            assertEquals(3, parts.length);
            JsonNode header = JSON.readTree(url.decode(parts[0]));
            assertEquals("JWT", header.get("typ").asText());
            assertEquals("ES256", header.get("alg").asText());
            X509Certificate x5c =
                    (X509Certificate)
                            CertificateFactory.getInstance("X.509")
                                    .generateCertificate(
                                            new ByteArrayInputStream(Base64.getDecoder().decode(header.get("x5c").get(0).asText())));
            assertEquals(issuer.certificate(), x5c);
            byte[] sig = url.decode(parts[2]);
            assertEquals(64, sig.length);
            verifier.initVerify(x5c.getPublicKey());
            verifier.update((parts[0] + "." + parts[1]).getBytes(UTF_8));
            assertTrue(verifier.verify(sig), "signature of token " + i);

            JsonNode claims = JSON.readTree(url.decode(parts[1]));
            assertEquals(issuer.issuer(), claims.get("iss").asText());
            assertEquals(USER, claims.get("sub").asText());
            assertEquals(issuer.service(), claims.get("aud").asText());
            assertTrue(claims.get("exp").asLong() > claims.get("iat").asLong());
            assertEquals(claims.get("iat").asLong(), claims.get("nbf").asLong());
            assertFalse(claims.get("jti").asText().isEmpty());
            JsonNode access = claims.get("access").get(0);
            assertEquals("repository", access.get("type").asText());
            assertEquals("t/a", access.get("name").asText());
            assertEquals(i == 0 ? "[\"pull\",\"push\"]" : "[\"pull\"]", access.get("actions").toString());
        }
    }

    @Test
    void startupFailureReportsTheRegistryLog() throws Exception {
        TokenIssuer issuer = track(TokenIssuer.start(tmp, USER, PASSWORD));
        Files.writeString(issuer.certificatePem(), "not a certificate\n", UTF_8);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> track(RegistryServer.startToken(tmp, issuer)));
        assertTrue(e.getMessage().contains("docker-registry exited"), e.getMessage());
        assertTrue(e.getMessage().contains("certificate"), e.getMessage());
    }

    @Test
    void aMissingToolSkipsOrFailsDependingOnJbuildRequirePrivileged() {
        String name = "jbuild-no-such-tool-" + System.nanoTime();
        assertTrue(Required.find(name).isEmpty());
        Class<? extends Throwable> expected =
                "1".equals(System.getenv("JBUILD_REQUIRE_PRIVILEGED"))
                        ? org.opentest4j.AssertionFailedError.class
                        : org.opentest4j.TestAbortedException.class;
        Throwable t = assertThrows(expected, () -> Required.tool(name));
        assertTrue(t.getMessage().contains(name + " is not installed"), t.getMessage());
    }

    // ---- (d) seeding with skopeo -----------------------------------------------------------------

    @Test
    void seedWithSkopeoPushesAHandBuiltOciLayout() throws Exception {
        RegistryServer registry = track(RegistryServer.start(tmp));
        Layout layout = writeLayout(tmp.resolve("layout"), "v1");
        String pushed = registry.seedWithSkopeo(layout.dir, "v1", "t/seed:v1");
        assertEquals(layout.manifestDigest, pushed);
        assertManifest(registry, "t/seed", "v1", null, layout);
    }

    @Test
    void seedWithSkopeoUsesBasicCredentials() throws Exception {
        RegistryServer registry = track(RegistryServer.startBasic(tmp, USER, PASSWORD));
        Layout layout = writeLayout(tmp.resolve("layout"), "latest");
        registry.seedWithSkopeo(layout.dir, "latest", "t/seed:v2");
        assertManifest(registry, "t/seed", "v2", basic(USER, PASSWORD), layout);
    }

    @Test
    void seedWithSkopeoUsesTheIssuersFirstUser() throws Exception {
        TokenIssuer issuer = track(TokenIssuer.start(tmp, USER, PASSWORD));
        RegistryServer registry = track(RegistryServer.startToken(tmp, issuer));
        Layout layout = writeLayout(tmp.resolve("layout"), "v1");
        registry.seedWithSkopeo(layout.dir, "v1", "t/seed:v3");
        assertTrue(
                issuer.requests().stream().anyMatch(r -> r.basicAuth() && r.scopes().stream().anyMatch(s -> s.startsWith("repository:t/seed:"))),
                issuer.requests().toString());
        String token = tokenGet(issuer, USER, PASSWORD, false, "repository:t/seed:pull").get("token").asText();
        assertManifest(registry, "t/seed", "v3", "Bearer " + token, layout);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private record Layout(Path dir, String manifestDigest, byte[] manifest) {}

    /** One gzip layer holding one file, its config, the manifest, index.json and oci-layout. */
    private static Layout writeLayout(Path dir, String tag) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));

        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            byte[] content = "hello from jbuild\n".getBytes(UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("hello.txt");
            entry.setSize(content.length);
            entry.setMode(0644);
            entry.setModTime(0);
            out.putArchiveEntry(entry);
            out.write(content);
            out.closeArchiveEntry();
            out.finish();
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar.toByteArray());
        }
        byte[] layer = gz.toByteArray();
        String layerDigest = writeBlob(blobs, layer);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        config.put("config", Map.of());
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(digest(tar.toByteArray()))));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = writeBlob(blobs, configBytes);

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", OCI_MANIFEST);
        manifest.put("config", descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.length));
        manifest.put("layers", List.of(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layerDigest, layer.length)));
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        String manifestDigest = writeBlob(blobs, manifestBytes);

        Map<String, Object> manifestDescriptor = descriptor(OCI_MANIFEST, manifestDigest, manifestBytes.length);
        manifestDescriptor.put("annotations", Map.of("org.opencontainers.image.ref.name", tag));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.put("manifests", List.of(manifestDescriptor));
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", UTF_8);
        return new Layout(dir, manifestDigest, manifestBytes);
    }

    private static Map<String, Object> descriptor(String mediaType, String digest, long size) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    private static String writeBlob(Path blobs, byte[] data) throws IOException {
        String digest = digest(data);
        Files.write(blobs.resolve(digest.substring("sha256:".length())), data);
        return digest;
    }

    private void assertManifest(RegistryServer registry, String repo, String tag, String auth, Layout layout)
            throws Exception {
        HttpRequest.Builder req =
                get(registry.url() + "/v2/" + repo + "/manifests/" + tag).header("Accept", OCI_MANIFEST);
        if (auth != null) {
            req.header("Authorization", auth);
        }
        HttpResponse<byte[]> r = send(req);
        assertEquals(200, r.statusCode(), new String(r.body(), UTF_8));
        assertEquals(OCI_MANIFEST, r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(layout.manifestDigest, r.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertArrayEquals(layout.manifest, r.body());
    }

    /** POST an upload session, then PUT the whole blob with {@code ?digest=}; returns PUT status. */
    private int pushBlob(RegistryServer registry, String repo, byte[] blob, String auth) throws Exception {
        HttpRequest.Builder post =
                HttpRequest.newBuilder(URI.create(registry.url() + "/v2/" + repo + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody());
        if (auth != null) {
            post.header("Authorization", auth);
        }
        HttpResponse<byte[]> started = send(post);
        assertEquals(202, started.statusCode(), new String(started.body(), UTF_8));
        String location = started.headers().firstValue("Location").orElseThrow();
        URI put = URI.create(registry.url()).resolve(location);
        String sep = put.getRawQuery() == null ? "?" : "&";
        HttpRequest.Builder finish =
                HttpRequest.newBuilder(URI.create(put + sep + "digest=" + URLEncoder.encode(digest(blob), UTF_8)))
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob));
        if (auth != null) {
            finish.header("Authorization", auth);
        }
        HttpResponse<byte[]> done = send(finish);
        if (done.statusCode() == 201) {
            assertEquals(digest(blob), done.headers().firstValue("Docker-Content-Digest").orElse(null));
        }
        return done.statusCode();
    }

    private JsonNode tokenGet(TokenIssuer issuer, String user, String password, boolean offline, String... scopes)
            throws Exception {
        StringBuilder q = new StringBuilder("?service=").append(URLEncoder.encode(issuer.service(), UTF_8));
        for (String s : scopes) {
            q.append("&scope=").append(URLEncoder.encode(s, UTF_8));
        }
        if (offline) {
            q.append("&offline_token=true&client_id=jbuild-test");
        }
        HttpRequest.Builder req = get(issuer.realm() + q);
        if (user != null) {
            req.header("Authorization", basic(user, password));
        }
        HttpResponse<byte[]> r = send(req);
        assertEquals(200, r.statusCode(), new String(r.body(), UTF_8));
        return JSON.readTree(r.body());
    }

    private HttpResponse<byte[]> tokenPost(TokenIssuer issuer, String form) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(issuer.realm()))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    private static String form(String... kv) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(kv[i], UTF_8)).append('=').append(URLEncoder.encode(kv[i + 1], UTF_8));
        }
        return sb.toString();
    }

    private static URI blobUri(RegistryServer registry, String repo, String digest) {
        return URI.create(registry.url() + "/v2/" + repo + "/blobs/" + digest);
    }

    private static HttpRequest.Builder get(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).GET();
    }

    private static HttpRequest.Builder head(URI uri) {
        return HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody());
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    }

    private static String digest(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
