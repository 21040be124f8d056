package dev.jbuild.cli;

import dev.jbuild.builder.cache.ContentIndex;
import dev.jbuild.builder.copy.CopySource;
import dev.jbuild.builder.copy.SourceDigest;
import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.ignore.IgnoreFiles;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.Planner;
import dev.jbuild.dockerfile.plan.Platform;
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
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jbuild debug warmup} (hidden): loads the classes the common commands need — picocli's
 * help, Jackson and the image model, the store, the JDK's HTTP client and TLS, the Dockerfile front
 * end and the build cache's context digest — without touching
 * the network or the user's store. The launcher runs it once after each build with
 * {@code -XX:ArchiveClassesAtExit}, so the class-data-sharing archive covers pulls and pushes, not
 * only whichever command happened to run first.
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
            warmUpBuildFrontEnd(tmp);
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
     * What every build does before its first step, and all a rebuild from the cache does: parse
     * and plan a Dockerfile, read the ignore file, digest a context through its content index.
     */
    private static void warmUpBuildFrontEnd(Path tmp) throws Exception {
        Path context = Files.createDirectories(tmp.resolve("context"));
        Files.writeString(context.resolve("Dockerfile"), """
                ARG BASE=scratch
                FROM $BASE AS build
                ENV A=1
                WORKDIR /src
                COPY --chown=1:1 . /src/
                RUN --mount=type=cache,target=/cache echo "$A"
                FROM scratch
                COPY --from=build /src /app
                CMD ["/app/run"]
                """);
        Files.writeString(context.resolve(".dockerignore"), "*.md\n");
        Dockerfile df = Dockerfile.read(context.resolve("Dockerfile"));
        Planner.plan(df, new PlanOptions(Optional.empty(), Map.of(), Platform.host(), Platform.host()));
        IgnorePatterns ignore = IgnoreFiles.load(context, context.resolve("Dockerfile"));
        ContentIndex index = ContentIndex.load(tmp.resolve("index"));
        SourceDigest.of(CopySource.context(context, ignore), List.of("."), index);
        index.save();
    }
}
