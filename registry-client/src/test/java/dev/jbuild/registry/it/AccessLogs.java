package dev.jbuild.registry.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jbuild.oci.Digest;
import dev.jbuild.registry.it.RegistryServer.AccessLogEntry;
import java.net.URLDecoder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a client did from a registry's access log ({@link RegistryServer#accessLog()}): blob
 * downloads, finished uploads, the PATCH chunks of each upload (tied to its blob through the
 * upload's id), and cross-repository mounts.
 */
final class AccessLogs {
    private static final Pattern UPLOAD_ID = Pattern.compile("/blobs/uploads/([0-9a-fA-F-]{36})");
    private static final Pattern DIGEST_PARAM = Pattern.compile("[?&]digest=([^&]+)");

    private AccessLogs() {
    }

    /** Successful {@code GET}s of the blob, in any repository. */
    static long blobGets(List<AccessLogEntry> log, Digest digest) {
        String suffix = "/blobs/" + digest;
        return log.stream()
                .filter(e -> e.method().equals("GET") && e.status() / 100 == 2 && e.path().startsWith("/v2/")
                        && e.path().endsWith(suffix))
                .count();
    }

    /** Successful {@code GET}s of any blob. */
    static long blobGets(List<AccessLogEntry> log) {
        return log.stream()
                .filter(e -> e.method().equals("GET") && e.status() / 100 == 2 && e.path().matches("/v2/.+/blobs/sha256:[0-9a-f]{64}"))
                .count();
    }

    /** Requests that move upload bytes or start uploads: {@code POST}, {@code PATCH}, {@code PUT} under {@code /blobs/uploads/}. */
    static long uploadRequests(List<AccessLogEntry> log) {
        return log.stream()
                .filter(e -> e.path().contains("/blobs/uploads/")
                        && (e.method().equals("POST") || e.method().equals("PATCH") || e.method().equals("PUT")))
                .count();
    }

    /** Blobs whose upload finished (the closing {@code PUT ...?digest=} answered 201), with their count. */
    static Map<Digest, Integer> finishedUploads(List<AccessLogEntry> log) {
        Map<Digest, Integer> out = new HashMap<>();
        for (AccessLogEntry e : log) {
            if (e.method().equals("PUT") && e.status() == 201 && e.path().contains("/blobs/uploads/")) {
                digestParam(e.path()).ifPresent(d -> out.merge(d, 1, Integer::sum));
            }
        }
        return out;
    }

    /** For every finished upload, the number of {@code PATCH} chunks sent in its session. */
    static Map<Digest, Integer> patchesPerBlob(List<AccessLogEntry> log) {
        Map<String, Integer> patchesById = new HashMap<>();
        for (AccessLogEntry e : log) {
            if (e.method().equals("PATCH")) {
                Matcher m = UPLOAD_ID.matcher(e.path());
                if (m.find()) {
                    patchesById.merge(m.group(1), 1, Integer::sum);
                }
            }
        }
        Map<Digest, Integer> out = new HashMap<>();
        for (AccessLogEntry e : log) {
            if (e.method().equals("PUT") && e.status() == 201) {
                Matcher m = UPLOAD_ID.matcher(e.path());
                if (m.find()) {
                    String id = m.group(1);
                    digestParam(e.path()).ifPresent(d -> out.put(d, patchesById.getOrDefault(id, 0)));
                }
            }
        }
        return out;
    }

    /** Mount requests ({@code POST ...?mount=&from=}) that the registry answered 201. */
    static long mounts(List<AccessLogEntry> log) {
        return log.stream()
                .filter(e -> e.method().equals("POST") && e.path().contains("mount=") && e.status() == 201)
                .count();
    }

    /** Requests with {@code method} whose path starts with {@code prefix}. */
    static long count(List<AccessLogEntry> log, String method, String prefix) {
        return log.stream().filter(e -> e.method().equals(method) && e.path().startsWith(prefix)).count();
    }

    private static Optional<Digest> digestParam(String path) {
        Matcher m = DIGEST_PARAM.matcher(path);
        return m.find() ? Optional.of(Digest.parse(URLDecoder.decode(m.group(1), UTF_8)))
                : Optional.empty();
    }
}
