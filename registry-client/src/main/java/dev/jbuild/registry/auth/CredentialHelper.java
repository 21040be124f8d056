package dev.jbuild.registry.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One docker credential helper ({@code docker-credential-NAME}, such as {@code pass},
 * {@code secretservice}, {@code osxkeychain}, {@code ecr-login}), spoken to with the protocol docker
 * uses: the action is the only argument, the server URL or a JSON document goes to stdin, and
 * {@code get} answers {@code {"ServerURL","Username","Secret"}} on stdout. A helper that says
 * {@code credentials not found in native keychain} and exits non-zero means "nothing stored", which
 * {@link #get} and {@link #erase} report as an empty result rather than an error. Every run has a
 * timeout after which the helper and its children are killed, because helpers that prompt (a gpg
 * pinentry, a keychain dialog) would otherwise hang a build forever. Error messages name the helper
 * and the server but never carry the secret: helpers are known to echo their input when they fail, so
 * their output is included only when it does not contain it.
 */
public final class CredentialHelper {
    /** The prefix docker puts before a helper's name to find its executable. */
    public static final String PREFIX = "docker-credential-";
    /** How long one helper run may take; long enough for an unlock prompt, short enough to notice. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    static final String NOT_FOUND_MESSAGE = "credentials not found in native keychain";
    private static final ObjectMapper JSON = new ObjectMapper();
    // Bounds memory if a broken helper floods its output; a real answer is a few hundred bytes.
    private static final int MAX_OUTPUT = 1 << 20;
    // Output quoted in an error message is cut here so a helper's usage text cannot swamp the message.
    private static final int MAX_QUOTED = 500;
    private static final long REAP_MILLIS = 5_000;

    private final Path executable;
    private final String name;
    private final Duration timeout;

    /** A helper at an explicit path, for setups where it is not on {@code PATH} (IDEs, tests). */
    public CredentialHelper(Path executable) {
        this(executable, DEFAULT_TIMEOUT);
    }

    CredentialHelper(Path executable, Duration timeout) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        String file = executable.getFileName() == null ? executable.toString() : executable.getFileName().toString();
        this.name = file.startsWith(PREFIX) ? file.substring(PREFIX.length()) : file;
    }

    /** The directories of {@code $PATH}, in order. */
    static List<Path> searchPath() {
        String path = System.getenv("PATH");
        List<Path> dirs = new ArrayList<>();
        if (path == null) {
            return dirs;
        }
        for (String entry : path.split(File.pathSeparator)) {
            // An empty PATH entry means the current directory to a shell; docker's exec.LookPath
            // refuses to run helpers from there, and so do we.
            if (entry.isEmpty()) {
                continue;
            }
            try {
                dirs.add(Path.of(entry));
            } catch (InvalidPathException e) {
                // An unusable PATH entry cannot hold the helper; skipping it is what a shell does.
            }
        }
        return dirs;
    }

    static CredentialHelper find(String name, List<Path> dirs, String configuredAs, Duration timeout)
            throws IOException {
        // The name comes from a file anyone may have edited; a '/' would turn "find a helper" into
        // "run this path", which docker also refuses.
        if (name == null || name.isEmpty() || name.contains("/") || name.contains(File.separator)) {
            throw new IOException("invalid credential helper name \"" + name + "\" (configured as " + configuredAs
                    + "); it must be the part after " + PREFIX);
        }
        String file = PREFIX + name;
        Path notExecutable = null;
        for (Path dir : dirs) {
            Path candidate = dir.resolve(file);
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return new CredentialHelper(candidate, timeout);
                }
                if (notExecutable == null) {
                    notExecutable = candidate;
                }
            }
        }
        String hint = notExecutable == null
                ? "; install it or remove that setting"
                : "; " + notExecutable + " exists but is not executable";
        throw new IOException(file + " not found on PATH (configured as " + configuredAs + ")" + hint);
    }

    /** The helper's name: what follows {@code docker-credential-}. */
    public String name() {
        return name;
    }

    public Path executable() {
        return executable;
    }

    /**
     * Asks the helper for the credentials of a server.
     *
     * @param serverUrl the key the credentials were stored under ({@code ghcr.io},
     *     {@code https://index.docker.io/v1/} for Docker Hub)
     * @return the credentials, or empty when the helper has none for that server
     */
    public Optional<Credentials> get(String serverUrl) throws IOException {
        Result r = run("get", serverUrl, serverUrl);
        if (r.exit != 0) {
            if (r.notFound()) {
                return Optional.empty();
            }
            // The secret is unknown here, so anything that looks like a credential answer is withheld.
            throw failure("get", serverUrl, r, r.mentions("\"Secret\"") ? "\"Secret\"" : null);
        }
        String out = r.stdout.trim();
        // An empty answer is how some helpers say "nothing here" while exiting 0.
        if (out.isEmpty()) {
            return Optional.empty();
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(out);
        } catch (JsonProcessingException e) {
            // Never quote it: a half-written answer may well hold the secret.
            throw new IOException(describe("get", serverUrl) + " answered something that is not the credential JSON"
                    + " docker expects (output withheld)");
        }
        if (doc == null || !doc.isObject()) {
            throw new IOException(describe("get", serverUrl) + " answered JSON that is not an object (output withheld)");
        }
        String username = text(doc, "Username");
        String secret = text(doc, "Secret");
        if (username.isEmpty() && secret.isEmpty()) {
            return Optional.empty();
        }
        if (username.equals(Credentials.TOKEN_USERNAME)) {
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(Credentials.identityToken(secret));
        }
        if (username.isEmpty()) {
            throw new IOException(describe("get", serverUrl) + " returned a secret without a username");
        }
        return Optional.of(Credentials.basic(username, secret));
    }

    /**
     * Stores credentials in the helper. An identity token is stored under the username
     * {@code <token>}, as docker does, so the username that came with it is not kept.
     */
    public void store(String serverUrl, Credentials credentials) throws IOException {
        Objects.requireNonNull(credentials, "credentials");
        ObjectNode doc = JSON.createObjectNode();
        doc.put("ServerURL", serverUrl);
        doc.put("Username", credentials.hasIdentityToken() ? Credentials.TOKEN_USERNAME : credentials.username());
        doc.put("Secret", credentials.secret());
        String input = JSON.writeValueAsString(doc);
        Result r = run("store", serverUrl, input);
        if (r.exit != 0) {
            throw failure("store", serverUrl, r, credentials.secret());
        }
    }

    /**
     * Removes the credentials of a server from the helper.
     *
     * @return whether the helper had any (false when it said "not found")
     */
    public boolean erase(String serverUrl) throws IOException {
        Result r = run("erase", serverUrl, serverUrl);
        if (r.exit != 0) {
            if (r.notFound()) {
                return false;
            }
            throw failure("erase", serverUrl, r, null);
        }
        return true;
    }

    /**
     * Lists what the helper holds: server URL to username. Not every helper implements it.
     */
    public Map<String, String> list() throws IOException {
        Result r = run("list", null, "");
        if (r.exit != 0) {
            throw failure("list", null, r, null);
        }
        Map<String, String> out = new LinkedHashMap<>();
        String text = r.stdout.trim();
        if (text.isEmpty()) {
            return out;
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IOException(describe("list", null) + " answered something that is not a JSON object");
        }
        if (doc == null || !doc.isObject()) {
            throw new IOException(describe("list", null) + " answered JSON that is not an object");
        }
        for (Map.Entry<String, JsonNode> e : doc.properties()) {
            out.put(e.getKey(), e.getValue().asText(""));
        }
        return out;
    }

    @Override
    public String toString() {
        return "CredentialHelper[" + executable + "]";
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String text(JsonNode doc, String field) {
        JsonNode n = doc.get(field);
        return n == null || n.isNull() ? "" : n.asText("");
    }

    private String describe(String action, String serverUrl) {
        return PREFIX + name + " " + action + (serverUrl == null ? "" : " for " + serverUrl);
    }

    private IOException failure(String action, String serverUrl, Result r, String secret) {
        String output = r.stderr.isBlank() ? r.stdout.strip() : r.stderr.strip();
        String quoted;
        if (output.isEmpty()) {
            quoted = "(no output)";
        } else if (containsSecret(output, secret)) {
            quoted = "(output withheld: it contained the secret)";
        } else {
            quoted = output.length() > MAX_QUOTED ? output.substring(0, MAX_QUOTED) + "…" : output;
        }
        return new IOException(describe(action, serverUrl) + " failed (exit " + r.exit + "): " + quoted);
    }

    /**
     * Whether text shows the secret, raw or as it appears inside the JSON we sent (a helper that
     * echoes its stdin shows the escaped form, e.g. with {@code \"} for a quote).
     */
    static boolean containsSecret(String text, String secret) {
        if (secret == null || secret.isEmpty()) {
            return false;
        }
        if (text.contains(secret) || text.toLowerCase(Locale.ROOT).contains(secret.toLowerCase(Locale.ROOT))) {
            return true;
        }
        try {
            String escaped = JSON.writeValueAsString(secret);
            return text.contains(escaped.substring(1, escaped.length() - 1));
        } catch (JsonProcessingException e) {
            return true;
        }
    }

    private Result run(String action, String serverUrl, String input) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), action);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            // The JDK's message names only the path and errno; no secret can be in it.
            throw new IOException("cannot run " + executable + " (" + describe(action, serverUrl) + "): " + e.getMessage(), e);
        }
        Collector out = new Collector(p.getInputStream(), "stdout");
        Collector err = new Collector(p.getErrorStream(), "stderr");
        out.start();
        err.start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The helper closed stdin early (it exited, or does not read it); its exit code and
            // output say what went wrong far better than "Broken pipe".
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            boolean exited = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (exited) {
                // A child the helper left behind may still hold its stdout; don't wait past the deadline.
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                out.join(left);
                err.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            if (!exited || out.isAlive() || err.isAlive()) {
                kill(p);
                throw new IOException(describe(action, serverUrl) + " did not finish within " + seconds(timeout)
                        + " and was killed; it may be waiting for input (an unlock prompt, a pinentry)"
                        + " that cannot be shown here");
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException(describe(action, serverUrl) + " was interrupted", e);
        }
        return new Result(p.exitValue(), out.text(), err.text());
    }

    /**
     * Kills the helper and everything it started: a shell-script helper waiting on {@code gpg} or
     * {@code sleep} would otherwise leave that child running, holding our pipes open.
     */
    private static void kill(Process p) {
        // Collect the descendants first: once the parent is dead they are re-parented and lost.
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            p.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Result(int exit, String stdout, String stderr) {
        boolean notFound() {
            return mentions(NOT_FOUND_MESSAGE);
        }

        boolean mentions(String s) {
            return stdout.contains(s) || stderr.contains(s);
        }
    }

    /** Drains one pipe of the helper so that neither pipe can fill up and stall it. */
    private static final class Collector extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Collector(InputStream in, String which) {
            super("credential-helper-" + which);
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    synchronized (buf) {
                        // Keep draining past the cap so the helper never blocks on a full pipe.
                        if (buf.size() < MAX_OUTPUT) {
                            buf.write(chunk, 0, Math.min(n, MAX_OUTPUT - buf.size()));
                        }
                    }
                }
            } catch (IOException e) {
                // The pipe was closed under us (the helper was killed); what was read is all there is.
            }
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
