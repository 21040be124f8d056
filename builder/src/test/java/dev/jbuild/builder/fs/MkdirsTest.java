package dev.jbuild.builder.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MkdirsTest {
    @TempDir
    Path root;

    @BeforeEach
    void needsRoot() {
        Required.root("Mkdirs chowns what it creates");
    }

    @Test
    void createsMissingComponentsWithOwnerAndExactMode() throws IOException {
        Path made = Mkdirs.mkdirs(root, "/a/b/c", 1234, 5678, 02770);
        assertEquals(root.resolve("a/b/c"), made);
        for (String p : new String[] {"a", "a/b", "a/b/c"}) {
            Path dir = root.resolve(p);
            assertTrue(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS), p);
            // 02770 survives although the process umask would clear bits and chown clears set-id.
            assertEquals(02770, mode(dir), p);
            assertEquals(1234, Files.getAttribute(dir, "unix:uid"), p);
            assertEquals(5678, Files.getAttribute(dir, "unix:gid"), p);
        }
    }

    @Test
    void existingDirectoriesAreLeftAlone() throws IOException {
        Path existing = Files.createDirectory(root.resolve("usr"));
        Files.setAttribute(existing, "unix:mode", 0700);

        Mkdirs.mkdirs(root, "usr/local/bin", 7, 8, 0755);

        assertEquals(0700, mode(existing));
        assertEquals(0, Files.getAttribute(existing, "unix:uid"));
        assertEquals(0755, mode(root.resolve("usr/local")));
        assertEquals(7, Files.getAttribute(root.resolve("usr/local/bin"), "unix:uid"));
    }

    @Test
    void theRootItselfIsFine() throws IOException {
        assertEquals(root, Mkdirs.mkdirs(root, "/", 0, 0, 0755));
        assertEquals(root, Mkdirs.mkdirs(root, "", 0, 0, 0755));
    }

    @Test
    void absoluteSymlinkIsFollowedInsideTheRoot() throws IOException {
        // /app -> /opt/app in the image: the directory appears at root/opt/app, never at the host's /opt/app.
        Files.createSymbolicLink(root.resolve("app"), Path.of("/opt/app"));
        Path made = Mkdirs.mkdirs(root, "/app/data", 0, 0, 0750);
        assertEquals(root.resolve("opt/app/data"), made);
        assertTrue(Files.isDirectory(root.resolve("opt/app/data")));
        assertEquals(0750, mode(root.resolve("opt/app/data")));
        assertTrue(Files.isSymbolicLink(root.resolve("app")), "the link itself stays");
        assertFalse(Files.exists(Path.of("/opt/app/data")), "nothing is created on the host");
    }

    @Test
    void dotDotCannotClimbOutOfTheRoot() throws IOException {
        Path made = Mkdirs.mkdirs(root, "/../../x/../y", 0, 0, 0755);
        assertEquals(root.resolve("y"), made);
        assertTrue(Files.isDirectory(root.resolve("y")));
    }

    @Test
    void aFileInTheWayIsAnErrorNamingTheContainerPath() throws IOException {
        Files.createDirectory(root.resolve("srv"));
        Files.writeString(root.resolve("srv/app"), "not a dir");
        BuildException e = assertThrows(BuildException.class, () -> Mkdirs.mkdirs(root, "/srv/app/logs", 0, 0, 0755));
        assertEquals("cannot create directory /srv/app/logs: /srv/app exists and is not a directory", e.getMessage());
        assertFalse(e.getMessage().contains(root.toString()), "the host path stays out of the message");
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
