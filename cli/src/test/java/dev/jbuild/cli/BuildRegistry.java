package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code docker-registry} on 127.0.0.1 (a free port, storage and log in {@code dir}), without
 * auth, started as {@code RegistryCommandsIT} starts its own, for the build tests that push. Its
 * log is at level info, which has a line per request: that is how a test sees what was uploaded.
 */
final class BuildRegistry implements AutoCloseable {
    final String host;
    private final Path dir;
    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();

    private BuildRegistry(String host, Path dir, Process process) {
        this.host = host;
        this.dir = dir;
        this.process = process;
    }

    static BuildRegistry start(Path dir) throws Exception {
        Required.tools("docker-registry");
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Files.writeString(dir.resolve("config.yml"), String.join("\n", "version: 0.1",
                "log: {level: info, accesslog: {disabled: true}}",
                "storage:", "  filesystem: {rootdirectory: " + dir.resolve("data") + "}",
                "http:", "  addr: " + host, "  secret: jbuild-test", ""));
        Process p = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        BuildRegistry r = new BuildRegistry(host, dir, p);
        for (int i = 0; ; i++) {
            try {
                if (r.get("/v2/").statusCode() == 200) {
                    return r;
                }
            } catch (IOException notYet) {
                // still starting
            }
            assertTrue(i < 150 && p.isAlive(), "registry did not start: " + r.log());
            Thread.sleep(100);
        }
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("registry.log"));
    }

    /** How many requests with this method the registry has completed (from its info log). */
    long requests(String method) throws IOException {
        return log().lines().filter(l -> l.contains("response completed") && l.contains("http.request.method=" + method))
                .count();
    }

    /** Completed {@code GET}s that sent the blob (from any repository): how often it was downloaded. */
    long blobGets(String digest) throws IOException {
        return log().lines().filter(l -> l.contains("response completed") && l.contains("http.request.method=GET ")
                && l.contains("/blobs/" + digest) && l.contains("http.response.status=200")).count();
    }

    /** Cross-repository mounts the registry did ({@code POST ...?mount=} answered 201). */
    long mounts() throws IOException {
        return log().lines().filter(l -> l.contains("response completed") && l.contains("http.request.method=POST ")
                && l.contains("mount=") && l.contains("http.response.status=201")).count();
    }

    HttpResponse<Void> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + path)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** The digest the registry gives for {@code repo:tag}'s manifest (HEAD, OCI or docker media types). */
    Optional<String> manifestDigest(String repo, String tag) throws IOException, InterruptedException {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo
                        + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
                        + "application/vnd.docker.distribution.manifest.v2+json")
                .build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200 ? r.headers().firstValue("Docker-Content-Digest") : Optional.empty();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
