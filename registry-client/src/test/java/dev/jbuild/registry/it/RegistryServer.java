package dev.jbuild.registry.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Debian {@code docker-registry} (distribution 2.8.2) serving on {@code 127.0.0.1} at a free
 * port, for the registry client's integration tests. Each instance owns a fresh directory it creates
 * under the caller's work directory (normally a JUnit {@code @TempDir}): the generated
 * {@code config.yml}, the filesystem storage root ({@link #storageDir()}), the process log
 * ({@link #logFile()}, level warn) and, in basic mode, the bcrypt {@code htpasswd} file. Three modes
 * exist: no auth ({@link #start}), htpasswd Basic auth ({@link #startBasic}) and docker token auth
 * against a test-side {@link TokenIssuer} ({@link #startToken}). Deletes are enabled in storage.
 * Starting returns once {@code GET /v2/} answers 200 or 401 (at most about 15 s); a failed start
 * reports the tail of the registry log. {@link #close()} stops the process (destroy, then
 * destroyForcibly after 5 s) and deletes no files, so logs stay readable until the temp dir is
 * cleaned. When {@code docker-registry} (or {@code htpasswd}, {@code skopeo} where needed) is not
 * installed, the calling test is skipped, unless {@code JBUILD_REQUIRE_PRIVILEGED=1}, where it fails.
 *
 * <p>The registry's access log is off unless asked for ({@link #startWithAccessLog}, or
 * {@link Options#accessLog}); with it on, {@link #accessLog()} lists every request the registry
 * answered, so tests can count what a client really sent (blob GETs, upload POSTs, PATCH chunks).
 */
public final class RegistryServer implements AutoCloseable {

    /** How the registry authenticates clients. */
    public enum Mode {
        NONE,
        BASIC,
        TOKEN
    }

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration SKOPEO_TIMEOUT = Duration.ofSeconds(120);
    private static final int PORT_ATTEMPTS = 3;
    private static final Duration ACCESS_LOG_WAIT = Duration.ofSeconds(5);
    private static final Pattern ACCESS_LINE =
            Pattern.compile(
                    "^\\S+ \\S+ \\S+ \\[[^\\]]*\\] \"(\\S+) (\\S+) [^\"]*\" (\\d{3}) \\S+ \"[^\"]*\" \"([^\"]*)\"");

    /**
     * What to start beyond the mode: {@code accessLog} keeps the registry's access log (one line per
     * answered request, in the process log) enabled.
     */
    public record Options(boolean accessLog) {
        /** The defaults: no access log. */
        public static Options defaults() {
            return new Options(false);
        }

        public Options withAccessLog(boolean on) {
            return new Options(on);
        }
    }

    /**
     * One request as the registry's access log recorded it.
     *
     * @param method the HTTP method
     * @param path the request target as sent (path and query)
     * @param status the status answered
     * @param userAgent the client's {@code User-Agent}
     */
    public record AccessLogEntry(String method, String path, int status, String userAgent) {}

    private final Mode mode;
    private final Path dir;
    private final Path storageDir;
    private final Path logFile;
    private final int port;
    private final Process process;
    private final Thread shutdownHook;
    private final String user;
    private final String password;
    private final Options options;

    private RegistryServer(
            Mode mode,
            Path dir,
            Path storageDir,
            Path logFile,
            int port,
            Process process,
            String user,
            String password,
            Options options) {
        this.mode = mode;
        this.options = options;
        this.dir = dir;
        this.storageDir = storageDir;
        this.logFile = logFile;
        this.port = port;
        this.process = process;
        this.user = user;
        this.password = password;
        this.shutdownHook = new Thread(this::stopProcess, "registry-server-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a registry without authentication. */
    public static RegistryServer start(Path workDir) {
        return start(workDir, Options.defaults());
    }

    /** Starts a registry without authentication, shaped by {@code options}. */
    public static RegistryServer start(Path workDir, Options options) {
        return launch(workDir, Mode.NONE, null, null, null, options);
    }

    /** Starts a registry without authentication whose access log is on ({@link #accessLog()}). */
    public static RegistryServer startWithAccessLog(Path workDir) {
        return start(workDir, Options.defaults().withAccessLog(true));
    }

    /** Starts a registry with htpasswd Basic auth accepting exactly {@code user}/{@code password}. */
    public static RegistryServer startBasic(Path workDir, String user, String password) {
        return launch(workDir, Mode.BASIC, user, password, null, Options.defaults());
    }

    /**
     * Starts a registry with docker token auth: realm, service, issuer and root certificate come from
     * {@code issuer}. {@link #seedWithSkopeo} authenticates as the issuer's first configured user.
     */
    public static RegistryServer startToken(Path workDir, TokenIssuer issuer) {
        Map.Entry<String, String> first =
                issuer.users().entrySet().stream().findFirst().orElse(null);
        return launch(
                workDir,
                Mode.TOKEN,
                first == null ? null : first.getKey(),
                first == null ? null : first.getValue(),
                issuer,
                Options.defaults());
    }

    /** {@code "127.0.0.1:PORT"}, the registry part of an image reference. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** {@code "http://127.0.0.1:PORT"}. */
    public String url() {
        return "http://" + host();
    }

    /** The TCP port the registry listens on. */
    public int port() {
        return port;
    }

    /** The authentication mode this registry was started with. */
    public Mode mode() {
        return mode;
    }

    /** The filesystem storage root ({@code storage.filesystem.rootdirectory}). */
    public Path storageDir() {
        return storageDir;
    }

    /** The registry's combined stdout/stderr log. */
    public Path logFile() {
        return logFile;
    }

    /** The directory this instance created and owns (config, storage, log). */
    public Path directory() {
        return dir;
    }

    /** Whether the registry process is still running. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * Every request the registry has answered so far, in the order it logged them. To be sure the
     * lines of requests that just completed are written, this first sends a marker request of its
     * own and waits (at most 5 s) for it to appear; the marker is not in the returned list.
     *
     * @throws IllegalStateException when the registry was started without the access log
     */
    public List<AccessLogEntry> accessLog() {
        if (!options.accessLog()) {
            throw new IllegalStateException(this + " was started without the access log (Options.accessLog)");
        }
        String marker = "/v2/?access-log-marker=" + UUID.randomUUID();
        HttpClient client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
        try {
            client.send(
                    HttpRequest.newBuilder(URI.create(url() + marker)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException("could not send the access log marker to " + host(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        long deadline = System.nanoTime() + ACCESS_LOG_WAIT.toNanos();
        while (true) {
            List<AccessLogEntry> entries = new ArrayList<>();
            boolean sawMarker = false;
            try {
                for (String line : Files.readAllLines(logFile, UTF_8)) {
                    Matcher m = ACCESS_LINE.matcher(line);
                    if (!m.find()) {
                        continue;
                    }
                    if (m.group(2).equals(marker)) {
                        sawMarker = true;
                        continue;
                    }
                    if (m.group(2).contains("access-log-marker=")) {
                        continue; // an earlier call's marker
                    }
                    entries.add(
                            new AccessLogEntry(m.group(1), m.group(2), Integer.parseInt(m.group(3)), m.group(4)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + logFile, e);
            }
            if (sawMarker) {
                return entries;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the access log of " + this + " never showed the marker request; log tail:\n" + logTail(20));
            }
            sleep(20);
        }
    }

    /** How many logged requests have {@code method} and a path matching {@code pathRegex} in full. */
    public long countRequests(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return accessLog().stream()
                .filter(e -> e.method().equals(method) && p.matcher(e.path()).matches())
                .count();
    }

    /** The last {@code lines} lines of the registry log, for failure messages. */
    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    /**
     * Pushes {@code oci:ociLayoutDir:tag} to {@code docker://host()/repoAndTag} with skopeo, using the
     * registry's credentials in basic and token mode. Returns the pushed manifest digest as skopeo
     * reports it ({@code sha256:...}).
     */
    public String seedWithSkopeo(Path ociLayoutDir, String tag, String repoAndTag) {
        Path skopeo = Required.tool("skopeo");
        Path digestFile = dir.resolve("skopeo-digest-" + System.nanoTime());
        List<String> cmd = new ArrayList<>();
        cmd.add(skopeo.toString());
        cmd.add("--insecure-policy");
        cmd.add("copy");
        cmd.add("--quiet");
        cmd.add("--dest-tls-verify=false");
        if (mode != Mode.NONE && user != null) {
            cmd.add("--dest-creds");
            cmd.add(user + ":" + password);
        }
        cmd.add("--digestfile");
        cmd.add(digestFile.toString());
        cmd.add("oci:" + ociLayoutDir.toAbsolutePath() + ":" + tag);
        cmd.add("docker://" + host() + "/" + repoAndTag);
        ProcessResult result = run(cmd, SKOPEO_TIMEOUT);
        if (result.exitCode != 0) {
            throw new IllegalStateException(
                    "skopeo copy to "
                            + host()
                            + "/"
                            + repoAndTag
                            + " failed (exit "
                            + result.exitCode
                            + "):\n"
                            + result.output
                            + "\n--- registry log tail ---\n"
                            + logTail(30));
        }
        try {
            return Files.readString(digestFile, UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("skopeo wrote no digest file " + digestFile, e);
        }
    }

    /** Stops the registry process; files are left for the owner of the work directory. */
    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // JVM already exiting; the hook does the same work
        }
    }

    @Override
    public String toString() {
        return "RegistryServer[" + mode + " " + url() + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static RegistryServer launch(
            Path workDir, Mode mode, String user, String password, TokenIssuer issuer, Options options) {
        Path binary = Required.tool("docker-registry");
        try {
            Files.createDirectories(workDir);
            Path dir = Files.createTempDirectory(workDir, "registry-");
            Path storage = Files.createDirectories(dir.resolve("storage"));
            String authBlock = "";
            if (mode == Mode.BASIC) {
                Path htpasswd = dir.resolve("htpasswd");
                writeHtpasswd(htpasswd, user, password);
                authBlock =
                        "auth:\n"
                                + "  htpasswd:\n"
                                + "    realm: jbuild-test\n"
                                + "    path: "
                                + yaml(htpasswd.toString())
                                + "\n";
            } else if (mode == Mode.TOKEN) {
                authBlock =
                        "auth:\n"
                                + "  token:\n"
                                + "    realm: "
                                + yaml(issuer.realm())
                                + "\n"
                                + "    service: "
                                + yaml(issuer.service())
                                + "\n"
                                + "    issuer: "
                                + yaml(issuer.issuer())
                                + "\n"
                                + "    rootcertbundle: "
                                + yaml(issuer.certificatePem().toString())
                                + "\n";
            }
            IllegalStateException lastFailure = null;
            for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
                int port = freePort();
                Path log = dir.resolve("registry-" + port + ".log");
                Path config = dir.resolve("config-" + port + ".yml");
                Files.writeString(config, config(storage, port, authBlock, options.accessLog()), UTF_8);
                ProcessBuilder pb = new ProcessBuilder(binary.toString(), "serve", config.toString());
                pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
                pb.redirectErrorStream(true);
                pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
                pb.redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
                Process process = pb.start();
                RegistryServer server =
                        new RegistryServer(mode, dir, storage, log, port, process, user, password, options);
                try {
                    server.awaitReady();
                    return server;
                } catch (IllegalStateException e) {
                    server.close();
                    lastFailure = e;
                    if (!tail(log, 50).contains("address already in use")) {
                        break;
                    }
                }
            }
            throw lastFailure;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start docker-registry under " + workDir, e);
        }
    }

    private static String config(Path storage, int port, String authBlock, boolean accessLog) {
        return "version: 0.1\n"
                + "log:\n"
                + "  level: warn\n"
                + "  formatter: text\n"
                + "  accesslog:\n"
                + "    disabled: "
                + !accessLog
                + "\n"
                + "storage:\n"
                + "  filesystem:\n"
                + "    rootdirectory: "
                + yaml(storage.toString())
                + "\n"
                + "  delete:\n"
                + "    enabled: true\n"
                + "  maintenance:\n"
                + "    uploadpurging:\n"
                + "      enabled: false\n"
                + "http:\n"
                + "  addr: 127.0.0.1:"
                + port
                + "\n"
                + "  secret: jbuild-test-http-secret\n"
                + authBlock;
    }

    private void awaitReady() {
        HttpClient client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(1))
                        .build();
        HttpRequest ping =
                HttpRequest.newBuilder(URI.create(url() + "/v2/"))
                        .timeout(Duration.ofSeconds(2))
                        .GET()
                        .build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String lastError = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "docker-registry exited with "
                                + process.exitValue()
                                + " while starting on "
                                + host()
                                + "; log "
                                + logFile
                                + ":\n"
                                + logTail(40));
            }
            try {
                HttpResponse<Void> r = client.send(ping, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || r.statusCode() == 401) {
                    return;
                }
                lastError = "GET /v2/ answered " + r.statusCode();
            } catch (IOException e) {
                lastError = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for docker-registry", e);
            }
            sleep(100);
        }
        throw new IllegalStateException(
                "docker-registry on "
                        + host()
                        + " not ready after "
                        + STARTUP_TIMEOUT.toSeconds()
                        + " s ("
                        + lastError
                        + "); log "
                        + logFile
                        + ":\n"
                        + logTail(40));
    }

    private static void writeHtpasswd(Path file, String user, String password) throws IOException {
        Path htpasswd = Required.tool("htpasswd");
        ProcessResult r =
                run(
                        List.of(htpasswd.toString(), "-Bbn", user, password),
                        Duration.ofSeconds(30),
                        /* mergeStderr= */ false);
        if (r.exitCode != 0 || !r.output.startsWith(user + ":")) {
            throw new IllegalStateException("htpasswd -Bbn failed (exit " + r.exitCode + "): " + r.output);
        }
        Files.writeString(file, r.output.strip() + "\n", UTF_8);
    }


    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** A double-quoted YAML scalar. */
    private static String yaml(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no log file " + file + ")";
            }
            List<String> all = Files.readAllLines(file, UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static final class ProcessResult {
        final int exitCode;
        final String output;

        ProcessResult(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    static ProcessResult run(List<String> cmd, Duration timeout) {
        return run(cmd, timeout, true);
    }

    /** Runs a short helper command, returning its exit code and output; kills it after timeout. */
    static ProcessResult run(List<String> cmd, Duration timeout, boolean mergeStderr) {
        try {
            Path out = Files.createTempFile("jbuild-it-cmd", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.redirectErrorStream(mergeStderr);
                if (!mergeStderr) {
                    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
                }
                pb.redirectOutput(out.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    return new ProcessResult(
                            -1, "timed out after " + timeout.toSeconds() + " s: " + cmd + "\n" + Files.readString(out, UTF_8));
                }
                return new ProcessResult(p.exitValue(), Files.readString(out, UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }
}
