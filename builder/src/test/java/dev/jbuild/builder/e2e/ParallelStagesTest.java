package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.RootfsExport;
import dev.jbuild.oci.store.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Independent stages are built at the same time with more than one job, and the image is the one
 * a one-job build (stages one after another) gives.
 */
class ParallelStagesTest {
    /**
     * Two stages that each leave a mark in a shared cache mount and wait up to 5 s for the other's:
     * built at the same time, each sees the other's mark; one after another, the first gives up.
     */
    private static final String MEETING = """
            FROM busybox:local AS a
            ARG RUNID
            RUN --mount=type=cache,id=meet-$RUNID,target=/meet touch /meet/a && i=0 \\
                && while [ ! -e /meet/b ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done \\
                && if [ -e /meet/b ]; then echo together; else echo alone; fi > /a.txt
            FROM busybox:local AS b
            ARG RUNID
            RUN --mount=type=cache,id=meet-$RUNID,target=/meet touch /meet/b && i=0 \\
                && while [ ! -e /meet/a ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done \\
                && if [ -e /meet/a ]; then echo together; else echo alone; fi > /b.txt
            FROM busybox:local
            COPY --from=a /a.txt /a.txt
            COPY --from=b /b.txt /b.txt
            RUN cat /a.txt /b.txt > /both.txt
            """;

    private BaseStore fx;
    private LocalStore store;

    @BeforeEach
    void setUp() throws Exception {
        fx = BaseStore.create("jbuild-parallel-");
        store = fx.store;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void independentStagesRunAtTheSameTime() throws Exception {
        Path ctx = fx.context("meeting", MEETING);
        assertEquals("together\ntogether\n", both(ctx, 2));
        assertEquals("alone\ntogether\n", both(ctx, 1), "one job: the first stage waits alone");
    }

    @Test
    void theImageIsTheSequentialBuildsImage() throws Exception {
        Path ctx = fx.context("same", """
                FROM busybox:local AS base
                RUN echo base > /base.txt
                FROM base AS left
                RUN mkdir /left && echo l > /left/f && ln -s f /left/link
                FROM base AS right
                COPY --from=left /left /right-copy
                RUN echo r > /right.txt
                FROM busybox:local AS other
                WORKDIR /w
                RUN echo other > o.txt
                FROM base
                COPY --from=left /left /left
                COPY --from=right /right.txt /right.txt
                COPY --from=other /w/o.txt /o.txt
                """);
        TestBuild parallel = TestBuild.run(store, ctx, Map.of(), true, 4, List.of());
        TestBuild sequential = TestBuild.run(store, ctx, Map.of(), true, 1, List.of());
        assertEquals(sequential.image(), parallel.image());
    }

    @Test
    void aFailingStageStopsTheOthersAndIsTheBuildsError() throws Exception {
        Path ctx = fx.context("failing", """
                FROM busybox:local AS slow
                RUN sleep 30
                FROM busybox:local AS broken
                RUN echo broken && exit 3
                FROM busybox:local
                COPY --from=slow /etc/passwd /a
                COPY --from=broken /etc/passwd /b
                """);
        StepRecorder steps = new StepRecorder();
        BuildException e = assertThrows(BuildException.class,
                () -> TestBuild.run(store, ctx, Map.of(), true, 2, List.of(), steps));
        assertTrue(e.getMessage().contains("exit code: 3"), e.getMessage());
        assertTrue(steps.finished.contains("[slow 1/2]"), "the slow stage started: " + steps.finished);
        assertFalse(steps.finished.contains("[slow 2/2]"), "its RUN was stopped, not waited for");
        assertEquals(Set.of("[broken 2/2]"), steps.failed, "the failed step is reported, the stopped one is not");
        StoreHygiene.assertClean(store.root());
    }

    private String both(Path ctx, int jobs) throws Exception {
        TestBuild b = TestBuild.run(store, ctx, Map.of("RUNID", UUID.randomUUID().toString()), true, jobs, List.of());
        Path out = fx.work.resolve("rootfs-" + UUID.randomUUID());
        RootfsExport.toDirectory(store, b.manifest(), out);
        return Files.readString(out.resolve("both.txt"));
    }
}
