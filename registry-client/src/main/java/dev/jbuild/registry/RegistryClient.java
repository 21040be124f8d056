package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distribution-spec v2 API of one registry: manifests (GET, HEAD, PUT), blobs (HEAD, GET with
 * resume, upload in one PUT or in chunks with resume, cross-repository mount). Manifests fetched
 * by digest are verified here and refused above 4 MiB; blob sizes are checked here, blob digests
 * by whoever stores the bytes (the store's writer on a pull, the receiving registry on a copy).
 * Thread-safe; one instance per registry, shared by all transfers to it.
 */
public final class RegistryClient {
    /** The largest manifest or config accepted (the distribution spec's "at least 4 MiB"). */
    public static final int MAX_DOCUMENT = 4 << 20;

    static final String ACCEPT = String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST_V1_SIGNED + ";q=0.1",
            MediaTypes.DOCKER_MANIFEST_V1 + ";q=0.1");
    private static final Pattern RANGE = Pattern.compile("^(?:bytes=)?0-(\\d+)$");

    private final HttpTransport http;
    private final RegistryOptions options;

    private RegistryClient(HttpTransport http, RegistryOptions options) {
        this.http = http;
        this.options = options;
    }

    /** A client for {@code registry} as users write it ({@code docker.io}, {@code localhost:5000}). */
    public static RegistryClient open(String registry, RegistryOptions options) throws IOException {
        String apiHost = ImageReference.apiHost(registry);
        return new RegistryClient(new HttpTransport(registry, apiHost, options), options);
    }

    public String registry() {
        return http.registry();
    }

    public RegistryOptions options() {
        return options;
    }

    static Set<String> pull(String repository) {
        return Set.of("repository:" + repository + ":pull");
    }

    static Set<String> push(String repository) {
        return Set.of("repository:" + repository + ":pull,push");
    }

    /** Checks that the registry answers and the credentials (if any) are accepted: {@code GET /v2/}. */
    public void ping() throws IOException {
        HttpTransport.Request req = HttpTransport.Request.get("/v2/", Set.of(), "log in");
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() != 200) {
                throw http.error(r, req);
            }
        }
    }

    /** A manifest or index as the registry sent it, verified when asked for by digest. */
    public record FetchedManifest(byte[] content, String mediaType, Digest digest) {
        public Descriptor descriptor() {
            return Descriptor.of(mediaType, digest, content.length);
        }

        public ManifestDocument document(String what) {
            return ManifestDocument.read(content, Optional.of(mediaType), what);
        }
    }

    /**
     * GETs a manifest by tag or digest; empty when the registry has none. Schema 1 is refused with
     * a message saying what to do.
     */
    public Optional<FetchedManifest> getManifest(String repository, String reference) throws IOException {
        String what = "GET manifest " + repository + refSuffix(reference);
        HttpTransport.Request req = HttpTransport.Request.get(manifestPath(repository, reference), pull(repository), what)
                .withHeader("Accept", ACCEPT);
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() == 404) {
                return Optional.empty();
            }
            if (r.status() != 200) {
                throw http.error(r, req);
            }
            OptionalLong declared = r.header("Content-Length").map(Long::parseLong).map(OptionalLong::of)
                    .orElse(OptionalLong.empty());
            if (declared.isPresent() && declared.getAsLong() > MAX_DOCUMENT) {
                throw new RegistryException(registry() + ": " + what + ": " + declared.getAsLong()
                        + " bytes, more than the 4 MiB a manifest may have", 200, Optional.empty());
            }
            byte[] content = r.readAll(MAX_DOCUMENT, registry() + ": " + what);
            String mediaType = r.header("Content-Type").map(ManifestDocument::bareMediaType).orElse("");
            if (mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1) || mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED)) {
                throw new RegistryException(registry() + ": " + repository + refSuffix(reference) + ": "
                        + ManifestDocument.SCHEMA1_UNSUPPORTED, 200, Optional.empty());
            }
            Digest actual = Digest.sha256(content);
            if (isDigest(reference)) {
                Digest wanted = Digest.parse(reference);
                Digest got = wanted.algorithm().equals("sha256") ? actual
                        : Digest.fromHash(wanted.algorithm(), wanted.newHasher().digest(content));
                if (!got.equals(wanted)) {
                    throw new RegistryException(registry() + ": " + what + ": the registry sent a manifest whose digest is "
                            + got + ", not the one asked for", 200, Optional.of("DIGEST_INVALID"));
                }
                actual = got;
            }
            if (mediaType.isEmpty() || mediaType.equals("application/json")) {
                mediaType = ManifestDocument.read(content, Optional.empty(), what).effectiveMediaType();
            }
            return Optional.of(new FetchedManifest(content, mediaType, actual));
        }
    }

    /** HEADs a manifest: its descriptor, from {@code Docker-Content-Digest}, or empty when absent. */
    public Optional<Descriptor> headManifest(String repository, String reference) throws IOException {
        String what = "HEAD manifest " + repository + refSuffix(reference);
        HttpTransport.Request req = new HttpTransport.Request("HEAD", manifestPath(repository, reference),
                Map.of("Accept", ACCEPT), Optional.empty(), pull(repository), false, what);
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() == 404) {
                return Optional.empty();
            }
            if (r.status() != 200) {
                throw http.error(r, req);
            }
            Optional<String> digest = r.header("Docker-Content-Digest");
            Optional<String> type = r.header("Content-Type").map(ManifestDocument::bareMediaType);
            OptionalLong size = r.header("Content-Length").map(s -> OptionalLong.of(Long.parseLong(s)))
                    .orElse(OptionalLong.empty());
            if (digest.isEmpty() || type.isEmpty() || size.isEmpty()) {
                return Optional.empty(); // not enough to go on; the caller GETs instead
            }
            return Optional.of(Descriptor.of(type.get(), Digest.parse(digest.get()), size.getAsLong()));
        }
    }

    /** PUTs a manifest under a tag or its digest; returns its digest. */
    public Digest putManifest(String repository, String reference, byte[] content, String mediaType) throws IOException {
        String what = "PUT manifest " + repository + refSuffix(reference);
        HttpTransport.Request req = new HttpTransport.Request("PUT", manifestPath(repository, reference),
                Map.of("Content-Type", mediaType), Optional.of(HttpTransport.Body.of(content)), push(repository), false,
                what);
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() != 201 && r.status() != 200 && r.status() != 202) {
                RegistryException e = http.error(r, req);
                if (e.code().filter(c -> c.equals("MANIFEST_INVALID") || c.equals("MANIFEST_BLOB_UNKNOWN")).isPresent()
                        && mediaType.startsWith("application/vnd.oci")) {
                    throw new RegistryException(e.getMessage() + " (does this registry accept OCI manifests? "
                            + "try --format docker)", e.status(), e.code());
                }
                throw e;
            }
        }
        return Digest.sha256(content);
    }

    boolean hasBlob(String repository, Digest digest, Set<String> scopes) throws IOException {
        HttpTransport.Request req = new HttpTransport.Request("HEAD", "/v2/" + repository + "/blobs/" + digest,
                Map.of(), Optional.empty(), scopes, true, "HEAD blob " + digest.shortHex() + " in " + repository);
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() == 200) {
                return true;
            }
            if (r.status() == 404) {
                return false;
            }
            throw http.error(r, req);
        }
    }

    /**
     * Streams a blob into {@code sink}, resuming with {@code Range} after a broken connection when
     * the server allows it (at most as many times as the retry policy tries). The sink receives
     * exactly the blob's bytes, in order, once each; it verifies the digest itself.
     */
    public void getBlob(String repository, Descriptor blob, OutputStream sink, TransferProgress progress)
            throws IOException {
        long written = 0;
        int failures = 0;
        while (true) {
            // Counted as they reach the sink, so that bytes delivered before a break are not lost
            // from the count: the resume must start after them, and they must not reach the sink twice.
            long[] copied = {0};
            try (InputStream in = openBlob(repository, blob, written)) {
                copy(in, sink, blob.size() - written, progress, copied);
                written += copied[0];
            } catch (IOException e) {
                written += copied[0];
                if (e instanceof RegistryException || ++failures >= options.retry().attempts()) {
                    throw e;
                }
                options.log().warn(registry() + ": GET blob " + blob.digest().shortHex() + " of " + repository
                        + " broke off at " + written + " of " + blob.size() + " bytes ("
                        + HttpTransport.describe(e) + "); resuming");
                continue;
            }
            if (written != blob.size()) {
                throw new RegistryException(registry() + ": GET blob " + blob.digest().shortHex() + " of " + repository
                        + ": the registry sent " + written + " bytes, the descriptor says " + blob.size(), 200,
                        Optional.of("SIZE_INVALID"));
            }
            return;
        }
    }

    /**
     * Opens a blob's bytes from {@code offset} on (to resume a download, or to stream a blob into
     * another registry): the caller reads it and closes it. A server that ignores {@code Range} is
     * read from the start with the first {@code offset} bytes dropped; a break while dropping them
     * is an ordinary {@code IOException}, worth another try. Nothing is verified here.
     */
    public InputStream openBlob(String repository, Descriptor blob, long offset) throws IOException {
        String what = "GET blob " + blob.digest().shortHex() + " of " + repository;
        HttpTransport.Request req = HttpTransport.Request.get("/v2/" + repository + "/blobs/" + blob.digest(),
                pull(repository), what).following();
        if (offset > 0) {
            req = req.withHeader("Range", "bytes=" + offset + "-");
        }
        HttpTransport.Response r = http.send(req);
        if (offset > 0 && r.status() == 206) {
            long start = contentRangeStart(r.header("Content-Range"));
            if (start != offset) {
                r.close();
                throw new RegistryException(registry() + ": " + what + ": asked to resume at " + offset
                        + ", the server sent bytes from " + start, 206, Optional.empty());
            }
            return r.body();
        }
        if (r.status() != 200) {
            throw http.error(r, req);
        }
        InputStream body = r.body();
        byte[] drop = new byte[64 << 10];
        // Read, not skip: reads go through the idle watch.
        for (long left = offset; left > 0; ) {
            int n = body.read(drop, 0, (int) Math.min(drop.length, left));
            if (n < 0) {
                body.close();
                throw new IOException(registry() + ": " + what + ": the blob ended before the resume point " + offset);
            }
            left -= n;
        }
        return body;
    }

    /** Copies the body to the sink, adding each byte written to {@code copied[0]} as it goes (the count survives an exception). */
    private void copy(InputStream in, OutputStream sink, long limit, TransferProgress progress, long[] copied)
            throws IOException {
        byte[] buf = new byte[128 << 10];
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (copied[0] + n > limit) {
                throw new RegistryException(registry() + ": the blob is longer than its descriptor says", 200,
                        Optional.of("SIZE_INVALID"));
            }
            sink.write(buf, 0, n);
            copied[0] += n;
            progress.advance(n);
        }
    }

    private static long contentRangeStart(Optional<String> header) {
        // "bytes 100-999/1000"
        if (header.isEmpty()) {
            return -1;
        }
        String h = header.get().trim();
        int sp = h.indexOf(' ');
        int dash = h.indexOf('-');
        try {
            return Long.parseLong(h.substring(sp + 1, dash));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The outcome of a mount attempt: mounted, or an upload session to use instead (202). */
    public record MountResult(boolean mounted, Optional<String> uploadLocation) {
    }

    /** Tries a cross-repository mount of a blob the registry has in {@code from}. */
    public MountResult mount(String repository, Digest digest, String from) throws IOException {
        String what = "mount blob " + digest.shortHex() + " from " + from + " into " + repository;
        Set<String> scopes = new java.util.LinkedHashSet<>(push(repository));
        scopes.addAll(pull(from));
        HttpTransport.Request req = new HttpTransport.Request("POST", "/v2/" + repository + "/blobs/uploads/?mount="
                + enc(digest.toString()) + "&from=" + enc(from), Map.of(), Optional.of(HttpTransport.Body.of(new byte[0])), scopes, false, what);
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() == 201) {
                return new MountResult(true, Optional.empty());
            }
            if (r.status() == 202) {
                return new MountResult(false, r.location());
            }
            // Some registries (Harbor projects, Quay) refuse mounts they cannot do: upload instead.
            options.log().debug(registry() + ": " + what + " refused (HTTP " + r.status() + "); uploading instead");
            return new MountResult(false, Optional.empty());
        }
    }

    /** Where upload bytes come from: the blob, opened at any offset (for resumed uploads). */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open(long offset) throws IOException;
    }

    /**
     * Uploads a blob: one PUT with its length up to the chunk threshold, chunked PATCHes with
     * {@code Content-Range} above it, resuming from the session's status after a failure.
     *
     * @param session an upload location to use (from a refused mount), else a new one is started
     */
    public void uploadBlob(String repository, Descriptor blob, BlobSource source, Optional<String> session,
            TransferProgress progress) throws IOException {
        String what = "upload blob " + blob.digest().shortHex() + " to " + repository;
        UploadSession s = session.isPresent() ? new UploadSession(session.get(), OptionalLong.empty())
                : startUpload(repository, what);
        if (blob.size() <= options.chunkThreshold()) {
            putWhole(repository, blob, source, s.location(), what, progress);
        } else {
            new ChunkedUpload(http, repository, blob, source, s, what, progress).run();
        }
    }

    /** An upload in progress: where to send bytes, and the smallest chunk the registry takes. */
    record UploadSession(String location, OptionalLong minChunk) {
    }

    private UploadSession startUpload(String repository, String what) throws IOException {
        HttpTransport.Request req = new HttpTransport.Request("POST", "/v2/" + repository + "/blobs/uploads/", Map.of(),
                Optional.of(HttpTransport.Body.of(new byte[0])), push(repository), false, what + " (start)");
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() != 202) {
                throw http.error(r, req);
            }
            String location = r.location().orElseThrow(() -> new RegistryException(registry() + ": " + what
                    + ": the registry started an upload but gave no Location", 202, Optional.empty()));
            OptionalLong min = r.header("OCI-Chunk-Min-Length").map(v -> OptionalLong.of(Long.parseLong(v.trim())))
                    .orElse(OptionalLong.empty());
            return new UploadSession(location, min);
        }
    }

    private void putWhole(String repository, Descriptor blob, BlobSource source, String location, String what,
            TransferProgress progress) throws IOException {
        HttpTransport.Body body = HttpTransport.Body.streamed(() -> {
            progress.reset(); // every try starts the count again
            return progress.counting(source.open(0));
        }, blob.size(), true);
        HttpTransport.Request req = new HttpTransport.Request("PUT", withDigest(location, blob.digest()),
                Map.of("Content-Type", "application/octet-stream"), Optional.of(body), push(repository), false, what);
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() != 201) {
                throw http.error(r, req);
            }
        }
    }

    static String withDigest(String location, Digest digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + enc(digest.toString());
    }

    /** The last byte offset the server holds from a {@code Range: 0-N} header, or -1 for none. */
    static long rangeEnd(Optional<String> range) {
        if (range.isEmpty()) {
            return -1;
        }
        Matcher m = RANGE.matcher(range.get().trim());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String manifestPath(String repository, String reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    private static boolean isDigest(String reference) {
        return reference.contains(":");
    }

    private static String refSuffix(String reference) {
        return isDigest(reference) ? "@" + reference : ":" + reference;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

}
