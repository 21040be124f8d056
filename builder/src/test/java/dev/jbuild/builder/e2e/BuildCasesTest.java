package dev.jbuild.builder.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbuild.builder.BuildException;
import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;

/**
 * Builds every case of {@code testdata/build/} with runc and checks the image against the case's
 * {@code expect} file; then builds it again with the unshare executor, which must give the same
 * image, byte for byte (same manifest digest), since SOURCE_DATE_EPOCH fixes every time; the unshare
 * builds also write every COPY to disk, which must not change the image either. One
 * store for all cases, with the base images ({@link TestBaseImages}) made once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuildCasesTest {
    /**
     * Cases that fail because of an engine bug, with the bug. A listed case that fails is reported
     * as skipped; one that passes fails the suite, so that its entry is removed once the bug is
     * fixed. Keys: the case name for the runc build, {@code "<case> [unshare]"} for the unshare
     * build and its comparison with runc. Never listed: store hygiene failures.
     */
    static final Map<String, String> KNOWN_FAILURES = bothExecutors(Map.of());

    private Path work;
    private LocalStore store;
    private CaseServer server;
    private CaseBuilder builder;
    private final Map<String, Digest> runcDigests = new ConcurrentHashMap<>();

    @BeforeAll
    void setUp() throws Exception {
        Required.root("RUN steps mount overlays and run containers");
        Required.tools("runc", "unshare", "setpriv", "nsenter", "busybox");
        work = Files.createTempDirectory("jbuild-e2e-");
        store = LocalStore.open(work.resolve("store"));
        TestBaseImages.create(store, casesDir().getParent(), work);
        server = new CaseServer(casesDir());
        builder = new CaseBuilder(store, server);
    }

    @AfterAll
    void tearDown() throws IOException {
        if (server != null) {
            server.close();
        }
        if (work != null) {
            Trees.deleteRecursively(work);
        }
    }

    @TestFactory
    Stream<DynamicNode> cases() throws IOException {
        return BuildCase.all(casesDir()).stream().map(c -> DynamicContainer.dynamicContainer(c.name(), List.of(
                DynamicTest.dynamicTest("runc", () -> known(c.name(), () -> runc(c))),
                DynamicTest.dynamicTest("unshare", () -> known(c.name() + " [unshare]", () -> unshare(c))))));
    }

    private void runc(BuildCase c) throws Exception {
        Expectations.Outcome o = build(c, "runc");
        if (o.image() != null) {
            runcDigests.put(c.name(), o.image().digest());
        }
        check(c, "runc", o, List.of());
    }

    /**
     * The same expectations hold with the unshare executor, and the image is identical to runc's.
     * These builds also write every COPY to disk where the runc ones only record the last copies
     * of the target stage in their layers ({@code LayerLeaves}), which must not change the image.
     */
    private void unshare(BuildCase c) throws Exception {
        Expectations.Outcome o = build(c, "unshare");
        List<String> extra = new ArrayList<>();
        Digest runc = runcDigests.get(c.name());
        if (o.image() != null && c.equivalenceSkip().isEmpty()) {
            if (runc == null) {
                extra.add("the runc build of this case failed, so there is no image to compare with");
            } else if (!runc.equals(o.image().digest())) {
                extra.add("unshare (every COPY written to disk) and runc (final copies recorded in the layer) gave"
                        + " different images: " + o.image().digest() + " and " + runc);
            }
        }
        check(c, "unshare", o, extra);
    }

    private Expectations.Outcome build(BuildCase c, String isolation) throws Exception {
        Path scratch = work.resolve("cases").resolve(c.name()).resolve(isolation);
        boolean writeEveryCopy = isolation.equals("unshare");
        Expectations.Outcome o = builder.build(c, isolation, writeEveryCopy, scratch.resolve("first"));
        if (c.rebuildIdentical() && o.image() != null) {
            Expectations.Outcome again = builder.build(c, isolation, writeEveryCopy, scratch.resolve("again"));
            assertEquals(o.image().digest(), again.image() == null ? null : again.image().digest(),
                    c.name() + ": building twice gave different images" + failureTrace(again));
        }
        return o;
    }

    /** Fails with every expectation that does not hold, and the {@code extra} problems. */
    private static void check(BuildCase c, String isolation, Expectations.Outcome o, List<String> extra) {
        List<String> problems = new ArrayList<>(c.expect().verify(o));
        problems.addAll(extra);
        if (!problems.isEmpty()) {
            fail(c.name() + " [" + isolation + "]: " + problems.size() + " problem(s):\n  - "
                    + String.join("\n  - ", problems) + failureTrace(o));
        }
    }

    private static String failureTrace(Expectations.Outcome o) {
        if (o.failure() == null || o.failure() instanceof BuildException) {
            return "";
        }
        StringWriter w = new StringWriter();
        o.failure().printStackTrace(new PrintWriter(w));
        return "\n" + w;
    }

    /** Runs {@code body}, turning the failure of a case listed in {@link #KNOWN_FAILURES} into a skip. */
    private static void known(String key, Executable body) throws Throwable {
        String bug = KNOWN_FAILURES.get(key);
        try {
            body.execute();
        } catch (Throwable e) {
            boolean hygiene = String.valueOf(e.getMessage()).startsWith("hygiene:");
            if (bug != null && !hygiene && !(e instanceof TestAbortedException)) {
                Assumptions.abort("known engine bug (" + bug + "):\n" + e.getMessage());
            }
            throw e;
        }
        if (bug != null) {
            fail(key + " passes now: remove it from BuildCasesTest.KNOWN_FAILURES (" + bug + ")");
        }
    }

    /** The same bug makes a case fail with both executors. */
    private static Map<String, String> bothExecutors(Map<String, String> bugs) {
        Map<String, String> out = new HashMap<>();
        bugs.forEach((name, bug) -> {
            out.put(name, bug);
            out.put(name + " [unshare]", bug);
        });
        return Map.copyOf(out);
    }

    static Path casesDir() {
        String prop = System.getProperty("jbuild.testdata");
        if (prop != null && Files.isDirectory(Path.of(prop, "build"))) {
            return Path.of(prop, "build").toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata/build"))) {
                return dir.resolve("testdata/build");
            }
        }
        throw new IllegalStateException("testdata/build not found; set -Djbuild.testdata");
    }
}
