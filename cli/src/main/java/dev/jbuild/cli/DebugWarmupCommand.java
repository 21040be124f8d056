package dev.jbuild.cli;

import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.ManifestDocument;
import dev.jbuild.oci.MediaTypes;
import dev.jbuild.oci.store.LocalStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jbuild debug warmup} (hidden): loads the classes the common commands need — picocli's
 * help, Jackson and the image model, the store, the JDK's HTTP client and TLS — and runs builds
 * and rebuilds from the cache in a scratch store, without touching the network or the user's
 * store. The launcher runs it once after each build of the jar with {@code -XX:AOTCacheOutput}
 * (JDK 25 and later) or {@code -XX:ArchiveClassesAtExit}, so what it records covers builds, pulls
 * and pushes, not only whichever command happened to run first.
 */
@Command(name = "warmup", hidden = true, description = "Load the common classes (for the class-data archive).")
final class DebugWarmupCommand implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        loadOwnClasses();
        CommandLine cli = JbuildCommand.commandLine();
        StringWriter sink = new StringWriter();
        for (CommandLine sub : cli.getSubcommands().values()) {
            sub.usage(new PrintWriter(sink));
        }
        Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)), List.of());
        byte[] json = Json.write(m);
        ManifestDocument.read(json, Optional.of(MediaTypes.OCI_MANIFEST), "warm-up");
        Digest.sha256(json);
        Path tmp = Files.createTempDirectory("jbuild-warmup");
        try {
            LocalStore store = LocalStore.open(tmp.resolve("store"));
            store.images();
            store.blobs().write(json);
            warmUpBuilds(tmp);
        } finally {
            Trees.deleteRecursively(tmp);
        }
        SSLContext.getDefault();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        try {
            // Port 1 on loopback refuses at once: the request path is loaded, nothing is sent anywhere.
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/v2/")).timeout(Duration.ofSeconds(1))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException expected) {
            // connection refused
        }
        return 0;
    }

    /**
     * Loads, without initialising, every class of jbuild and picocli in the jar: the build engine's
     * too, which the warm-up cannot run (it needs root and a base image), so that a rebuild from
     * the cache maps them from the archive instead of reading and verifying them from the jar.
     */
    private static void loadOwnClasses() throws Exception {
        Path jar = Path.of(DebugWarmupCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(jar)) {
            return; // classes from a directory (tests): no archive is made from them
        }
        ClassLoader loader = DebugWarmupCommand.class.getClassLoader();
        try (JarFile classes = new JarFile(jar.toFile())) {
            for (JarEntry e : Collections.list(classes.entries())) {
                String name = e.getName();
                if ((name.startsWith("dev/jbuild/") || name.startsWith("picocli/")) && name.endsWith(".class")
                        && !name.endsWith("-info.class")) {
                    try {
                        Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
                    } catch (LinkageError | ClassNotFoundException skipped) {
                        // optional dependencies of a class; it simply stays out of the archive
                    }
                }
            }
        }
    }

    /**
     * A developer's edit-build loop in a scratch store: a first build, a rebuild from the cache, an
     * image built on the first one, and the same after a file changed. No RUN (it needs root and a
     * runtime), but everything else a rebuild does: parse, plan, the ignore file, the context's
     * listing and digest, cache lookups, layer writing, image writing and tagging. With JDK 25's
     * ahead-of-time cache the profile of this run is kept too, so a real rebuild starts compiled
     * where it matters (a no-op rebuild takes half the time it takes after a plain class load).
     * Best effort: a warm-up build that fails only makes the archive a little less complete.
     */
    private static void warmUpBuilds(Path tmp) throws Exception {
        Path context = Files.createDirectories(tmp.resolve("context/src"));
        // Enough for a layer of several chunks, the first a big file's alone: the rebuild after
        // file0 changed then takes that chunk over and finds the later chunks' members, as a real
        // one-file rebuild does (classes, lambdas and profiles of that path are kept).
        for (int i = 0; i < 400; i++) {
            Files.writeString(context.resolve("file" + i + ".txt"), ("warm-up file " + i + "\n").repeat(250));
        }
        Path dir = context.getParent();
        byte[] big = new byte[3 << 19];
        new java.util.Random(1).nextBytes(big);
        Files.write(Files.createDirectories(dir.resolve("big")).resolve("blob.bin"), big);
        Files.writeString(dir.resolve("README.md"), "not copied\n");
        Files.writeString(dir.resolve(".dockerignore"), "*.md\n");
        Files.writeString(dir.resolve("Dockerfile"), """
                FROM scratch
                ARG VERSION=1
                ENV VERSION=$VERSION
                COPY . /app
                LABEL warm=up
                """);
        Files.writeString(dir.resolve("Dockerfile.app"), """
                FROM jbuild-warmup/base:1
                WORKDIR /srv
                COPY --chmod=644 src/ ./
                CMD ["/srv/run"]
                """);
        String root = tmp.resolve("build-store").toString();
        PrintWriter sink = new PrintWriter(new StringWriter());
        for (int round = 0; round < 3; round++) {
            if (round == 2) {
                Files.writeString(context.resolve("file0.txt"), "changed");
            }
            Main.run(sink, sink, "build", "--root", root, "--progress", "plain", "-t", "jbuild-warmup/base:1",
                    dir.toString());
            Main.run(sink, sink, "build", "--root", root, "--progress", "plain", "--pull=never", "-f",
                    dir.resolve("Dockerfile.app").toString(), "-t", "jbuild-warmup/app:1", dir.toString());
        }
    }
}
