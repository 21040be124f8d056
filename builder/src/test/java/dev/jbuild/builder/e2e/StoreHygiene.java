package dev.jbuild.builder.e2e;

import dev.jbuild.builder.snapshot.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a finished build, successful or not, must have left behind in its store: nothing running
 * and nothing mounted. A leaked overlay mount or runc container outlives the JVM and makes the
 * next {@code prune} or {@code rm -rf} of the store fail, so every case checks it.
 */
final class StoreHygiene {
    private StoreHygiene() {
    }

    /** Throws an {@link AssertionError} starting with "hygiene:" listing every leftover. */
    static void assertClean(Path store) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        for (Path point : Workspace.mountsBelow(store.toRealPath())) {
            problems.add("still mounted: " + point);
        }
        // Engine.runtimeState is <store>/runc; each runtime keeps its state in a directory of its name below it.
        String containers = runcList(store.resolve("runc").resolve("runc"));
        if (!containers.isBlank()) {
            problems.add("runc containers left: " + containers.strip().replace('\n', ' '));
        }
        Path tmp = store.resolve("tmp");
        if (Files.isDirectory(tmp)) {
            try (Stream<Path> s = Files.list(tmp)) {
                s.filter(p -> p.getFileName().toString().startsWith("build-"))
                        .forEach(p -> problems.add("workspace left: " + p));
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("hygiene: " + String.join("; ", problems));
        }
    }

    private static String runcList(Path state) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("runc", "--root", state.toString(), "list", "-q")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new AssertionError("hygiene: runc --root " + state + " list -q failed (" + rc + "): " + out);
        }
        return out;
    }
}
