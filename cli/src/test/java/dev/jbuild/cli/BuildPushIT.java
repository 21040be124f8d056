package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.testkit.Required;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code build --push} and {@code --output type=registry} against a real docker-registry on
 * loopback: what the registry then serves is what jbuild said it built, skopeo can copy it out,
 * and pushing an unchanged image again uploads nothing.
 */
class BuildPushIT {
    @TempDir
    Path work;
    BuildFixture fx;
    BuildRegistry registry;
    Path context;

    @BeforeEach
    void setUp() throws Exception {
        Required.tools("skopeo");
        fx = new BuildFixture(work);
        // Builds are reproducible only with a fixed time; without it a rebuild is a new image.
        fx.env("SOURCE_DATE_EPOCH", "1700000000");
        registry = BuildRegistry.start(work.resolve("registry"));
        context = fx.context("ctx", "FROM busybox:local\nRUN echo pushed > /pushed.txt\nCOPY app.txt /app/\n",
                "app.txt", "the app\n");
    }

    @AfterEach
    void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
        BuildFixture.empty(work);
    }

    @Test
    void pushSkopeoCopyAndPushAgain() throws Exception {
        String image = registry.host + "/app:1";
        BuildFixture.Run push = fx.jbuild("build", "-t", image, "--push", context.toString());
        assertEquals(0, push.status(), push.describe());
        String digest = push.digest();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), push.describe());
        // config + base layer + RUN layer + COPY layer
        assertTrue(push.err().contains("# pushed " + image + ": 4 blobs pushed"), push.describe());
        assertEquals(Optional.of(digest), registry.manifestDigest("app", "1"));

        Path layout = work.resolve("copied");
        BuildFixture.tool("skopeo", "copy", "--src-tls-verify=false", "docker://" + image, "oci:" + layout + ":1");
        assertEquals(digest, BuildFixture.readJson(layout.resolve("index.json")).path("manifests").path(0)
                .path("digest").asText(), "skopeo copied the very manifest jbuild built");

        long uploads = registry.requests("POST") + registry.requests("PUT") + registry.requests("PATCH");
        BuildFixture.Run again = fx.jbuild("build", "-t", image, "--push", context.toString());
        assertEquals(0, again.status(), again.describe());
        assertEquals(digest, again.digest(), "the same inputs and SOURCE_DATE_EPOCH give the same image");
        assertTrue(again.err().contains("# pushed " + image + ": already up to date"), again.describe());
        assertEquals(uploads, registry.requests("POST") + registry.requests("PUT") + registry.requests("PATCH"),
                "the second push uploaded nothing:\n" + registry.log());
    }

    @Test
    void outputTypeRegistryPushesToItsName() throws Exception {
        String name = registry.host + "/team/other:2";
        BuildFixture.Run r = fx.jbuild("build", "--output", "type=registry,name=" + name, context.toString());
        assertEquals(0, r.status(), r.describe());
        assertEquals(Optional.of(r.digest()), registry.manifestDigest("team/other", "2"));
        // An output push names no image in the local store.
        assertEquals("", fx.storedDigest(name));
    }
}
