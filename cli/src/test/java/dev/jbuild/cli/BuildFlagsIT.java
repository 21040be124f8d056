package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options of {@code jbuild build}, each shown by what it does to a real build: the image's
 * files and config, what a RUN step sees, or a refusal with a clear message.
 */
class BuildFlagsIT {
    @TempDir
    static Path work;
    static BuildFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new BuildFixture(work);
    }

    @AfterAll
    static void tearDown() throws Exception {
        BuildFixture.empty(work);
    }

    /** Builds {@code context} with {@code options}; returns the image's root file system ({@code -o type=local}). */
    private static Path rootfs(String name, Path context, String... options) throws Exception {
        Path dest = work.resolve("rootfs-" + name);
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of("-o", "type=local,dest=" + dest, context.toString()));
        fx.build(args.toArray(String[]::new));
        return dest;
    }

    @Test
    void buildArgAndTarget() throws Exception {
        Path ctx = fx.context("stages", """
                FROM busybox:local AS base
                ARG MSG=default
                RUN echo "msg=$MSG" > /msg.txt
                FROM base AS test
                RUN echo test > /stage.txt
                FROM base AS final
                RUN echo final > /stage.txt
                """);
        Path dflt = rootfs("stages-default", ctx);
        assertEquals("msg=default\n", Files.readString(dflt.resolve("msg.txt")));
        assertEquals("final\n", Files.readString(dflt.resolve("stage.txt")), "the last stage is the default target");

        Path test = rootfs("stages-test", ctx, "--build-arg", "MSG=from the command line", "--target", "test");
        assertEquals("msg=from the command line\n", Files.readString(test.resolve("msg.txt")));
        assertEquals("test\n", Files.readString(test.resolve("stage.txt")));
    }

    @Test
    void otherDockerfileAndStandardInput() throws Exception {
        Path ctx = fx.context("files", "FROM busybox:local\nRUN echo from-default > /which\n",
                "docker/Other.dockerfile", "FROM busybox:local\nRUN echo from-other > /which\n");
        Path other = rootfs("other", ctx, "-f", ctx.resolve("docker/Other.dockerfile").toString());
        assertEquals("from-other\n", Files.readString(other.resolve("which")));

        Path dest = work.resolve("rootfs-stdin");
        BuildFixture.Run r = fx.jbuildWithInput("FROM busybox:local\nRUN echo from-stdin > /which\n",
                "build", "-f", "-", "-o", "type=local,dest=" + dest, ctx.toString());
        assertEquals(0, r.status(), r.describe());
        assertEquals("from-stdin\n", Files.readString(dest.resolve("which")));
    }

    @Test
    void labelsEndInTheConfig() throws Exception {
        Path ctx = fx.context("labels", "FROM busybox:local\nLABEL from.file=yes\n");
        String digest = fx.build("-t", "labels:1", "--label", "org.example.team=build", "--label", "from.file=overridden",
                ctx.toString());
        JsonNode labels = config(digest).path("config").path("Labels");
        assertEquals("build", labels.path("org.example.team").asText(), labels.toString());
        assertEquals("overridden", labels.path("from.file").asText(), "--label wins over LABEL, as in buildx");
    }

    @Test
    void foreignPlatformRefused() throws Exception {
        String host = "linux/" + switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
        String foreign = host.equals("linux/arm64") ? "linux/amd64" : "linux/arm64";
        Path ctx = fx.context("platform", "FROM busybox:local\nRUN true\n");
        BuildFixture.Run r = fx.jbuild("build", "--platform", foreign, ctx.toString());
        assertNotEquals(0, r.status());
        assertEquals("jbuild: --platform " + foreign + ": jbuild builds only for this machine's platform (" + host
                + "); it runs no emulator for RUN steps of other platforms\n", r.err());
        // This machine's own platform is no emulation, so it builds.
        fx.build("--platform", host, ctx.toString());
    }

    @Test
    void networkNoneHidesTheHostInterfaces() throws Exception {
        Path ctx = fx.context("network", "FROM busybox:local\nRUN cat /proc/net/dev\n");
        BuildFixture.Run none = fx.jbuild("build", "--network=none", ctx.toString());
        assertEquals(0, none.status(), none.describe());
        assertEquals(Set.of("lo"), interfaces(none.err()), none.describe());

        // The default is the host's network: the RUN step sees the interfaces this test sees (read
        // before and after, in case something on the machine adds or removes one meanwhile).
        Set<String> before = interfaces(Files.readString(Path.of("/proc/net/dev")));
        BuildFixture.Run host = fx.jbuild("build", ctx.toString());
        Set<String> after = interfaces(Files.readString(Path.of("/proc/net/dev")));
        assertEquals(0, host.status(), host.describe());
        Set<String> seen = interfaces(host.err());
        Set<String> always = new TreeSet<>(before);
        always.retainAll(after);
        Set<String> ever = new TreeSet<>(before);
        ever.addAll(after);
        assertTrue(seen.containsAll(always) && ever.containsAll(seen), "RUN saw " + seen + ", the host has " + before);
    }

    @Test
    void isolationUnshareRunsSteps() throws Exception {
        Path ctx = fx.context("unshare", "FROM busybox:local\nRUN echo via-unshare > /how && hostname\n");
        Path dest = work.resolve("rootfs-unshare");
        BuildFixture.Run r = fx.jbuild("build", "--isolation=unshare", "-o", "type=local,dest=" + dest, ctx.toString());
        assertEquals(0, r.status(), r.describe());
        assertEquals("via-unshare\n", Files.readString(dest.resolve("how")));
        assertTrue(r.err().contains("\n  buildkitsandbox\n"), "RUN has BuildKit's hostname: " + r.describe());
    }

    @Test
    void unknownIsolationRefused() throws Exception {
        Path ctx = fx.context("bogus", "FROM busybox:local\nRUN true\n");
        BuildFixture.Run r = fx.jbuild("build", "--isolation=bogus", ctx.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("jbuild: unknown isolation \"bogus\": expected one of runc, crun, unshare"),
                r.describe());
        assertTrue(r.err().contains("available here: runc"), r.describe());
        BuildFixture.assertNoStackTrace(r);
    }

    @Test
    void zstdCompression() throws Exception {
        Path ctx = fx.context("zstd", "FROM busybox:local\nRUN echo squeezed > /z.txt\n");
        String digest = fx.build("--compression=zstd", "-t", "zstd:1", ctx.toString());
        JsonNode layers = fx.blobJson(digest).path("layers");
        assertEquals(2, layers.size(), layers.toString());
        // The base keeps the compression it was imported with; the new layer is zstd, in type and in bytes.
        assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layers.path(0).path("mediaType").asText());
        assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", layers.path(1).path("mediaType").asText());
        byte[] head = Arrays.copyOf(Files.readAllBytes(fx.blob(layers.path(1).path("digest").asText())), 4);
        assertArrayEquals(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}, head, "zstd frame magic");
    }

    @Test
    void secretVisibleInRunAbsentFromImage() throws Exception {
        String value = "s3cr3t-" + System.nanoTime();
        Path secret = work.resolve("secret.txt");
        Files.writeString(secret, value);
        // The step shows the secret's hash, never its value, which would end in the log and history.
        Path ctx = fx.context("secret", """
                FROM busybox:local
                RUN --mount=type=secret,id=x sha256sum /run/secrets/x
                RUN ls /run/secrets 2>&1 || true
                """);
        Path tar = work.resolve("secret-rootfs.tar");
        BuildFixture.Run r = fx.jbuild("build", "-t", "secret:1", "--secret", "id=x,src=" + secret,
                "-o", "type=tar,dest=" + tar, ctx.toString());
        assertEquals(0, r.status(), r.describe());
        String sha = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        assertTrue(r.err().contains("\n  " + sha + "  /run/secrets/x\n"), "RUN read the secret: " + r.describe());
        assertTrue(r.err().contains("/run/secrets: No such file or directory"),
                "a later RUN without the mount: " + r.describe());
        String rootfs = new String(Files.readAllBytes(tar), StandardCharsets.ISO_8859_1);
        assertFalse(rootfs.contains(value), "the secret's value is in the image's files");
        assertFalse(rootfs.contains("run/secrets"), "the secret's mount point is in the image");
        assertFalse(config(r.digest()).toString().contains(value), "the secret's value is in the config");
    }

    @Test
    void pullNeverWithMissingBase() throws Exception {
        Path ctx = fx.context("pullnever", "FROM registry.invalid/missing/base:1\nRUN true\n");
        BuildFixture.Run r = fx.jbuild("build", "--pull=never", ctx.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("jbuild: registry.invalid/missing/base:1: no such image in the local store, "
                + "and --pull=never forbids pulling it"), r.describe());
        BuildFixture.assertNoStackTrace(r);
    }

    @Test
    void memoryLimitKillsAHungryStep() throws Exception {
        // tail keeps a line in memory, and 64 MiB of zeros is one line: fine unlimited, killed under 16m
        // (swap is capped with the memory, so it cannot swap instead).
        Path ctx = fx.context("memory", "FROM busybox:local\nRUN head -c 64m /dev/zero | tail > /dev/null\n");
        BuildFixture.Run limited = fx.jbuild("build", "--memory", "16m", ctx.toString());
        assertNotEquals(0, limited.status(), limited.describe());
        assertTrue(limited.err().contains("exit code: 137"), "SIGKILLed by the OOM killer: " + limited.describe());
        BuildFixture.Run free = fx.jbuild("build", "--memory", "512m", ctx.toString());
        assertEquals(0, free.status(), free.describe());
    }

    @Test
    void noCacheAccepted() throws Exception {
        // A fixed time makes the build reproducible, so only a RUN that really ran again changes the
        // stamp (a fresh random UUID; busybox date has no %N, and two builds can share a second).
        Path ctx = fx.context("nocache", "FROM busybox:local\nRUN cat /proc/sys/kernel/random/uuid > /stamp\n");
        Path first = rootfs("nocache-1", ctx, "--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000");
        Path second = rootfs("nocache-2", ctx, "--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000");
        assertNotEquals(Files.readString(first.resolve("stamp")), Files.readString(second.resolve("stamp")));
    }

    @Test
    void cachedStepsAndNoCacheFilter() throws Exception {
        Path ctx = fx.context("cache-filter", """
                FROM busybox:local AS build
                RUN cat /proc/sys/kernel/random/uuid > /stamp
                FROM busybox:local
                COPY --from=build /stamp /stamp
                """);
        String first = Files.readString(rootfs("cache-1", ctx).resolve("stamp"));
        BuildFixture.Run again = fx.jbuild("build", "--progress", "plain", "-o", "type=local,dest="
                + work.resolve("rootfs-cache-2"), ctx.toString());
        assertEquals(0, again.status(), again.describe());
        assertTrue(again.err().contains("RUN cat /proc/sys/kernel/random/uuid > /stamp\n  [build 2/2] CACHED"),
                again.describe());
        assertEquals(first, Files.readString(work.resolve("rootfs-cache-2/stamp")), "the RUN came from the cache");
        String rerun = Files.readString(rootfs("cache-3", ctx, "--no-cache-filter", "build").resolve("stamp"));
        assertNotEquals(first, rerun, "--no-cache-filter build ran the stage's RUN again");
    }

    @Test
    void aRebuildFromTheCacheIsTheSameImage() throws Exception {
        // No SOURCE_DATE_EPOCH: the times come from the first build's cached steps, and the steps
        // without a layer take the time of the layer before them, as BuildKit dates them.
        Path ctx = fx.context("same-image", """
                FROM busybox:local
                RUN cat /proc/sys/kernel/random/uuid > /id
                ENV A=1
                CMD ["cat", "/id"]
                """);
        BuildFixture.Run first = fx.jbuild("build", "-q", ctx.toString());
        BuildFixture.Run second = fx.jbuild("build", "-q", ctx.toString());
        assertEquals(0, second.status(), second.describe());
        assertEquals(first.out(), second.out(), "the same manifest digest");
        BuildFixture.Run fresh = fx.jbuild("build", "-q", "--no-cache", ctx.toString());
        assertNotEquals(first.out(), fresh.out(), "a RUN that ran again makes another image");
    }

    private static JsonNode config(String manifestDigest) throws Exception {
        return fx.blobJson(fx.blobJson(manifestDigest).path("config").path("digest").asText());
    }

    /** Interface names in /proc/net/dev text, as it is or indented in the build log. */
    private static Set<String> interfaces(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*([A-Za-z0-9_.@-]+):\\s+\\d+").matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
