package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * HTTP for one registry host: picks the scheme (HTTPS; loopback starts on plain HTTP and moves to
 * HTTPS when told to; insecure registries try HTTPS and fall back to plain HTTP, as docker does), authorizes requests through
 * {@link Authorizer}, retries what is worth retrying, follows redirects by hand when asked
 * (dropping the Authorization header when the host changes, since blob storage must never see the
 * registry's token), and watches response bodies with an idle timeout.
 */
final class HttpTransport {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // The JDK client moves bodies in 16 KiB buffers by default, each handed between its threads;
        // blobs are hundreds of MB, and 256 KiB buffers cut a pull's CPU time by about a fifth.
        // Read once when the client's classes load, so it must be set before the first client.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 << 10));
        }
    }
    private static final int MAX_REDIRECTS = 5;
    private static final int CONNECT_ATTEMPTS = 3;

    /** A request body that can be produced again for a retry, or not. */
    interface Body {
        HttpRequest.BodyPublisher publisher() throws IOException;

        boolean replayable();

        static Body of(byte[] bytes) {
            return new Body() {
                @Override
                public HttpRequest.BodyPublisher publisher() {
                    return HttpRequest.BodyPublishers.ofByteArray(bytes);
                }

                @Override
                public boolean replayable() {
                    return true;
                }
            };
        }

        /** Where a streamed body's bytes come from, opened anew for each send. */
        @FunctionalInterface
        interface Opener {
            java.io.InputStream open() throws IOException;
        }

        /** {@code length} bytes streamed from {@code opener}, sent with that Content-Length. */
        static Body streamed(Opener opener, long length, boolean replayable) {
            return new Body() {
                @Override
                public HttpRequest.BodyPublisher publisher() {
                    return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                        try {
                            return opener.open();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }), length);
                }

                @Override
                public boolean replayable() {
                    return replayable;
                }
            };
        }
    }

    /** What to send; {@code what} names the request in errors ({@code PUT manifest app:1}). */
    record Request(String method, String path, Map<String, String> headers, Optional<Body> body, Set<String> scopes,
            boolean followRedirects, String what) {
        static Request get(String path, Set<String> scopes, String what) {
            return new Request("GET", path, Map.of(), Optional.empty(), scopes, false, what);
        }

        Request withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Request(method, path, h, body, scopes, followRedirects, what);
        }

        Request following() {
            return new Request(method, path, headers, body, scopes, true, what);
        }
    }

    /** A response whose body is open (idle-watched); close it. */
    record Response(int status, HttpHeaders headers, URI uri, InputStream body) implements AutoCloseable {
        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /**
         * The {@code Location} header made absolute. A relative reference is relative to the URL
         * this response answered (RFC 9110 §10.2.2), not to the registry's root: {@code u2?_state=x}
         * after a PATCH to {@code /v2/app/blobs/uploads/u1} means {@code /v2/app/blobs/uploads/u2}.
         */
        Optional<String> location() {
            return header("Location").map(l -> uri.resolve(l).toString());
        }

        byte[] readAll(int limit, String what) throws IOException {
            try (InputStream in = body) {
                byte[] b = in.readNBytes(limit + 1);
                if (b.length > limit) {
                    throw new RegistryException(what + ": larger than the " + (limit >> 20) + " MiB allowed", status,
                            Optional.empty());
                }
                return b;
            }
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // closing an abandoned response
            }
        }
    }

    private final String registry;
    private final String apiHost;
    private final RegistryOptions options;
    private final boolean insecure;
    private final Lazy<HttpClient> https;
    private final HttpClient http;
    private final Authorizer authorizer;
    private volatile URI base;

    HttpTransport(String registry, String apiHost, RegistryOptions options) throws IOException {
        this.registry = registry;
        this.apiHost = apiHost;
        this.options = options;
        this.insecure = Hosts.namedInsecure(options.insecureRegistries(), registry)
                || Hosts.namedInsecure(options.insecureRegistries(), apiHost);
        EnvProxySelector proxies = new EnvProxySelector(options.env());
        // The HTTPS and token clients are made on first use: their TLS set-up (the trust store,
        // certs.d) costs a good part of a second that a loopback registry never needs.
        this.https = new Lazy<>(() -> {
            SSLContext tls;
            try {
                tls = TlsContexts.forHost(apiHost, options.certDirs(), insecure);
            } catch (IOException e) {
                // A configuration error, not a network one: final, never retried.
                throw new RegistryException(registry + ": " + e.getMessage(), 0, Optional.empty());
            }
            HttpClient.Builder hb = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(30)).sslContext(tls);
            return proxies.configure(hb).build();
        });
        // Plain HTTP stays on HTTP/1.1: an h2c upgrade attempt confuses some registries and proxies.
        HttpClient.Builder pb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(30))
                .sslContext(TlsContexts.none()).sslParameters(new javax.net.ssl.SSLParameters());
        this.http = proxies.configure(pb).build();
        boolean plainAllowed = insecure || Hosts.isLoopback(apiHost);
        this.authorizer = new Authorizer(registry, options.credentials(), insecure,
                new Lazy<>(() -> {
                    HttpClient.Builder tb = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                            .connectTimeout(Duration.ofSeconds(30));
                    return proxies.configure(tb).build();
                }),
                options.idleTimeout(), options.log());
        if (!plainAllowed) {
            base = URI.create("https://" + apiHost);
        } else if (Hosts.isLoopback(apiHost) && !insecure) {
            // Loopback starts on plain HTTP with no probe: no TLS set-up to pay for (a good part of
            // a second of class loading); a loopback registry that speaks only TLS says so with a
            // 400, and the first request moves to HTTPS (see send).
            base = URI.create("http://" + apiHost);
        }
    }

    String registry() {
        return registry;
    }

    RegistryOptions options() {
        return options;
    }

    /** {@code https://host}, or {@code http://host} for loopback and for insecure registries that do not speak TLS. */
    URI base() throws IOException {
        URI b = base;
        if (b == null) {
            synchronized (this) {
                if (base == null) {
                    base = probe();
                }
                b = base;
            }
        }
        return b;
    }

    private URI probe() throws IOException {
        URI tls = URI.create("https://" + apiHost);
        try {
            HttpResponse<Void> r = https.get().send(HttpRequest.newBuilder(tls.resolve("/v2/"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.discarding());
            options.log().debug(registry + " speaks HTTPS (" + r.statusCode() + ")");
            return tls;
        } catch (RegistryException e) {
            throw e; // the TLS set-up itself is wrong: no protocol will fix that
        } catch (IOException e) {
            // As docker does for insecure registries: whatever goes wrong over HTTPS, try plain HTTP;
            // if that fails too, the request itself says why.
            options.log().debug(registry + " did not answer HTTPS (" + describe(e) + "); using HTTP");
            return URI.create("http://" + apiHost);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while contacting " + registry);
        }
    }

    /**
     * Sends a request, retrying connection failures, 408, 429 and 5xx (when the body can be sent
     * again) and answering authentication challenges. Any final status is returned, including
     * errors: callers decide what a 404 means. Network failures that outlast the retries throw.
     */
    Response send(Request request) throws IOException {
        Set<String> scopes = new LinkedHashSet<>(request.scopes());
        URI uri = resolve(request.path());
        boolean sendAuth = true;
        int authRounds = 0;
        int redirects = 0;
        boolean switchedToTls = false;
        RetryPolicy retry = options.retry();
        for (int attempt = 1; ; ) {
            // No HttpRequest.timeout: it runs from the start of the request to the response
            // headers, body upload included, so a large PUT or PATCH on a slow link would be cut
            // off however steadily its bytes moved. exchange() applies the idle timeout instead.
            HttpRequest.Builder b = HttpRequest.newBuilder(uri);
            request.headers().forEach(b::header);
            if (sendAuth && sameHost(uri)) {
                Optional<String> auth = authorizer.header(uri, scopes);
                if (auth.isPresent()) {
                    b.header("Authorization", auth.get());
                }
            }
            b.header("User-Agent", "jbuild");
            AtomicLong moved = new AtomicLong(System.nanoTime());
            if (request.body().isPresent()) {
                b.method(request.method(), noting(request.body().get().publisher(), moved));
            } else {
                b.method(request.method(), HttpRequest.BodyPublishers.noBody());
            }
            boolean replayable = request.body().map(Body::replayable).orElse(true);
            Response r;
            try {
                r = exchange(uri, b.build(), request.what(), moved);
            } catch (IOException e) {
                if (e instanceof RegistryException alreadyFinal) {
                    throw alreadyFinal;
                }
                if (isCertificateFailure(e)) {
                    // An untrusted certificate does not fix itself: say so at once, and how to trust it.
                    throw untrusted(request, e);
                }
                // Nothing listening is asked twice more, not the whole policy: a mistyped host or port
                // should fail in a second or two, while a registry that restarts gets a moment.
                int allowed = e instanceof ConnectException ? Math.min(retry.attempts(), CONNECT_ATTEMPTS)
                        : retry.attempts();
                if (!replayable || attempt >= allowed || e instanceof InterruptedIOException
                        && !(e instanceof HttpTimeoutException)) {
                    throw unreachableDuring(request, e);
                }
                Duration d = retry.backoff(attempt + 1);
                options.log().warn(registry + ": " + request.what() + " failed (" + describe(e) + "); retrying in "
                        + seconds(d));
                sleep(d);
                attempt++;
                continue;
            }
            int status = r.status();
            if (status == 400 && !switchedToTls && "http".equals(uri.getScheme())) {
                // Read once: either it says "use HTTPS", or it is the registry's own error, which
                // the caller still gets whole.
                byte[] body = r.readAll(64 << 10, request.what());
                if (new String(body, java.nio.charset.StandardCharsets.ISO_8859_1).contains("HTTPS")) {
                    switchedToTls = true;
                    options.log().debug(registry + " answers plain HTTP with \"use HTTPS\"; switching to HTTPS");
                    base = URI.create("https://" + apiHost);
                    uri = resolve(request.path());
                    continue;
                }
                r = new Response(r.status(), r.headers(), r.uri(), new java.io.ByteArrayInputStream(body));
            }
            if (status == 401 && authRounds < 2 && sameHost(uri)) {
                boolean again = authorizer.challenged(Challenge.parse(r.headers().allValues("WWW-Authenticate")), scopes,
                        authRounds > 0);
                if (again && replayable) {
                    r.close();
                    authRounds++;
                    continue;
                }
            }
            if (RetryPolicy.retryableStatus(status) && replayable && attempt < retry.attempts()) {
                Optional<Duration> asked = retryAfter(r.headers());
                int next = attempt + 1;
                Duration d = asked.map(retry::retryAfter).orElseGet(() -> retry.backoff(next));
                String reason = status == 429 ? "rate limited (429)" : "HTTP " + status;
                if (asked.isPresent() && asked.get().compareTo(retry.retryAfterCap()) > 0) {
                    reason += ", asked to wait " + seconds(asked.get()) + ", waiting at most " + seconds(d);
                }
                options.log().warn(registry + ": " + request.what() + ": " + reason + "; retrying in " + seconds(d)
                        + " (try " + (attempt + 1) + " of " + retry.attempts() + ")");
                r.close();
                sleep(d);
                attempt++;
                continue;
            }
            if (request.followRedirects() && isRedirect(status)) {
                Optional<String> location = r.header("Location");
                r.close();
                if (location.isEmpty() || ++redirects > MAX_REDIRECTS) {
                    throw new RegistryException(registry + ": " + request.what() + ": "
                            + (location.isEmpty() ? "redirect without a Location" : "too many redirects"), status,
                            Optional.empty());
                }
                URI next = uri.resolve(location.get());
                if (!sameHost(next)) {
                    sendAuth = false; // blob storage gets a signed URL, never the registry's credentials
                }
                options.log().debug(registry + ": " + request.what() + " redirected to " + next.getHost());
                uri = next;
                continue;
            }
            return r;
        }
    }

    /**
     * Sends the request and waits for the response headers for as long as the request body keeps
     * moving: the request fails with an {@link HttpTimeoutException} once neither a piece of the
     * body was taken nor an answer came for the idle timeout ({@code moved} holds the last time
     * either happened, starting with the send).
     */
    private Response exchange(URI uri, HttpRequest request, String what, AtomicLong moved) throws IOException {
        HttpClient client = "http".equalsIgnoreCase(uri.getScheme()) ? http : https.get();
        options.log().debug(request.method() + " " + redact(uri));
        moved.set(System.nanoTime());
        CompletableFuture<HttpResponse<InputStream>> f = client.sendAsync(request,
                HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> response = null;
        long idle = options.idleTimeout().toNanos();
        try {
            while (response == null) {
                long left = moved.get() + idle - System.nanoTime();
                if (left <= 0) {
                    f.cancel(true);
                    throw new HttpTimeoutException("no response and no bytes moving for "
                            + seconds(options.idleTimeout()));
                }
                try {
                    response = f.get(left, TimeUnit.NANOSECONDS);
                } catch (TimeoutException stillWaiting) {
                    // look again: the body may have moved meanwhile
                }
            }
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + what);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(c);
        } catch (CancellationException e) {
            throw new InterruptedIOException("cancelled: " + what);
        }
        options.log().debug(response.statusCode() + " " + request.method() + " " + redact(uri));
        IdleWatch watch = IdleWatch.start(options.idleTimeout());
        return new Response(response.statusCode(), response.headers(), uri, watch.watch(response.body(),
                registry + ": " + what));
    }

    /** The request body, noting the time whenever the client takes another piece of it to send. */
    private static HttpRequest.BodyPublisher noting(HttpRequest.BodyPublisher body, AtomicLong moved) {
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return body.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                body.subscribe(new Flow.Subscriber<ByteBuffer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscriber.onSubscribe(subscription);
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        moved.set(System.nanoTime());
                        subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable t) {
                        subscriber.onError(t);
                    }

                    @Override
                    public void onComplete() {
                        moved.set(System.nanoTime());
                        subscriber.onComplete();
                    }
                });
            }
        };
    }

    /** The error for a final non-success answer: status, the registry's code and message, the request. */
    RegistryException error(Response r, Request request) {
        Optional<String> code = Optional.empty();
        String message = "";
        try {
            byte[] body = r.readAll(64 << 10, request.what());
            JsonNode tree = JSON.readTree(body);
            JsonNode first = tree.path("errors").path(0);
            if (first.isObject()) {
                code = Optional.ofNullable(first.path("code").textValue());
                message = Optional.ofNullable(first.path("message").textValue()).orElse("");
                JsonNode detail = first.get("detail");
                if (detail != null && !detail.isNull() && !detail.isMissingNode()) {
                    String d = detail.isTextual() ? detail.textValue() : detail.toString();
                    if (d.length() <= 200 && !d.isEmpty()) {
                        message += (message.isEmpty() ? "" : " ") + "(" + d + ")";
                    }
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not a distribution error body: the status says enough
        } finally {
            r.close();
        }
        StringBuilder m = new StringBuilder(registry).append(": ").append(request.what()).append(": HTTP ")
                .append(r.status());
        code.ifPresent(c -> m.append(' ').append(c));
        if (!message.isEmpty()) {
            m.append(": ").append(message);
        }
        Optional<Challenge> denied = Challenge.parse(r.headers().allValues("WWW-Authenticate")).stream()
                .filter(c -> c.param("error").filter("insufficient_scope"::equals).isPresent()).findFirst();
        if (denied.isPresent()) {
            // Logged in, but the account may not do this: asking to log in again would mislead.
            m.append(" (access denied: the login in use is not allowed ")
                    .append(denied.get().param("scope").orElse("this")).append(")");
        } else if (r.status() == 401 || r.status() == 403) {
            m.append(" (log in with: jbuild login ").append(registry).append(')');
        }
        return new RegistryException(m.toString(), r.status(), code);
    }

    private static boolean isCertificateFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    private RegistryException untrusted(Request request, IOException e) {
        String dirs = "/etc/docker/certs.d/" + apiHost + "/ or ~/.config/jbuild/certs.d/" + apiHost + "/";
        String m = String.valueOf(e.getMessage());
        // The server's alert tells its refusal of us apart from ours of it.
        String what = m.contains("bad_certificate") || m.contains("certificate_required")
                ? "the registry asks for a client certificate and refused ours, or we had none ("
                        + describe(e) + "); put client.cert and client.key in " + dirs
                : "the registry's TLS certificate is not trusted (" + describe(e) + "); put its CA certificate in "
                        + dirs + "ca.crt, or name the registry insecure (--insecure-registry " + registry + ")";
        RegistryException x = new RegistryException(registry + ": " + request.what() + ": " + what, 0,
                Optional.empty());
        x.initCause(e);
        return x;
    }

    private RegistryException unreachableDuring(Request request, IOException e) {
        RegistryException x = new RegistryException(registry + ": " + request.what() + ": " + describe(e), 0,
                Optional.empty());
        x.initCause(e);
        return x;
    }

    URI resolve(String pathOrUri) throws IOException {
        URI u = URI.create(pathOrUri);
        return u.isAbsolute() ? u : base().resolve(pathOrUri);
    }

    private boolean sameHost(URI uri) {
        URI b = base;
        return b != null && uri.getHost() != null && uri.getHost().equalsIgnoreCase(b.getHost())
                && uri.getPort() == b.getPort();
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static Optional<Duration> retryAfter(HttpHeaders headers) {
        Optional<String> v = headers.firstValue("Retry-After").map(String::trim);
        if (v.isEmpty() || v.get().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.get()))));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(v.get(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() < 10_000 ? String.format("%.1f s", d.toMillis() / 1000.0) : d.toSeconds() + " s";
    }

    private static void sleep(Duration d) throws InterruptedIOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    /** Query strings can hold signed-URL secrets (blob storage redirects); they never reach a log. */
    static String redact(URI uri) {
        String s = uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
        return uri.getRawQuery() == null ? s : s + "?…";
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        String type = e.getClass().getSimpleName();
        return m == null || m.isBlank() ? type : m.contains(type) ? m : type + ": " + m;
    }
}
