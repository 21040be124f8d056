package dev.jbuild.registry.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A docker token-auth server run by the test itself (JDK {@code com.sun.net.httpserver} on
 * {@code 127.0.0.1} at a free port), to put a real {@link RegistryServer} behind
 * {@code auth.token}. It serves {@code GET /token?service=&scope=...} (optional Basic credentials,
 * {@code offline_token=true} for a refresh token) and the OAuth2 {@code POST /token} form
 * ({@code grant_type=password} or {@code refresh_token}), answering
 * {@code {"token","access_token","expires_in","issued_at"[,"refresh_token"]}}. Tokens are ES256
 * JWTs whose {@code x5c} header carries the issuer's self-signed P-256 certificate (generated with
 * the JDK {@code keytool} and written as PEM for the registry's {@code rootcertbundle}); the
 * signature is the raw 64-byte R||S form converted from Java's DER output. Access is decided by a
 * {@link Grant} function: by default a configured user gets every action asked for, anonymous gets
 * only {@code pull} on repositories listed as public, and bad credentials get 401. Every token
 * request is recorded ({@link #requests()}) so tests can assert on scopes, grant types and token
 * reuse.
 */
public final class TokenIssuer implements AutoCloseable {

    /** Default {@code service} (the registry's name in {@code aud}). */
    public static final String DEFAULT_SERVICE = "jbuild-test-registry";

    /** Default {@code iss} claim, also the certificate's CN. */
    public static final String DEFAULT_ISSUER = "jbuild-test-issuer";

    /** Decides which actions a caller gets on a repository. */
    @FunctionalInterface
    public interface Grant {
        /**
         * Returns the granted actions.
         *
         * @param user the authenticated user, or {@code null} for an anonymous request
         * @param repository the repository name from the scope
         * @param requested the actions asked for, in request order
         */
        Set<String> grant(String user, String repository, Set<String> requested);
    }

    /**
     * One recorded call to the token endpoint.
     *
     * @param method {@code GET} or {@code POST}
     * @param grantType the POST {@code grant_type}, or {@code null} for GET
     * @param basicAuth whether an {@code Authorization: Basic} header was sent
     * @param user the user the token was issued to; {@code null} if anonymous or refused
     * @param service the {@code service} parameter as sent (may be {@code null})
     * @param clientId the {@code client_id} parameter as sent (may be {@code null})
     * @param offlineToken whether GET asked {@code offline_token=true}
     * @param scopes the scopes asked for, one entry per scope, in request order
     * @param granted the scopes granted, as {@code type:name:actions} strings
     * @param status the HTTP status answered
     */
    public record TokenRequest(
            String method,
            String grantType,
            boolean basicAuth,
            String user,
            String service,
            String clientId,
            boolean offlineToken,
            List<String> scopes,
            List<String> granted,
            int status) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String STORE_PASSWORD = "jbuild-test";

    private final String service;
    private final String issuer;
    private final Duration lifetime;
    private final Map<String, String> users;
    private final Set<String> publicRepositories;
    private final Grant grant;
    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Path certificatePem;
    private final String x5c;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<TokenRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();

    private TokenIssuer(Builder b, Path dir) throws IOException, GeneralSecurityException {
        this.service = b.service;
        this.issuer = b.issuer;
        this.lifetime = b.lifetime;
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
        this.publicRepositories = Set.copyOf(b.publicRepositories);
        this.grant = b.grant != null ? b.grant : defaultGrant(publicRepositories);

        Path keystore = dir.resolve("issuer.p12");
        generateKeyPair(keystore, issuer);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        this.key = (PrivateKey) ks.getKey("issuer", STORE_PASSWORD.toCharArray());
        this.certificate = (X509Certificate) ks.getCertificate("issuer");
        this.x5c = Base64.getEncoder().encodeToString(certificate.getEncoded());
        this.certificatePem = dir.resolve("issuer-cert.pem");
        Files.writeString(
                certificatePem,
                "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(certificate.getEncoded())
                        + "\n-----END CERTIFICATE-----\n",
                UTF_8);

        this.executor =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "token-issuer");
                            t.setDaemon(true);
                            return t;
                        });
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A builder; key material, certificate and PEM are written into a new dir under workDir. */
    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Starts an issuer with one user and no public repositories, on the default policy. */
    public static TokenIssuer start(Path workDir, String user, String password) {
        return builder(workDir).user(user, password).start();
    }

    /**
     * The default policy: a (configured, authenticated) user gets every action asked for;
     * anonymous gets only {@code pull}, and only on {@code publicRepositories}.
     */
    public static Grant defaultGrant(Set<String> publicRepositories) {
        Set<String> pub = Set.copyOf(publicRepositories);
        return (user, repository, requested) -> {
            if (user != null) {
                return requested;
            }
            return pub.contains(repository) && requested.contains("pull") ? Set.of("pull") : Set.of();
        };
    }

    /** Configures and starts a {@link TokenIssuer}. */
    public static final class Builder {
        private final Path workDir;
        private final Map<String, String> users = new LinkedHashMap<>();
        private final Set<String> publicRepositories = new LinkedHashSet<>();
        private Grant grant;
        private String service = DEFAULT_SERVICE;
        private String issuer = DEFAULT_ISSUER;
        private Duration lifetime = Duration.ofSeconds(300);

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        /** Adds a user; the first one added is the one {@link RegistryServer} seeds with. */
        public Builder user(String name, String password) {
            users.put(name, password);
            return this;
        }

        /** Repositories anonymous callers may pull from (under the default grant). */
        public Builder publicRepository(String... names) {
            publicRepositories.addAll(Arrays.asList(names));
            return this;
        }

        /** Replaces the default grant policy. */
        public Builder grant(Grant grant) {
            this.grant = grant;
            return this;
        }

        /** The {@code service} / {@code aud} value (default {@value #DEFAULT_SERVICE}). */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** The {@code iss} claim and certificate CN (default {@value #DEFAULT_ISSUER}). */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** Token lifetime, reported as {@code expires_in} (default 300 s). */
        public Builder tokenLifetime(Duration lifetime) {
            this.lifetime = lifetime;
            return this;
        }

        /** Generates the key pair, writes the certificate and starts serving. */
        public TokenIssuer start() {
            try {
                Files.createDirectories(workDir);
                return new TokenIssuer(this, Files.createTempDirectory(workDir, "token-issuer-"));
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the token issuer", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("could not load the issuer key", e);
            }
        }
    }

    /** {@code "http://127.0.0.1:PORT/token"}. */
    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The {@code service} this issuer signs tokens for. */
    public String service() {
        return service;
    }

    /** The {@code iss} claim. */
    public String issuer() {
        return issuer;
    }

    /** The PEM file holding the self-signed certificate (the registry's {@code rootcertbundle}). */
    public Path certificatePem() {
        return certificatePem;
    }

    /** The signing certificate, e.g. to verify tokens in tests. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Configured users and passwords, in insertion order. */
    public Map<String, String> users() {
        return users;
    }

    /** Repositories anonymous callers may pull from under the default policy. */
    public Set<String> publicRepositories() {
        return publicRepositories;
    }

    /** A snapshot of every token request so far, oldest first. */
    public List<TokenRequest> requests() {
        return List.copyOf(requests);
    }

    /** Forgets recorded requests (refresh tokens stay valid). */
    public void clearRequests() {
        requests.clear();
    }

    /**
     * Signs a token directly, bypassing the policy: {@code scopes} are granted as written (e.g.
     * {@code "repository:a/b:pull"}). A negative lifetime makes an already expired token.
     */
    public String mintToken(String subject, Duration lifetime, String... scopes) {
        Map<String, Set<String>> access = new LinkedHashMap<>();
        for (String s : scopes) {
            Scope scope = Scope.parse(s);
            if (scope != null) {
                access.computeIfAbsent(scope.type + ":" + scope.name, k -> new LinkedHashSet<>())
                        .addAll(scope.actions);
            }
        }
        return sign(subject == null ? "" : subject, access, Instant.now(), lifetime);
    }

    /** Stops the HTTP server. Files stay for the owner of the work directory. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TokenIssuer[" + realm() + " service=" + service + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private record Scope(String type, String name, Set<String> actions) {
        /** {@code type[(class)]:name:actions}; the name may itself hold colons. */
        static Scope parse(String s) {
            int first = s.indexOf(':');
            int last = s.lastIndexOf(':');
            if (first < 0 || last <= first) {
                return null;
            }
            String type = s.substring(0, first);
            int paren = type.indexOf('(');
            if (paren >= 0) {
                type = type.substring(0, paren);
            }
            Set<String> actions = new LinkedHashSet<>();
            for (String a : s.substring(last + 1).split(",")) {
                if (!a.isBlank()) {
                    actions.add(a.trim());
                }
            }
            return new Scope(type, s.substring(first + 1, last), actions);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            serve(ex);
        } finally {
            ex.close();
        }
    }

    private void serve(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            if (!"/token".equals(path) && !"/token/".equals(path)) {
                respond(ex, 404, Map.of("error", "not_found"));
                return;
            }
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            String authHeader = ex.getRequestHeaders().getFirst("Authorization");
            boolean basic = authHeader != null && authHeader.regionMatches(true, 0, "Basic ", 0, 6);
            Map<String, List<String>> params = parse(ex.getRequestURI().getRawQuery());
            if ("POST".equals(method)) {
                byte[] body = ex.getRequestBody().readAllBytes();
                parse(new String(body, UTF_8)).forEach((k, v) -> params.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            } else if (!"GET".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, POST");
                respond(ex, 405, Map.of("error", "method_not_allowed"));
                return;
            }
            String grantType = "POST".equals(method) ? first(params, "grant_type") : null;
            String serviceParam = first(params, "service");
            String clientId = first(params, "client_id");
            boolean offline = "true".equalsIgnoreCase(first(params, "offline_token"));
            List<String> scopes = new ArrayList<>();
            for (String v : params.getOrDefault("scope", List.of())) {
                for (String s : v.split(" ")) {
                    if (!s.isBlank()) {
                        scopes.add(s);
                    }
                }
            }

            // Who is asking?
            String user = null;
            boolean issueRefresh = false;
            int refusal = 0;
            String refusalError = null;
            if (serviceParam != null && !serviceParam.equals(service)) {
                refusal = 400;
                refusalError = "invalid_request: unknown service " + serviceParam;
            } else if ("GET".equals(method)) {
                if (authHeader != null) {
                    String[] cred = basic ? decodeBasic(authHeader.substring(6).trim()) : null;
                    if (cred != null && authenticate(cred[0], cred[1])) {
                        user = cred[0];
                        issueRefresh = offline;
                    } else {
                        refusal = 401;
                        refusalError = "unauthorized: bad credentials";
                    }
                }
            } else if ("password".equals(grantType)) {
                String u = first(params, "username");
                String p = first(params, "password");
                if (u == null || p == null) {
                    refusal = 400;
                    refusalError = "invalid_request: username and password required";
                } else if (authenticate(u, p)) {
                    user = u;
                    issueRefresh = true;
                } else {
                    refusal = 401;
                    refusalError = "unauthorized: bad credentials";
                }
            } else if ("refresh_token".equals(grantType)) {
                String rt = first(params, "refresh_token");
                String owner = rt == null ? null : refreshTokens.get(rt);
                if (owner == null || !users.containsKey(owner)) {
                    refusal = 401;
                    refusalError = "unauthorized: unknown refresh token";
                } else {
                    user = owner;
                }
            } else {
                refusal = 400;
                refusalError = "unsupported_grant_type: " + grantType;
            }

            if (refusal != 0) {
                requests.add(
                        new TokenRequest(
                                method, grantType, basic, null, serviceParam, clientId, offline,
                                List.copyOf(scopes), List.of(), refusal));
                if (refusal == 401 && "GET".equals(method)) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + issuer + "\"");
                }
                respond(ex, refusal, Map.of("error", refusalError));
                return;
            }

            // What do they get?
            Map<String, Set<String>> access = new LinkedHashMap<>();
            for (String s : scopes) {
                Scope scope = Scope.parse(s);
                if (scope == null) {
                    continue;
                }
                Set<String> granted =
                        "repository".equals(scope.type)
                                ? grant.grant(user, scope.name, Collections.unmodifiableSet(scope.actions))
                                : (user != null ? scope.actions : Set.of());
                if (granted != null && !granted.isEmpty()) {
                    access.computeIfAbsent(scope.type + ":" + scope.name, k -> new LinkedHashSet<>())
                            .addAll(granted);
                }
            }
            Instant now = Instant.now();
            String token = sign(user == null ? "" : user, access, now, lifetime);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("token", token);
            answer.put("access_token", token);
            answer.put("expires_in", lifetime.toSeconds());
            answer.put("issued_at", now.toString());
            if ("refresh_token".equals(grantType)) {
                answer.put("refresh_token", first(params, "refresh_token"));
            } else if (issueRefresh) {
                String rt = randomToken();
                refreshTokens.put(rt, user);
                answer.put("refresh_token", rt);
            }
            List<String> granted = new ArrayList<>();
            access.forEach((k, v) -> granted.add(k + ":" + String.join(",", v)));
            requests.add(
                    new TokenRequest(
                            method, grantType, basic, user, serviceParam, clientId, offline,
                            List.copyOf(scopes), List.copyOf(granted), 200));
            respond(ex, 200, answer);
        } catch (RuntimeException e) {
            try {
                respond(ex, 500, Map.of("error", String.valueOf(e)));
            } catch (IOException | RuntimeException ignored) {
                // headers already sent
            }
            throw e;
        }
    }

    private boolean authenticate(String user, String password) {
        String expected = users.get(user);
        return expected != null && expected.equals(password);
    }

    private static String[] decodeBasic(String b64) {
        try {
            String s = new String(Base64.getDecoder().decode(b64), UTF_8);
            int colon = s.indexOf(':');
            return colon < 0 ? null : new String[] {s.substring(0, colon), s.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Map<String, List<String>> parse(String raw) {
        Map<String, List<String>> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static void respond(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static String randomToken() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private String sign(String subject, Map<String, Set<String>> access, Instant now, Duration life) {
        try {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("typ", "JWT");
            header.put("alg", "ES256");
            header.put("x5c", List.of(x5c));
            List<Map<String, Object>> accessClaim = new ArrayList<>();
            access.forEach(
                    (typeAndName, actions) -> {
                        int colon = typeAndName.indexOf(':');
                        Map<String, Object> entry = new LinkedHashMap<>();
                        entry.put("type", typeAndName.substring(0, colon));
                        entry.put("name", typeAndName.substring(colon + 1));
                        entry.put("actions", List.copyOf(actions));
                        accessClaim.add(entry);
                    });
            long iat = now.getEpochSecond();
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", issuer);
            claims.put("sub", subject);
            claims.put("aud", service);
            claims.put("exp", iat + life.toSeconds());
            claims.put("nbf", iat);
            claims.put("iat", iat);
            claims.put("jti", randomToken());
            claims.put("access", accessClaim);
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String signingInput =
                    b64.encodeToString(JSON.writeValueAsBytes(header))
                            + "."
                            + b64.encodeToString(JSON.writeValueAsBytes(claims));
            Signature sig = Signature.getInstance("SHA256withECDSA");
            sig.initSign(key);
            sig.update(signingInput.getBytes(UTF_8));
            byte[] raw = derToRaw(sig.sign(), 32);
            return signingInput + "." + b64.encodeToString(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not sign token", e);
        }
    }

    /**
     * Converts a DER {@code SEQUENCE { INTEGER r, INTEGER s }} ECDSA signature into the JWS form:
     * r and s as unsigned big-endian integers of {@code size} bytes each, concatenated.
     */
    static byte[] derToRaw(byte[] der, int size) {
        int[] pos = {0};
        if (der[pos[0]++] != 0x30) {
            throw new IllegalArgumentException("not a DER sequence");
        }
        readLength(der, pos);
        byte[] out = new byte[2 * size];
        for (int i = 0; i < 2; i++) {
            if (der[pos[0]++] != 0x02) {
                throw new IllegalArgumentException("not a DER integer");
            }
            int len = readLength(der, pos);
            BigInteger v = new BigInteger(1, Arrays.copyOfRange(der, pos[0], pos[0] + len));
            pos[0] += len;
            byte[] mag = v.toByteArray();
            int off = mag.length > size ? mag.length - size : 0; // drop the sign byte
            int n = mag.length - off;
            if (n > size) {
                throw new IllegalArgumentException("integer longer than " + size + " bytes");
            }
            System.arraycopy(mag, off, out, i * size + (size - n), n);
        }
        return out;
    }

    private static int readLength(byte[] der, int[] pos) {
        int b = der[pos[0]++] & 0xff;
        if (b < 0x80) {
            return b;
        }
        int n = b & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (der[pos[0]++] & 0xff);
        }
        return len;
    }

    private static void generateKeyPair(Path keystore, String cn) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            keytool = Required.tool("keytool");
        }
        List<String> cmd =
                List.of(
                        keytool.toString(),
                        "-genkeypair",
                        "-alias", "issuer",
                        "-keyalg", "EC",
                        "-groupname", "secp256r1",
                        "-sigalg", "SHA256withECDSA",
                        "-dname", "CN=" + cn,
                        "-validity", "2",
                        "-storetype", "PKCS12",
                        "-keystore", keystore.toString(),
                        "-storepass", STORE_PASSWORD,
                        "-keypass", STORE_PASSWORD,
                        "-noprompt");
        RegistryServer.ProcessResult r = RegistryServer.run(cmd, Duration.ofSeconds(60));
        if (r.exitCode != 0 || !Files.isRegularFile(keystore)) {
            throw new IllegalStateException("keytool failed (exit " + r.exitCode + "):\n" + r.output);
        }
    }
}
