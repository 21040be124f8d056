package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Json;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.oci.store.RemoteBlobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which instructions need the base image's files, so make a lazily pulled base's layers come down,
 * and which do not. The store holds {@code busybox:local} as a lazy pull leaves an image: manifest
 * and config, its layer recorded as being in a registry, the blob absent, no snapshot. The build's
 * registry clients throw, so a build that tried to fetch the layer fails with that, and one that
 * did not need it succeeds with the blob still absent: what needs the base is exactly what mounts
 * it (see {@code Filesystems}), and nothing else does.
 */
class LazyBaseTest {
    /** What TestBuild's registry clients throw: the build asked for them, to fetch the base layer. */
    private static final String FETCHED = "no registry here";

    private BaseStore fx;
    private LocalStore store;
    private Descriptor layer;

    @BeforeEach
    void setUp() throws Exception {
        fx = BaseStore.create("jbuild-lazy-");
        store = fx.store;
        Manifest m = Json.read(store.blobs().read(store.resolve(TestBaseImages.BUSYBOX).orElseThrow().digest()),
                Manifest.class);
        layer = m.layers().get(0);
        Files.delete(store.blobs().path(layer.digest()));
        store.remote().record(layer.digest(), new RemoteBlobs.Source("127.0.0.1:9", "lazy/busybox"));
        ImageConfig config = Json.read(store.blobs().read(m.config().digest()), ImageConfig.class);
        assertFalse(Files.exists(fx.store.root().resolve("snapshots/sha256")
                .resolve(config.rootfs().diffIds().get(0).hex())), "no snapshot of the layer yet");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private TestBuild build(String dockerfile, StepRecorder steps) throws Exception {
        Path context = fx.context("ctx", dockerfile);
        Files.writeString(context.resolve("f.txt"), "from the context\n");
        return TestBuild.run(store, context, Map.of(), true, 1, List.of(), steps);
    }

    /** Config instructions, and copies into a layer of their own with no names to look up. */
    @ParameterizedTest
    @ValueSource(strings = {
        "ENV A=1", "LABEL a=b", "CMD [\"sh\"]", "ENTRYPOINT [\"sh\", \"-c\"]", "EXPOSE 80", "USER nobody",
        "ARG X=1", "STOPSIGNAL SIGTERM", "HEALTHCHECK NONE", "SHELL [\"/bin/sh\", \"-c\"]", "VOLUME /data",
        "WORKDIR /", "ONBUILD RUN true", "MAINTAINER someone",
        "COPY --link f.txt /app/", "ADD --link f.txt /app/", "COPY --link --chown=1000:50 f.txt /app/",
        "COPY --link --chmod=0600 f.txt /app/f", "COPY --link <<EOF /app/inline\nhello\nEOF",
    })
    void keepTheBaseLazy(String instruction) throws Exception {
        StepRecorder steps = new StepRecorder();
        TestBuild b = build("FROM busybox:local\n" + instruction + "\n", steps);
        assertFalse(store.blobs().has(layer.digest()), "the base layer was not downloaded");
        Manifest built = Json.read(store.blobs().read(b.image()), Manifest.class);
        assertEquals(layer, built.layers().get(0), "the image still names the base layer");
        assertTrue(steps.notes.stream().anyMatch(n -> n.startsWith("base layers of busybox:local not needed locally")
                && n.contains("127.0.0.1:9/lazy/busybox")), steps.notes.toString());
    }

    /** Steps that read or change the base's files: run in it, copy into its tree, copy out of it. */
    @ParameterizedTest
    @ValueSource(strings = {
        "FROM busybox:local\nRUN true",
        "FROM busybox:local\nCOPY f.txt /app/",
        "FROM busybox:local\nADD f.txt /app/",
        "FROM busybox:local\nWORKDIR /app",
        "FROM busybox:local\nCOPY --link --chown=nobody f.txt /app/",
        "FROM busybox:local\nENV A=1\nLABEL b=c\nRUN true",
        "FROM scratch\nCOPY --from=busybox:local /bin/busybox /busybox",
        "FROM busybox:local AS tools\nFROM scratch\nCOPY --link --from=tools /bin/busybox /busybox",
    })
    void needTheBaseFiles(String dockerfile) throws Exception {
        StepRecorder steps = new StepRecorder();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> build(dockerfile + "\n", steps));
        assertEquals(FETCHED, e.getMessage());
        assertTrue(steps.notes.stream().anyMatch(n -> n.equals("fetching 1 layer of busybox:local: a step reads its files")),
                steps.notes.toString());
        StoreHygiene.assertClean(store.root());
    }
}
