package dev.jbuild.builder.e2e;

import dev.jbuild.layer.apply.Trees;
import dev.jbuild.oci.store.LocalStore;
import dev.jbuild.testkit.Required;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A scratch directory with a store holding the test base images ({@link TestBaseImages}), for the
 * e2e tests that build their own Dockerfiles; deleted on close.
 */
final class BaseStore implements AutoCloseable {
    final Path work;
    final LocalStore store;

    private BaseStore(Path work, LocalStore store) {
        this.work = work;
        this.store = store;
    }

    /** Needs root and runc: RUN steps mount overlays and run containers. */
    static BaseStore create(String prefix) throws Exception {
        Required.root("RUN steps mount overlays and run containers");
        Required.tools("runc", "busybox");
        Path work = Files.createTempDirectory(prefix);
        LocalStore store = LocalStore.open(work.resolve("store"));
        TestBaseImages.create(store, BuildCasesTest.casesDir().getParent(), work);
        return new BaseStore(work, store);
    }

    /** A context directory holding only this Dockerfile. */
    Path context(String name, String dockerfile) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        return dir;
    }

    @Override
    public void close() throws Exception {
        Trees.deleteRecursively(work);
    }
}
