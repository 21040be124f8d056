package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Downloads the file of an {@code ADD <url>} as BuildKit's HTTP source does: one GET, redirects
 * followed, any final status outside 2xx an error. The body goes to a file named after the last
 * segment of the URL path ({@code __unnamed__} when there is none, as the Dockerfile frontend
 * names it), with mode 0600 and the {@code Last-Modified} time as mtime (the epoch without one), owned
 * by the process (root): exactly what a COPY of that file then places. With {@code --checksum} the
 * body's digest must match, or the file is deleted and the step fails.
 *
 * <p>Redirects and {@code user:password@} URLs are handled as Go's client does (see {@link #get}).
 * The JDK client reads no proxy environment; {@code HTTPS_PROXY} and friends are not honoured here
 * yet.
 */
public final class UrlFetcher {
    /** The file name BuildKit's Dockerfile frontend gives a download whose URL path has no last segment. */
    static final String UNNAMED = "__unnamed__";

    /** The statuses Go's client follows; 304 and 300 are answers, not redirects. */
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REDIRECTS = 10;

    private final HttpClient client;

    /**
     * A downloaded file.
     *
     * @param file where the body is, {@code dir/name}
     * @param name the file name ADD gives it at the destination
     * @param lastModified the server's {@code Last-Modified}, when it sent a valid one
     */
    public record FetchedFile(Path file, String name, Optional<Instant> lastModified) {
    }

    public UrlFetcher() {
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    /**
     * Downloads {@code url} into {@code dir} (which should hold nothing of that name; a file there is
     * replaced). {@code checksum} is {@code algorithm:hex} with sha256, sha384 or sha512, checked
     * before anything is fetched.
     */
    public FetchedFile fetch(URI url, Path dir, Optional<String> checksum) throws IOException {
        String shown = redacted(url);
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
            throw new BuildException("ADD " + shown + ": only http and https URLs can be downloaded");
        }
        Optional<ExpectedDigest> expected = checksum.isPresent()
                ? Optional.of(ExpectedDigest.parse(checksum.get())) : Optional.empty();
        String name = fileName(url);
        Path target;
        try {
            target = dir.resolve(name);
        } catch (InvalidPathException e) {
            throw new BuildException("ADD " + shown + ": the file name \"" + name + "\" cannot be used here");
        }
        HttpResponse<InputStream> response = get(url, shown);
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status < 200 || status > 299) {
                throw new BuildException("ADD " + shown + ": the server answered HTTP " + status
                        + (redirected(url, response) ? " (at " + redacted(response.uri()) + ")" : ""));
            }
            Path partial = Files.createTempFile(dir, ".download-", ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                MessageDigest digest = expected.map(ExpectedDigest::newDigest).orElse(null);
                try (OutputStream file = Files.newOutputStream(partial, StandardOpenOption.TRUNCATE_EXISTING);
                     OutputStream out = digest == null ? file : new DigestOutputStream(file, digest)) {
                    body.transferTo(out);
                } catch (IOException e) {
                    throw new BuildException("ADD " + shown + ": the download failed: " + e.getMessage(), e);
                }
                if (digest != null) {
                    expected.get().verify(digest, shown);
                }
                Optional<Instant> lastModified = response.headers().firstValue("Last-Modified")
                        .flatMap(HttpDates::parse);
                // As BuildKit: 0600 whatever the umask, and the epoch when the server gave no time.
                Files.setAttribute(partial, "unix:mode", 0600);
                Files.setLastModifiedTime(partial, FileTime.from(lastModified.orElse(Instant.EPOCH)));
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return new FetchedFile(target, name, lastModified);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }

    /**
     * GETs {@code url}, following redirects as Go's client does: at most 10, any scheme, and the
     * basic credentials of a {@code user:password@} URL sent to its host and that host's subdomains
     * only, never to another host a redirect leads to. The JDK's own redirects would keep the
     * {@code Authorization} header wherever they go.
     */
    private HttpResponse<InputStream> get(URI url, String shown) throws IOException {
        Optional<String> login = basicAuthorization(url);
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            HttpResponse<InputStream> response;
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(withoutUserInfo(current)).GET()
                        .header("User-Agent", "jbuild");
                if ("http".equalsIgnoreCase(current.getScheme())) {
                    // No h2c upgrade on plain HTTP: some servers and proxies mishandle it.
                    request.version(HttpClient.Version.HTTP_1_1);
                }
                if (login.isPresent() && sameOrSubdomain(url.getHost(), current.getHost())) {
                    request.header("Authorization", login.get());
                }
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("ADD " + shown + ": interrupted");
            } catch (IOException | IllegalArgumentException | URISyntaxException e) {
                throw new BuildException("ADD " + shown + ": cannot download it: " + e.getMessage(), e);
            }
            Optional<String> location = response.headers().firstValue("Location");
            if (!REDIRECTS.contains(response.statusCode()) || location.isEmpty()) {
                return response;
            }
            response.body().close();
            if (redirects == MAX_REDIRECTS) {
                throw new BuildException("ADD " + shown + ": stopped after " + MAX_REDIRECTS + " redirects");
            }
            try {
                current = current.resolve(new URI(location.get()));
            } catch (URISyntaxException e) {
                throw new BuildException("ADD " + shown + ": a redirect to an invalid URL: " + location.get());
            }
        }
    }

    private static boolean redirected(URI url, HttpResponse<?> response) {
        try {
            return !response.uri().equals(withoutUserInfo(url));
        } catch (URISyntaxException e) {
            return true;
        }
    }

    private static Optional<String> basicAuthorization(URI url) {
        String info = url.getUserInfo();
        if (info == null) {
            return Optional.empty();
        }
        String pair = info.contains(":") ? info : info + ":";
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    /** The URL without its {@code user:password@}, which goes in a header instead. */
    static URI withoutUserInfo(URI url) throws URISyntaxException {
        return url.getRawUserInfo() == null || url.getHost() == null ? url : new URI(withUserInfo(url, null));
    }

    /** The URL as a string, its raw (still encoded) parts kept, with {@code userInfo} or none. */
    private static String withUserInfo(URI url, String userInfo) {
        StringBuilder b = new StringBuilder(url.getScheme()).append("://");
        if (userInfo != null) {
            b.append(userInfo).append('@');
        }
        b.append(url.getHost());
        if (url.getPort() >= 0) {
            b.append(':').append(url.getPort());
        }
        b.append(url.getRawPath() == null ? "" : url.getRawPath());
        if (url.getRawQuery() != null) {
            b.append('?').append(url.getRawQuery());
        }
        if (url.getRawFragment() != null) {
            b.append('#').append(url.getRawFragment());
        }
        return b.toString();
    }

    /** Go's {@code shouldCopyHeaderOnRedirect}: the same host, or a subdomain of it. */
    private static boolean sameOrSubdomain(String initial, String next) {
        if (initial == null || next == null) {
            return false;
        }
        String a = initial.toLowerCase(Locale.ROOT);
        String b = next.toLowerCase(Locale.ROOT);
        return a.equals(b) || b.endsWith("." + a);
    }

    /**
     * The last segment of the URL path, decoded, as Go's {@code path.Base(u.Path)}; {@code __unnamed__}
     * when the path is empty or {@code /}. A {@code ..} segment, which would name the parent of the
     * download directory, gets {@code __unnamed__} too.
     */
    static String fileName(URI url) {
        String path = url.getPath() == null ? "" : url.getPath();
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/') {
            end--;
        }
        String base = path.substring(path.lastIndexOf('/', end - 1) + 1, end);
        if (base.isEmpty() || base.equals(".") || base.equals("..") || base.indexOf('\0') >= 0) {
            return UNNAMED;
        }
        return base;
    }

    /** The URL as it may be printed: a password in it is replaced, as Go's {@code URL.Redacted}. */
    static String redacted(URI url) {
        String info = url.getRawUserInfo();
        if (info == null || !info.contains(":") || url.getHost() == null) {
            return url.toString();
        }
        return withUserInfo(url, info.substring(0, info.indexOf(':')) + ":xxxxx");
    }

    /** A {@code --checksum} value: its algorithm and expected hex digest. */
    private record ExpectedDigest(String algorithm, String hex) {
        static ExpectedDigest parse(String value) throws BuildException {
            int colon = value.indexOf(':');
            if (colon <= 0) {
                throw new BuildException("invalid --checksum \"" + value
                        + "\": expected algorithm:hex, such as sha256:<64 hex digits>");
            }
            String algorithm = value.substring(0, colon);
            String hex = value.substring(colon + 1);
            int length = switch (algorithm) {
                case "sha256" -> 64;
                case "sha384" -> 96;
                case "sha512" -> 128;
                default -> throw new BuildException("invalid --checksum \"" + value
                        + "\": unsupported digest algorithm (sha256, sha384 or sha512)");
            };
            boolean lowerHex = hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
            if (hex.length() != length || !lowerHex) {
                throw new BuildException("invalid --checksum \"" + value + "\": " + algorithm + " takes "
                        + length + " lowercase hex digits");
            }
            return new ExpectedDigest(algorithm, hex);
        }

        MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(switch (algorithm) {
                    case "sha384" -> "SHA-384";
                    case "sha512" -> "SHA-512";
                    default -> "SHA-256";
                });
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has " + algorithm, e);
            }
        }

        void verify(MessageDigest digest, String shown) throws BuildException {
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equals(hex)) {
                throw new BuildException("ADD " + shown + ": digest mismatch: expected " + algorithm + ":" + hex
                        + ", got " + algorithm + ":" + got);
            }
        }
    }
}
