package dev.jbuild.registry.it;

import static dev.jbuild.registry.TransferListener.Outcome.MOUNTED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.registry.CredentialSource;
import dev.jbuild.registry.ImagePuller;
import dev.jbuild.registry.ImagePusher;
import dev.jbuild.registry.RegistryClients;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.registry.auth.Credentials;
import dev.jbuild.registry.it.TestImages.Image;
import dev.jbuild.registry.it.TokenIssuer.TokenRequest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull and push against a real {@code docker-registry} that wants credentials: htpasswd Basic
 * auth (with, without and with wrong credentials), and the docker token flow against the test's
 * own ES256 {@link TokenIssuer} (scopes asked for, token reuse, the extra pull scope of a mount, a
 * user allowed only to pull, and an identity token used as an OAuth2 refresh token).
 */
class RegistryAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Platform AMD64 = Platform.of("linux", "amd64");
    private static final String USER = "alice";
    private static final String PASSWORD = "correct horse battery staple";
    private static final String READER = "bob";
    private static final String READER_PASSWORD = "only-pull-for-bob";

    @TempDir
    Path tmp;

    // ---- Basic -----------------------------------------------------------------------------------

    @Test
    void basicAuthWithCredentialsPushesAndPulls() throws Exception {
        try (RegistryServer registry = RegistryServer.startBasic(tmp, USER, PASSWORD)) {
            List<String> asked = new CopyOnWriteArrayList<>();
            RegistryOptions options = TestImages.localOptions().withCredentials(r -> {
                asked.add(r);
                return Optional.of(Credentials.basic(USER, PASSWORD));
            });
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(source, ref);

            ImagePusher.Result push = new ImagePusher(source, new RegistryClients(options), new CountingListener())
                    .push(image.manifest(), ref);
            assertEquals(4, push.uploaded());

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(options), new CountingListener())
                    .pull(ref, Optional.empty(), false);
            assertEquals(image.manifest().digest(), pull.target().digest());
            PushPullRoundTripTest.assertPulledIdentically(source, target, ref, image);
            assertFalse(asked.isEmpty());
            assertTrue(asked.stream().allMatch(registry.host()::equals), asked.toString());
        }
    }

    @Test
    void basicAuthWithoutOrWithWrongCredentialsIsA401SayingHowToLogIn() throws Exception {
        try (RegistryServer registry = RegistryServer.startBasic(tmp, USER, PASSWORD)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(source, ref);
            RegistryOptions good = TestImages.localOptions().withCredentials(basic(USER, PASSWORD));
            new ImagePusher(source, new RegistryClients(good), new CountingListener()).push(image.manifest(), ref);

            String wrongPassword = "not-the-password-" + System.nanoTime();
            for (RegistryOptions options : List.of(TestImages.localOptions(),
                    TestImages.localOptions().withCredentials(basic(USER, wrongPassword)))) {
                ImageReference other = ImageReference.parse(registry.host() + "/t/other:1");
                RegistryException push = assertThrows(RegistryException.class, () -> new ImagePusher(source,
                        new RegistryClients(options), new CountingListener()).push(image.manifest(), other));
                assertUnauthorized(push, registry, wrongPassword);

                LocalStore target = LocalStore.open(tmp.resolve("target-" + System.nanoTime()));
                RegistryException pull = assertThrows(RegistryException.class, () -> new ImagePuller(target,
                        new RegistryClients(options), new CountingListener()).pull(ref, Optional.empty(), false));
                assertUnauthorized(pull, registry, wrongPassword);
                assertTrue(target.images().isEmpty());
            }
        }
    }

    private static void assertUnauthorized(RegistryException e, RegistryServer registry, String secret) {
        assertEquals(401, e.status(), e.getMessage());
        assertTrue(e.isUnauthorized());
        assertTrue(e.getMessage().contains("jbuild login " + registry.host()), e.getMessage());
        assertFalse(e.getMessage().contains(secret), "no secret in " + e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD), "no secret in " + e.getMessage());
    }

    // ---- Token -----------------------------------------------------------------------------------

    @Test
    void tokenAuthPushesAndPullsAskingForTheRightScopes() throws Exception {
        try (TokenIssuer issuer = tokenIssuer(); RegistryServer registry = RegistryServer.startToken(tmp, issuer)) {
            // One blob at a time, so that the count of token requests says whether tokens are reused
            // (see tokenRequestsStayFewWhenBlobsGoInParallel for the default concurrency).
            RegistryOptions options = TestImages.localOptions().withCredentials(basic(USER, PASSWORD))
                    .withBlobConcurrency(1);
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(source, ref);

            ImagePusher.Result push = new ImagePusher(source, new RegistryClients(options), new CountingListener())
                    .push(image.manifest(), ref);
            assertEquals(4, push.uploaded());
            List<TokenRequest> pushTokens = issuer.requests();
            assertTrue(pushTokens.stream().allMatch(t -> t.status() == 200 && USER.equals(t.user()) && t.basicAuth()),
                    pushTokens.toString());
            assertTrue(pushTokens.stream().allMatch(t -> issuer.service().equals(t.service())), pushTokens.toString());
            assertTrue(pushTokens.stream().anyMatch(t -> t.scopes().equals(List.of("repository:t/app:pull,push"))
                    && t.granted().equals(List.of("repository:t/app:pull,push"))), pushTokens.toString());
            assertTrue(pushTokens.size() <= 3, "tokens are reused across blobs: " + pushTokens);

            issuer.clearRequests();
            LocalStore target = LocalStore.open(tmp.resolve("target"));
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(options), new CountingListener())
                    .pull(ref, Optional.empty(), false);
            assertEquals(image.manifest().digest(), pull.target().digest());
            PushPullRoundTripTest.assertPulledIdentically(source, target, ref, image);
            List<TokenRequest> pullTokens = issuer.requests();
            assertEquals(1, pullTokens.size(), "one pull token for the manifest and the 4 blobs: " + pullTokens);
            assertEquals(List.of("repository:t/app:pull"), pullTokens.get(0).scopes());
        }
    }

    @Test
    void tokenRequestsStayFewWhenBlobsGoInParallel() throws Exception {
        try (TokenIssuer issuer = tokenIssuer(); RegistryServer registry = RegistryServer.startToken(tmp, issuer)) {
            RegistryOptions options = TestImages.localOptions().withCredentials(basic(USER, PASSWORD));
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(source, ref);
            new ImagePusher(source, new RegistryClients(options), new CountingListener()).push(image.manifest(), ref);
            assertTrue(issuer.requests().size() <= 3, "tokens are reused across blobs: " + issuer.requests());
        }
    }

    @Test
    void aMountAlsoAsksForPullOnTheSourceRepository() throws Exception {
        try (TokenIssuer issuer = tokenIssuer(); RegistryServer registry = RegistryServer.startToken(tmp, issuer)) {
            RegistryOptions options = TestImages.localOptions().withCredentials(basic(USER, PASSWORD));
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/src:1");
            Image image = threeLayers(source, ref);
            RegistryClients clients = new RegistryClients(options);
            new ImagePusher(source, clients, new CountingListener()).push(image.manifest(), ref);

            issuer.clearRequests();
            ImageReference dst = ImageReference.parse(registry.host() + "/t/dst:1");
            CountingListener listener = new CountingListener();
            ImagePusher.Result push = new ImagePusher(source, clients, listener).push(image.manifest(), dst);
            assertEquals(4, push.mounted(), listener.toString());
            assertEquals(0, push.uploaded());
            assertEquals(4, listener.count(MOUNTED));
            List<TokenRequest> tokens = issuer.requests();
            assertTrue(tokens.stream().anyMatch(t -> Set.copyOf(t.scopes())
                            .equals(Set.of("repository:t/dst:pull,push", "repository:t/src:pull"))
                            && Set.copyOf(t.granted()).equals(Set.of("repository:t/dst:pull,push", "repository:t/src:pull"))),
                    tokens.toString());

            LocalStore target = LocalStore.open(tmp.resolve("target"));
            new ImagePuller(target, clients, new CountingListener()).pull(dst, Optional.empty(), false);
            PushPullRoundTripTest.assertPulledIdentically(source, target, dst, image);
        }
    }

    @Test
    void aUserAllowedOnlyToPullCannotPush() throws Exception {
        try (TokenIssuer issuer = tokenIssuer(); RegistryServer registry = RegistryServer.startToken(tmp, issuer)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(source, ref);
            new ImagePusher(source, new RegistryClients(TestImages.localOptions().withCredentials(basic(USER, PASSWORD))),
                    new CountingListener()).push(image.manifest(), ref);
            issuer.clearRequests();

            RegistryOptions reader = TestImages.localOptions().withCredentials(basic(READER, READER_PASSWORD));
            LocalStore target = LocalStore.open(tmp.resolve("target"));
            new ImagePuller(target, new RegistryClients(reader), new CountingListener()).pull(ref, Optional.empty(), false);
            PushPullRoundTripTest.assertPulledIdentically(source, target, ref, image);

            ImageReference other = ImageReference.parse(registry.host() + "/t/app:2");
            Image changed = TestImages.write(target, other, AMD64,
                    List.of(TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "new", "bob's change")));
            RegistryException e = assertThrows(RegistryException.class, () -> new ImagePusher(target,
                    new RegistryClients(reader), new CountingListener()).push(changed.manifest(), other));
            assertEquals(401, e.status(), e.getMessage());
            assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
            assertTrue(e.getMessage().contains("t/app"), e.getMessage());
            assertTrue(e.getMessage().contains("push"), "says that push was refused: " + e.getMessage());
            assertFalse(e.getMessage().contains(READER_PASSWORD));
            assertTrue(issuer.requests().stream().anyMatch(t -> READER.equals(t.user())
                    && t.scopes().contains("repository:t/app:pull,push") && t.granted().equals(List.of("repository:t/app:pull"))),
                    issuer.requests().toString());
        }
    }

    @Test
    void aRefusedPushSaysTheLoginLacksAccessRatherThanAskingToLogIn() throws Exception {
        try (TokenIssuer issuer = tokenIssuer(); RegistryServer registry = RegistryServer.startToken(tmp, issuer)) {
            LocalStore store = LocalStore.open(tmp.resolve("store"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(store, ref);
            RegistryOptions reader = TestImages.localOptions().withCredentials(basic(READER, READER_PASSWORD));
            RegistryException e = assertThrows(RegistryException.class, () -> new ImagePusher(store,
                    new RegistryClients(reader), new CountingListener()).push(image.manifest(), ref));
            assertEquals(401, e.status(), e.getMessage());
            String m = e.getMessage().toLowerCase(Locale.ROOT);
            assertTrue(m.contains("insufficient_scope") || m.contains("access") || m.contains("permission")
                    || m.contains("denied"), e.getMessage());
            assertFalse(m.contains("log in with"), e.getMessage());
        }
    }

    @Test
    void anIdentityTokenIsUsedAsARefreshToken() throws Exception {
        try (TokenIssuer issuer = tokenIssuer(); RegistryServer registry = RegistryServer.startToken(tmp, issuer)) {
            LocalStore source = LocalStore.open(tmp.resolve("source"));
            ImageReference ref = ImageReference.parse(registry.host() + "/t/app:1");
            Image image = threeLayers(source, ref);
            new ImagePusher(source, new RegistryClients(TestImages.localOptions().withCredentials(basic(USER, PASSWORD))),
                    new CountingListener()).push(image.manifest(), ref);

            String refreshToken = passwordGrant(issuer);
            issuer.clearRequests();
            RegistryOptions options = TestImages.localOptions()
                    .withCredentials(r -> Optional.of(Credentials.identityToken(refreshToken)));
            LocalStore target = LocalStore.open(tmp.resolve("target"));
            ImagePuller.Result pull = new ImagePuller(target, new RegistryClients(options), new CountingListener())
                    .pull(ref, Optional.empty(), false);
            assertEquals(image.manifest().digest(), pull.target().digest());
            PushPullRoundTripTest.assertPulledIdentically(source, target, ref, image);

            List<TokenRequest> tokens = issuer.requests();
            assertFalse(tokens.isEmpty());
            for (TokenRequest t : tokens) {
                assertEquals("POST", t.method(), tokens.toString());
                assertEquals("refresh_token", t.grantType(), tokens.toString());
                assertFalse(t.basicAuth(), "no password anywhere: " + tokens);
                assertEquals(USER, t.user());
                assertEquals(200, t.status());
            }
            assertTrue(tokens.stream().anyMatch(t -> t.scopes().equals(List.of("repository:t/app:pull"))), tokens.toString());

            // A revoked or made-up identity token is refused with a message that says to log in.
            RegistryOptions bogus = TestImages.localOptions()
                    .withCredentials(r -> Optional.of(Credentials.identityToken("not-a-refresh-token")));
            RegistryException e = assertThrows(RegistryException.class, () -> new ImagePuller(
                    LocalStore.open(tmp.resolve("bogus")), new RegistryClients(bogus), new CountingListener())
                    .pull(ref, Optional.empty(), false));
            assertEquals(401, e.status(), e.getMessage());
            assertTrue(e.getMessage().contains("jbuild login"), e.getMessage());
            assertFalse(e.getMessage().contains("not-a-refresh-token"), e.getMessage());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private TokenIssuer tokenIssuer() {
        // alice may do anything she asks; bob only ever gets pull; anonymous gets nothing.
        return TokenIssuer.builder(tmp).user(USER, PASSWORD).user(READER, READER_PASSWORD)
                .grant((user, repository, requested) -> {
                    if (user == null) {
                        return Set.of();
                    }
                    if (user.equals(READER)) {
                        return requested.contains("pull") ? Set.of("pull") : Set.of();
                    }
                    return requested;
                }).start();
    }

    /** The OAuth2 password grant docker login uses where it can: a refresh token to keep instead of the password. */
    private static String passwordGrant(TokenIssuer issuer) throws Exception {
        String form = "grant_type=password&client_id=jbuild-test&access_type=offline"
                + "&username=" + URLEncoder.encode(USER, UTF_8) + "&password=" + URLEncoder.encode(PASSWORD, UTF_8)
                + "&service=" + URLEncoder.encode(issuer.service(), UTF_8);
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(issuer.realm()))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body(), UTF_8));
        JsonNode answer = JSON.readTree(r.body());
        String token = answer.path("refresh_token").asText("");
        assertFalse(token.isEmpty(), answer.toString());
        return token;
    }

    private static CredentialSource basic(String user, String password) {
        return r -> Optional.of(Credentials.basic(user, password));
    }

    private static Image threeLayers(LocalStore store, ImageReference ref) throws Exception {
        return TestImages.write(store, ref, AMD64, List.of(
                TestImages.layer(MediaTypes.OCI_LAYER_GZIP, "a", TestImages.random(21, 40_000)),
                TestImages.layer(MediaTypes.OCI_LAYER_ZSTD, "b", TestImages.random(22, 30_000)),
                TestImages.layer(MediaTypes.OCI_LAYER, "c", "three")));
    }
}
