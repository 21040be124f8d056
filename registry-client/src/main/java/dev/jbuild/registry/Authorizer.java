package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.registry.auth.Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authorization for one registry, driven by its {@code WWW-Authenticate} challenges: nothing until
 * the registry asks; then Basic with the user's credentials, or the Bearer token flow (a token from
 * the challenge's realm for the service and the scopes a request needs, fetched with the
 * credentials or anonymously, or through the OAuth2 refresh-token POST for an identity token).
 * Tokens are cached per set of scopes until shortly before they expire. An
 * {@code insufficient_scope} answer adds the scopes the registry names and fetches a new token.
 *
 * <p>Credentials are looked up once, only when a challenge needs them, and are never sent over
 * plain HTTP to a host other than loopback unless the user named the registry insecure.
 */
final class Authorizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);

    private record Token(String value, Instant expires) {
    }

    private final String registry;
    private final CredentialSource source;
    private final boolean plainHttpAllowed;
    private final Lazy<HttpClient> tokenClient;
    private final Duration timeout;
    private final RegistryLog log;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> fetching = new ConcurrentHashMap<>();
    private volatile Challenge challenge;
    private volatile Optional<Credentials> credentials;

    Authorizer(String registry, CredentialSource source, boolean plainHttpAllowed, Lazy<HttpClient> tokenClient,
            Duration timeout, RegistryLog log) {
        this.registry = registry;
        this.source = source;
        this.plainHttpAllowed = plainHttpAllowed;
        this.tokenClient = tokenClient;
        this.timeout = timeout;
        this.log = log;
    }

    /** The Authorization header for a request needing {@code scopes}, if the registry asked for one. */
    Optional<String> header(URI target, Set<String> scopes) throws IOException {
        Challenge c = challenge;
        if (c == null) {
            return Optional.empty();
        }
        if (c.isBasic()) {
            Optional<Credentials> creds = credentials();
            if (creds.isEmpty() || !mayCarrySecrets(target)) {
                return Optional.empty();
            }
            return Optional.of("Basic " + creds.get().basicAuth());
        }
        if (c.isBearer()) {
            return Optional.of("Bearer " + token(c, scopes).value());
        }
        return Optional.empty();
    }

    /**
     * Takes a 401's challenges and drops the cached token. Returns whether trying again can help:
     * always after the first 401; after a retried one, only when a new scheme or realm was learned
     * or scopes were added. {@code scopes} may grow.
     */
    boolean challenged(List<Challenge> challenges, Set<String> scopes, boolean alreadyRetried) {
        Optional<Challenge> bearer = challenges.stream().filter(Challenge::isBearer).findFirst();
        Optional<Challenge> chosen = bearer.isPresent() ? bearer
                : challenges.stream().filter(Challenge::isBasic).findFirst();
        if (chosen.isEmpty()) {
            return false;
        }
        Challenge c = chosen.get();
        Challenge before = challenge;
        challenge = c;
        boolean changed = before == null || !before.scheme().equals(c.scheme())
                || !before.param("realm").equals(c.param("realm"));
        if (c.isBearer()) {
            String key = key(scopes);
            if (c.param("error").filter("insufficient_scope"::equals).isPresent()) {
                for (String s : c.param("scope").orElse("").split(" ")) {
                    if (!s.isBlank() && scopes.add(s)) {
                        changed = true;
                    }
                }
            }
            tokens.remove(key); // it may have expired early or been revoked
        }
        return changed || !alreadyRetried;
    }

    private boolean mayCarrySecrets(URI target) {
        return "https".equalsIgnoreCase(target.getScheme()) || plainHttpAllowed
                || Hosts.isLoopback(target.getHost() == null ? "" : target.getHost());
    }

    private Optional<Credentials> credentials() throws IOException {
        Optional<Credentials> c = credentials;
        if (c == null) {
            c = source.lookup(registry);
            credentials = c;
        }
        return c;
    }

    private static String key(Set<String> scopes) {
        return String.join(" ", new TreeSet<>(scopes));
    }

    private Token token(Challenge c, Set<String> scopes) throws IOException {
        String key = key(scopes);
        Token t = tokens.get(key);
        if (fresh(t)) {
            return t;
        }
        // One fetch per scope set: blobs in flight that all miss the cache wait for the first.
        synchronized (fetching.computeIfAbsent(key, k -> new Object())) {
            t = tokens.get(key);
            if (!fresh(t)) {
                t = fetchToken(c, scopes);
                tokens.put(key, t);
            }
            return t;
        }
    }

    private static boolean fresh(Token t) {
        return t != null && Instant.now().plus(EXPIRY_MARGIN).isBefore(t.expires());
    }

    private Token fetchToken(Challenge c, Set<String> scopes) throws IOException {
        String realm = c.param("realm").orElseThrow(() -> new RegistryException(
                registry + ": the registry asks for a Bearer token but names no realm to get it from", 401,
                Optional.empty()));
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(registry + ": the registry's token realm is not a URL: " + realm, 401,
                    Optional.empty());
        }
        Optional<String> service = c.param("service");
        Optional<Credentials> creds = credentials();
        if (creds.isPresent() && !mayCarrySecrets(realmUri)) {
            log.warn(registry + ": not sending credentials to the token service over plain HTTP (" + realmUri.getHost()
                    + "); asking anonymously. Name the registry insecure to allow it.");
            creds = Optional.empty();
        }
        HttpRequest request;
        if (creds.isPresent() && creds.get().identityToken().isPresent()) {
            StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=jbuild");
            form.append("&refresh_token=").append(enc(creds.get().identityToken().get()));
            service.ifPresent(s -> form.append("&service=").append(enc(s)));
            if (!scopes.isEmpty()) {
                form.append("&scope=").append(enc(String.join(" ", new TreeSet<>(scopes))));
            }
            request = HttpRequest.newBuilder(realmUri).timeout(timeout)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build();
        } else {
            StringBuilder q = new StringBuilder();
            service.ifPresent(s -> q.append("&service=").append(enc(s)));
            for (String s : new TreeSet<>(scopes)) {
                q.append("&scope=").append(enc(s));
            }
            creds.ifPresent(cr -> q.append("&account=").append(enc(cr.username())));
            String sep = realm.contains("?") ? "&" : "?";
            URI uri = URI.create(realm + (q.length() > 0 ? sep + q.substring(1) : ""));
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
            creds.ifPresent(cr -> b.header("Authorization", "Basic " + cr.basicAuth()));
            request = b.build();
        }
        HttpResponse<InputStream> response;
        try {
            response = tokenClient.get().send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while getting a token from " + realmUri.getHost());
        }
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(1 << 20);
        }
        if (response.statusCode() != 200) {
            String who = creds.isPresent() ? "as " + creds.get().username() : "anonymously";
            throw new RegistryException(registry + ": the token service " + realmUri.getHost() + " refused a token "
                    + who + " for " + (scopes.isEmpty() ? "the registry" : String.join(" ", new TreeSet<>(scopes)))
                    + " (HTTP " + response.statusCode() + ")"
                    + (response.statusCode() == 401 && creds.isPresent() ? "; check the login (jbuild login " + registry
                            + ")" : ""), 401, Optional.empty());
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw new RegistryException(registry + ": the token service answered with something that is not JSON",
                    502, Optional.empty());
        }
        String value = text(tree, "token").or(() -> text(tree, "access_token")).orElseThrow(() -> new RegistryException(
                registry + ": the token service's answer holds no token", 502, Optional.empty()));
        long expiresIn = tree.path("expires_in").asLong(60);
        if (expiresIn < 60) {
            expiresIn = 60; // the distribution spec's minimum; some services send 0
        }
        log.debug("token for " + registry + " " + key(scopes) + ", " + expiresIn + " s");
        return new Token(value, Instant.now().plusSeconds(expiresIn));
    }

    private static Optional<String> text(JsonNode tree, String field) {
        JsonNode n = tree.get(field);
        return n != null && n.isTextual() && !n.textValue().isEmpty() ? Optional.of(n.textValue()) : Optional.empty();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
