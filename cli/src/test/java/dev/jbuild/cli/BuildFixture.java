package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.testkit.Required;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the {@code Build*IT} tests share: a store holding {@code busybox:local} (made once per test
 * JVM by {@code testdata/base/make-busybox-image.sh}, then copied, since every build test needs
 * it), the packaged jar run in its own process as users run it, external tools, and looks at what
 * a build may leave behind (overlay mounts, runc containers, scratch directories).
 */
final class BuildFixture {
    /** The base image every build test starts FROM, as make-busybox-image.sh names it. */
    static final String BASE = "busybox:local";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path baseStore;

    /** A finished command: exit status and everything it printed. */
    record Run(int status, String out, String err) {
        /** For assertion messages: enough to see why a command did what it did. */
        String describe() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        /** The last line of stdout: what {@code jbuild build} prints last is the manifest digest. */
        String digest() {
            List<String> lines = out.lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
        }
    }

    final Path work;
    final Path store;
    private final Map<String, String> env = new HashMap<>();

    /** A fixture working in {@code work} with its own store, {@code work/store}, holding the base image. */
    BuildFixture(Path work) throws Exception {
        this.work = work;
        this.store = work.resolve("store");
        Required.root("builds mount overlays and run containers");
        Required.tools("runc", "busybox");
        copyTree(baseStore(), store);
    }

    static Path repository() {
        return Path.of(System.getProperty("jbuild.repository"));
    }

    static Path jar() {
        return repository().resolve("cli/target/jbuild.jar");
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Sets (or with {@code null} removes) an environment variable of the jbuild processes. */
    BuildFixture env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** The command line of the packaged jar with {@code args}. */
    List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                jar().toString()));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** A process builder for {@code cmd} with this fixture's store, home and docker config. */
    ProcessBuilder processBuilder(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
        Map<String, String> e = pb.environment();
        e.put("JBUILD_ROOT", store.toString());
        e.put("HOME", work.toString());
        e.put("DOCKER_CONFIG", work.resolve("docker").toString());
        // Nothing from the environment the tests run in may change what a build does.
        e.remove("JBUILD_INSECURE_REGISTRIES");
        e.remove("SOURCE_DATE_EPOCH");
        env.forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        return pb;
    }

    /** Runs jbuild with {@code args}, standard input empty. */
    Run jbuild(String... args) throws IOException, InterruptedException {
        return jbuildWithInput(null, args);
    }

    /** Runs jbuild with {@code stdin} as its standard input. */
    Run jbuildWithInput(String stdin, String... args) throws IOException, InterruptedException {
        return run(processBuilder(command(args)), stdin, 180);
    }

    /** Runs a command to its end; stdout and stderr go to files so a chatty one never blocks. */
    static Run run(ProcessBuilder pb, String stdin, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("jbuild-it-", ".out");
        Path err = Files.createTempFile("jbuild-it-", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(pb.command() + " did not finish in " + timeoutSeconds + " s; stderr:\n"
                        + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs an external tool, which must succeed; returns its stdout. */
    static String tool(String... cmd) throws IOException, InterruptedException {
        Run r = run(new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))), null, 120);
        assertEquals(0, r.status(), List.of(cmd) + ": " + r.describe());
        return r.out();
    }

    /** Builds {@code args} (a context last), which must succeed; returns the digest it printed. */
    String build(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("build"));
        all.addAll(Arrays.asList(args));
        Run r = jbuild(all.toArray(String[]::new));
        assertEquals(0, r.status(), r.describe());
        assertTrue(r.digest().matches("sha256:[0-9a-f]{64}"), r.describe());
        return r.digest();
    }

    /** A build context {@code work/name} with a Dockerfile and other files (name, content pairs). */
    Path context(String name, String dockerfile, String... files) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        for (int i = 0; i + 1 < files.length; i += 2) {
            Path f = dir.resolve(files[i]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, files[i + 1]);
        }
        return dir;
    }

    /** The manifest digest the store's index names {@code name} (familiar form, e.g. {@code app:1}). */
    String storedDigest(String name) throws IOException {
        String full = name.contains("/") ? name : "docker.io/library/" + name;
        for (JsonNode m : JSON.readTree(store.resolve("index.json").toFile()).path("manifests")) {
            if (full.equals(m.path("annotations").path("io.containerd.image.name").asText())) {
                return m.path("digest").asText();
            }
        }
        return "";
    }

    /** A JSON blob of the store, by digest. */
    JsonNode blobJson(String digest) throws IOException {
        return JSON.readTree(blob(digest).toFile());
    }

    Path blob(String digest) {
        return store.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    static JsonNode readJson(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    static JsonNode readJsonText(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** Overlay (or any) mounts at or below the store, from this process's mount table. */
    List<String> mountsUnderStore() throws IOException {
        String prefix = store.toAbsolutePath().normalize().toString();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 1 && (f[1].equals(prefix) || f[1].startsWith(prefix + "/"))) {
                out.add(f[0] + " on " + f[1]);
            }
        }
        return out;
    }

    /** The runc containers in jbuild's state directory for this store ({@code STORE/runc/runc}). */
    List<String> containers() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (Path state : List.of(store.resolve("runc"), store.resolve("runc/runc"))) {
            if (Files.isDirectory(state)) {
                tool("runc", "--root", state.toString(), "list", "-q").lines().filter(l -> !l.isBlank())
                        .forEach(out::add);
            }
        }
        return out;
    }

    /** The build scratch directories left in the store ({@code STORE/tmp/build-*}). */
    List<String> scratchDirs() throws IOException {
        Path tmp = store.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("build-")).sorted().toList();
        }
    }

    /** Asserts that the store holds no mount, no container and no scratch directory of a build. */
    void assertNothingLeft(String when) throws IOException, InterruptedException {
        assertEquals(List.of(), mountsUnderStore(), "mounts " + when);
        assertEquals(List.of(), containers(), "containers " + when);
        assertEquals(List.of(), scratchDirs(), "scratch directories " + when);
    }

    /** Whether a process whose command line is exactly {@code cmdline} (words) is running. */
    static boolean processRunning(String... cmdline) throws IOException {
        String wanted = String.join("\0", cmdline) + "\0";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).equals(wanted)) {
                        return true;
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return false;
    }

    static void assertNoStackTrace(Run r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "a stack trace:\n" + r.err());
    }

    /**
     * The store with the base image, made once per test JVM (the script runs the launcher, which
     * costs a few seconds) under the cli module's target directory, and deleted at exit.
     */
    private static synchronized Path baseStore() throws Exception {
        if (baseStore == null) {
            Path target = Files.createDirectories(repository().resolve("cli/target/build-it"));
            Path dir = Files.createTempDirectory(target, "base-");
            Path s = dir.resolve("store");
            ProcessBuilder pb = new ProcessBuilder(repository().resolve("testdata/base/make-busybox-image.sh").toString(),
                    BASE, "--root", s.toString()).redirectErrorStream(true);
            pb.environment().put("JAVA", java());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, "make-busybox-image.sh:\n" + out);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
            baseStore = s;
        }
        return baseStore;
    }

    /** {@code cp -a}: keeps modes, owners and links, which a store's blobs do not need but snapshots do. */
    static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        Files.createDirectories(to.getParent());
        tool("cp", "-a", from.toString(), to.toString());
    }

    /**
     * Empties a test's temporary directory with {@code rm -rf}: JUnit's own cleanup would warn
     * about every image symlink pointing out of it (busybox's applets link to /bin/busybox).
     */
    static void empty(Path dir) throws IOException, InterruptedException {
        if (Files.isDirectory(dir)) {
            tool("find", dir.toString(), "-mindepth", "1", "-maxdepth", "1", "-exec", "rm", "-rf", "{}", "+");
        }
    }

    static void deleteQuietly(Path dir) {
        try {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        } catch (IOException | InterruptedException e) {
            // best effort at exit
        }
    }
}
