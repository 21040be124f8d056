package dev.jbuild.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine: tools on the {@code PATH}, root. Without it the test is
 * skipped, except where {@code JBUILD_REQUIRE_PRIVILEGED=1} (as in CI) makes that a failure, so
 * CI never silently skips a test of real components.
 */
public final class Required {
    private static final String STRICT = "JBUILD_REQUIRE_PRIVILEGED";

    private Required() {
    }

    /** Requires every named tool to be an executable on the {@code PATH} (or in /usr/sbin, /sbin). */
    public static void tools(String... names) {
        for (String tool : names) {
            tool(tool);
        }
    }

    /** The named tool's executable; skips or fails the test when it is not installed. */
    public static Path tool(String name) {
        Optional<Path> found = find(name);
        if (found.isEmpty()) {
            skipOrFail(name + " is not installed (.ci/run installs it)");
        }
        return found.orElseThrow();
    }

    /** The named tool's executable on the {@code PATH}, or in /usr/sbin and /sbin, which root's PATH has. */
    public static Optional<Path> find(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    /** Requires root (effective uid 0). */
    public static void root(String why) {
        if (!isRoot()) {
            skipOrFail("needs root (" + why + ")");
        }
    }

    /** Effective uid 0, from {@code /proc/self/status} ("Uid: real effective saved fs"). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** Skips the test, or fails it under {@code JBUILD_REQUIRE_PRIVILEGED=1}. */
    public static void skipOrFail(String why) {
        if ("1".equals(System.getenv(STRICT))) {
            fail(why + ", and " + STRICT + "=1 is set");
        }
        Assumptions.abort("skipped: " + why);
    }
}
