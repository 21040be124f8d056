package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.havingExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.registry.auth.Credentials;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The authentication flows against a WireMock registry and token service: Basic, the Bearer token
 * flow with its cache and {@code insufficient_scope} re-challenge, the OAuth2 refresh-token POST,
 * the rule that credentials never go over plain HTTP to a host other than loopback, and a log
 * capture proving no secret is ever printed.
 */
class AuthFlowTest extends FakeRegistryTest {
    private static final String PASSWORD = "s3cret-pw";
    private static final String TOKEN = "tok-SECRET-1";
    private static final String REFRESH = "refresh-SECRET-9";
    private static final String BASIC = "Basic "
            + Base64.getEncoder().encodeToString(("user:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    private static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:"
            + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}";

    private final List<String> errors = new ArrayList<>();

    /** Whatever a test did, no secret reached a log line or an error message. */
    @AfterEach
    void noSecretWasPrinted() {
        List<String> printed = new ArrayList<>(log.all());
        printed.addAll(errors);
        String basicValue = BASIC.substring("Basic ".length());
        for (String line : printed) {
            for (String secret : List.of(PASSWORD, basicValue, TOKEN, REFRESH)) {
                assertFalse(line.contains(secret), "a secret was printed: " + line);
            }
        }
    }

    private String realm() {
        return "http://localhost:" + registry.port() + "/token";
    }

    private RegistryClient client(Optional<Credentials> credentials) throws Exception {
        return FakeRegistry.client(registry, FakeRegistry.options(log).withCredentials(r -> credentials));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder manifest() {
        return aResponse().withStatus(200).withHeader("Content-Type", MediaTypes.OCI_MANIFEST).withBody(MANIFEST);
    }

    private void bearerRegistry(String repository) {
        registry.stubFor(get(urlPathEqualTo("/v2/" + repository + "/manifests/1")).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer realm=\"" + realm()
                        + "\",service=\"fake-registry\",scope=\"repository:" + repository + ":pull\"")));
    }

    @Test
    void basicCredentialsAreSentAfterABasicChallenge() throws Exception {
        registry.stubFor(get("/v2/app/manifests/1").withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"fake\"")));
        registry.stubFor(get("/v2/app/manifests/1").withHeader("Authorization", equalTo(BASIC)).willReturn(manifest()));
        RegistryClient c = client(Optional.of(Credentials.basic("user", PASSWORD)));
        c.getManifest("app", "1").orElseThrow();
        c.getManifest("app", "1").orElseThrow();
        // One challenge, then Basic on every request without asking again.
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/1")).withoutHeader("Authorization"));
        registry.verify(2, getRequestedFor(urlEqualTo("/v2/app/manifests/1")).withHeader("Authorization",
                equalTo(BASIC)));
    }

    @Test
    void aRefusedLoginFailsWithAnErrorThatHoldsNoSecret() throws Exception {
        registry.stubFor(get("/v2/app/manifests/1").willReturn(aResponse().withStatus(401)
                .withHeader("WWW-Authenticate", "Basic realm=\"fake\"")
                .withBody("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}")));
        RegistryException e = assertThrows(RegistryException.class,
                () -> client(Optional.of(Credentials.basic("user", PASSWORD))).getManifest("app", "1"));
        errors.add(e.getMessage());
        assertTrue(e.isUnauthorized());
        assertTrue(e.getMessage().contains("UNAUTHORIZED"), e.getMessage());
        assertTrue(e.getMessage().contains("jbuild login " + FakeRegistry.name(registry)), e.getMessage());
        // Anonymous, then once with the credentials; no endless re-tries of a wrong password.
        registry.verify(2, getRequestedFor(urlEqualTo("/v2/app/manifests/1")));
    }

    @Test
    void aBearerTokenIsFetchedForTheChallengesServiceAndScopeAndReused() throws Exception {
        bearerRegistry("app");
        registry.stubFor(get(urlPathEqualTo("/v2/app/manifests/1")).withHeader("Authorization",
                equalTo("Bearer " + TOKEN)).willReturn(manifest()));
        registry.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withBody("{\"token\":\"" + TOKEN + "\",\"expires_in\":300}")));
        RegistryClient c = client(Optional.of(Credentials.basic("user", PASSWORD)));
        c.getManifest("app", "1").orElseThrow();
        c.getManifest("app", "1").orElseThrow();

        registry.verify(1, getRequestedFor(urlPathEqualTo("/token"))
                .withQueryParam("service", equalTo("fake-registry"))
                .withQueryParam("scope", havingExactly("repository:app:pull"))
                .withQueryParam("account", equalTo("user"))
                .withHeader("Authorization", equalTo(BASIC)));
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/1")).withoutHeader("Authorization"));
        registry.verify(2, getRequestedFor(urlEqualTo("/v2/app/manifests/1")).withHeader("Authorization",
                equalTo("Bearer " + TOKEN)));
    }

    @Test
    void insufficientScopeFetchesANewTokenWithTheAddedScope() throws Exception {
        bearerRegistry("a");
        registry.stubFor(get(urlPathEqualTo("/v2/a/manifests/1")).withHeader("Authorization", equalTo("Bearer tok-a"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer realm=\"" + realm()
                        + "\",service=\"fake-registry\",scope=\"repository:a:pull repository:b:pull\","
                        + "error=\"insufficient_scope\"")));
        registry.stubFor(get(urlPathEqualTo("/v2/a/manifests/1")).withHeader("Authorization", equalTo("Bearer tok-ab"))
                .willReturn(manifest()));
        registry.stubFor(get(urlPathEqualTo("/token")).withQueryParam("scope", havingExactly("repository:a:pull"))
                .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"tok-a\"}")));
        registry.stubFor(get(urlPathEqualTo("/token"))
                .withQueryParam("scope", havingExactly("repository:a:pull", "repository:b:pull"))
                .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"tok-ab\"}")));

        client(Optional.empty()).getManifest("a", "1").orElseThrow();

        registry.verify(2, getRequestedFor(urlPathEqualTo("/token")));
        registry.verify(1, getRequestedFor(urlPathEqualTo("/token"))
                .withQueryParam("scope", havingExactly("repository:a:pull", "repository:b:pull"))
                .withoutHeader("Authorization"));
        List<String> auth = FakeRegistry.received(registry, e -> e.getRequest().getUrl().startsWith("/v2/"))
                .stream().map(e -> String.valueOf(e.getRequest().getHeader("Authorization"))).toList();
        assertEquals(List.of("null", "Bearer tok-a", "Bearer tok-ab"), auth);
    }

    @Test
    void anIdentityTokenIsExchangedThroughTheRefreshTokenPost() throws Exception {
        bearerRegistry("app");
        registry.stubFor(get(urlPathEqualTo("/v2/app/manifests/1")).withHeader("Authorization",
                equalTo("Bearer " + TOKEN)).willReturn(manifest()));
        registry.stubFor(post("/token").willReturn(aResponse().withStatus(200)
                .withBody("{\"access_token\":\"" + TOKEN + "\",\"expires_in\":300}")));

        client(Optional.of(Credentials.identityToken(REFRESH))).getManifest("app", "1").orElseThrow();

        registry.verify(1, postRequestedFor(urlEqualTo("/token"))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withFormParam("grant_type", equalTo("refresh_token"))
                .withFormParam("refresh_token", equalTo(REFRESH))
                .withFormParam("service", equalTo("fake-registry"))
                .withFormParam("scope", equalTo("repository:app:pull"))
                .withoutHeader("Authorization"));
        registry.verify(0, getRequestedFor(urlPathEqualTo("/token")));
        registry.verify(1, getRequestedFor(urlEqualTo("/v2/app/manifests/1")).withHeader("Authorization",
                equalTo("Bearer " + TOKEN)));
    }

    private Authorizer authorizer(String registryName, boolean insecure, HttpClient tokens) {
        return new Authorizer(registryName, r -> Optional.of(Credentials.basic("user", PASSWORD)), insecure, new Lazy<>(() -> tokens),
                Duration.ofSeconds(5), log);
    }

    @Test
    void basicCredentialsNeverGoOverPlainHttpToAHostOtherThanLoopbackUnlessInsecure() throws Exception {
        Set<String> scopes = new LinkedHashSet<>(Set.of("repository:app:pull"));
        List<Challenge> basic = Challenge.parse(List.of("Basic realm=\"r\""));

        Authorizer strict = authorizer("registry.example:5000", false, HttpClient.newHttpClient());
        assertTrue(strict.challenged(basic, scopes, false));
        assertEquals(Optional.empty(), strict.header(URI.create("http://registry.example:5000/v2/"), scopes));
        assertEquals(Optional.of(BASIC), strict.header(URI.create("https://registry.example:5000/v2/"), scopes));
        assertEquals(Optional.of(BASIC), strict.header(URI.create("http://127.0.0.1:5000/v2/"), scopes));
        assertEquals(Optional.of(BASIC), strict.header(URI.create("http://localhost:5000/v2/"), scopes));

        Authorizer insecure = authorizer("registry.example:5000", true, HttpClient.newHttpClient());
        insecure.challenged(basic, scopes, false);
        assertEquals(Optional.of(BASIC), insecure.header(URI.create("http://registry.example:5000/v2/"), scopes));
    }

    @Test
    void aTokenServiceOnPlainHttpElsewhereIsAskedAnonymously() throws Exception {
        // The token client reaches "auth.example" through WireMock acting as its HTTP proxy, so
        // the request WireMock sees is the one that would have gone to that host.
        HttpClient viaWireMock = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", registry.port()))).build();
        registry.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withBody("{\"token\":\"" + TOKEN + "\"}")));
        Set<String> scopes = new LinkedHashSet<>(Set.of("repository:app:pull"));
        Authorizer a = authorizer("registry.example", false, viaWireMock);
        a.challenged(Challenge.parse(List.of("Bearer realm=\"http://auth.example/token\",service=\"reg\"")), scopes,
                false);

        assertEquals(Optional.of("Bearer " + TOKEN), a.header(URI.create("https://registry.example/v2/"), scopes));

        List<ServeEvent> asked = FakeRegistry.received(registry, "GET");
        assertEquals(1, asked.size());
        assertEquals("auth.example", asked.get(0).getRequest().getHost());
        registry.verify(1, getRequestedFor(urlPathEqualTo("/token")).withoutHeader("Authorization")
                .withoutQueryParam("account"));
        assertTrue(log.warned("not sending credentials"), log.warnings.toString());
    }

    @Test
    void noSecretReachesTheDebugLogInBasicAndBearerFlows() throws Exception {
        // Basic on one repository, Bearer (with credentials, then with an identity token) on others.
        registry.stubFor(get("/v2/basic/manifests/1").withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"fake\"")));
        registry.stubFor(get("/v2/basic/manifests/1").withHeader("Authorization", equalTo(BASIC))
                .willReturn(manifest()));
        client(Optional.of(Credentials.basic("user", PASSWORD))).getManifest("basic", "1").orElseThrow();

        registry.resetAll();
        bearerRegistry("app");
        registry.stubFor(get(urlPathEqualTo("/v2/app/manifests/1")).withHeader("Authorization",
                equalTo("Bearer " + TOKEN)).willReturn(manifest()));
        registry.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withBody("{\"token\":\"" + TOKEN + "\"}")));
        registry.stubFor(post("/token").willReturn(aResponse().withStatus(200)
                .withBody("{\"access_token\":\"" + TOKEN + "\"}")));
        client(Optional.of(Credentials.basic("user", PASSWORD))).getManifest("app", "1").orElseThrow();
        client(Optional.of(Credentials.identityToken(REFRESH))).getManifest("app", "1").orElseThrow();
        registry.verify(1, getRequestedFor(urlPathEqualTo("/token")));
        registry.verify(1, postRequestedFor(urlEqualTo("/token")));

        assertTrue(log.debug.size() >= 6, "the flows were traced: " + log.debug);
        // The secrets themselves are checked for in noSecretWasPrinted().
    }
}
