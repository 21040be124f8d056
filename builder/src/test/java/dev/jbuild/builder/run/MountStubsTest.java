package dev.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mount stubs appear for the run and leave no trace: no entry, no changed directory time. */
class MountStubsTest {
    private static final FileTime OLD = FileTime.fromMillis(1_000_000_123L);

    @TempDir
    Path tmp;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\n");
        Files.setLastModifiedTime(root.resolve("etc"), OLD);
        Files.setLastModifiedTime(root, OLD);
    }

    private static List<MountStubs.Target> targets() {
        return List.of(new MountStubs.Target("/proc", true), new MountStubs.Target("/etc/hosts", false),
                new MountStubs.Target("/etc/passwd", false), new MountStubs.Target("/run/secrets/id", false),
                new MountStubs.Target("/dev/pipes/script", false));
    }

    @Test
    void createsMissingTargetsAndRemovesThemWithoutATrace() throws Exception {
        List<String> before = TestRootfs.snapshot(root);
        try (MountStubs stubs = MountStubs.create(root, targets())) {
            assertTrue(Files.isDirectory(root.resolve("proc")));
            assertTrue(Files.isRegularFile(root.resolve("etc/hosts")));
            assertTrue(Files.isRegularFile(root.resolve("run/secrets/id")));
            assertEquals(root.resolve("run/secrets/id"), stubs.hostPath("/run/secrets/id"));
            // Below /dev the target lands on the container's own tmpfs: nothing to stub in the root.
            assertFalse(Files.exists(root.resolve("dev/pipes")));
            assertEquals(root.resolve("dev/pipes/script"), stubs.hostPath("/dev/pipes/script"));
        }
        assertEquals(before, TestRootfs.snapshot(root));
    }

    @Test
    void keepsWhatTheCommandWroteAndItsDirectoryTimes() throws Exception {
        FileTime etcBeforeClose;
        try (MountStubs stubs = MountStubs.create(root, targets())) {
            Files.writeString(root.resolve("run/output"), "x");
            Files.writeString(root.resolve("etc/new"), "x");
            Files.setLastModifiedTime(root.resolve("etc"), FileTime.fromMillis(2_000_000_000L));
            etcBeforeClose = Files.getLastModifiedTime(root.resolve("etc"));
        }
        assertTrue(Files.exists(root.resolve("run/output")));
        assertFalse(Files.exists(root.resolve("run/secrets")));
        assertFalse(Files.exists(root.resolve("etc/hosts")));
        assertEquals(etcBeforeClose, Files.getLastModifiedTime(root.resolve("etc")), "the command's change to /etc");
        assertEquals(OLD, Files.getLastModifiedTime(root), "the root itself was only touched by the stubs");
    }

    @Test
    void symlinkedTargetsAreStubbedInsideTheRoot() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createSymbolicLink(root.resolve("etc/hosts"), Path.of("../../../../" + outside + "/hosts"));
        Files.createSymbolicLink(root.resolve("run"), outside);
        try (MountStubs stubs = MountStubs.create(root, targets())) {
            assertEquals(root.resolve(outside.toString().substring(1)).resolve("hosts"), stubs.hostPath("/etc/hosts"));
            assertTrue(Files.isRegularFile(stubs.hostPath("/etc/hosts")));
            assertTrue(stubs.hostPath("/run/secrets/id").startsWith(root));
        }
        assertFalse(Files.exists(outside));
        assertFalse(Files.exists(root.resolve(outside.toString().substring(1))), "stubs removed");
    }

    @Test
    void failureHalfWayRemovesWhatWasMade() throws Exception {
        Files.writeString(root.resolve("file"), "not a directory");
        Files.setLastModifiedTime(root, OLD);
        List<String> before = TestRootfs.snapshot(root);
        List<MountStubs.Target> targets = List.of(new MountStubs.Target("/proc", true),
                new MountStubs.Target("/file/below", true));
        BuildException e = assertThrows(BuildException.class, () -> MountStubs.create(root, targets));
        assertTrue(e.getMessage().contains("/file/below"), e.getMessage());
        assertEquals(before, TestRootfs.snapshot(root));
    }

    @Test
    void fileAndDirectoryTargetsFollowTheMountSource() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        List<MountStubs.Target> targets = MountStubs.targets(List.of(ExtraMount.bind(dir, "/a", true),
                ExtraMount.bind(file, "/b", true), new ExtraMount.Tmpfs("/c", java.util.OptionalLong.empty())));
        assertEquals(List.of(new MountStubs.Target("/proc", true), new MountStubs.Target("/dev", true),
                new MountStubs.Target("/sys", true), new MountStubs.Target("/a", true),
                new MountStubs.Target("/b", false), new MountStubs.Target("/c", true)), targets);
        assertNotEquals(OLD, FileTime.fromMillis(0));
    }
}
