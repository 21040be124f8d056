package dev.jbuild.builder.copy;

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
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives that try to write outside the destination directory. Each is refused with a message
 * naming the archive and the entry, or lands inside, as BuildKit's {@code applyRootArchive}; in no
 * case does anything appear or change outside the destination.
 */
class ArchivesHostileTest {
    @TempDir
    Path tmp;
    Path rootfs;
    Path dest;
    Path outside;
    Path victim;

    @BeforeEach
    void setUp() throws IOException {
        Required.root("hostile archives are unpacked as root, as in a build");
        rootfs = Files.createDirectory(tmp.resolve("rootfs"));
        dest = Files.createDirectories(rootfs.resolve("app"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        victim = Files.writeString(outside.resolve("victim"), "untouched");
    }

    @AfterEach
    void nothingOutsideChanged() throws IOException {
        if (outside == null) {
            return; // skipped before anything was made
        }
        try (Stream<Path> all = Files.walk(outside)) {
            assertEquals(List.of(outside, victim), all.sorted().toList(), "nothing new outside the destination");
        }
        assertEquals("untouched", Files.readString(victim));
        assertEquals(1, (Integer) Files.getAttribute(victim, "unix:nlink"), "no hardlink to it");
        try (Stream<Path> top = Files.list(tmp)) {
            assertEquals(List.of("a.tar", "outside", "rootfs"), top.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private BuildException refused(AddTars tar, String entry, String why) throws IOException {
        Path archive = tar.writeTo(tmp.resolve("a.tar"));
        BuildException e = assertThrows(BuildException.class,
                () -> Archives.extract(archive, rootfs, "/app", Optional.empty()));
        assertTrue(e.getMessage().contains("a.tar"), e.getMessage());
        assertTrue(e.getMessage().contains("\"" + entry + "\""), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        return e;
    }

    @Test
    void dotDotNamesAreRefused() throws IOException {
        refused(AddTars.tar().file("ok", "fine").file("../outside/pwned", "x"), "../outside/pwned",
                "outside the destination");
        assertEquals("fine", Files.readString(dest.resolve("ok")), "what came before stays");
        refused(AddTars.tar().file("a/../../../outside/pwned", "x"), "a/../../../outside/pwned", "outside the destination");
        refused(AddTars.tar().dir("../..", 0777), "../../", "outside the destination");
    }

    @Test
    void dotDotThatStaysInsideIsCleaned() throws IOException {
        Path archive = AddTars.tar().file("a/b/../../c", "c").writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/app", Optional.empty());
        assertEquals("c", Files.readString(dest.resolve("c")));
    }

    @Test
    void aSymlinkClimbingOutCannotBeWrittenThrough() throws IOException {
        String up = "../../../outside";
        refused(AddTars.tar().symlink("escape", up).file("escape/pwned", "x"), "escape/pwned", "points outside");
        assertEquals(up, Files.readSymbolicLink(dest.resolve("escape")).toString(), "the link itself is kept, as BuildKit");
        refused(AddTars.tar().symlink("up", "..").file("up/pwned", "x"), "up/pwned", "points outside");
        refused(AddTars.tar().symlink("a", "b").symlink("b", "sub/../../outside").file("a/pwned", "x"), "a/pwned",
                "points outside");
        refused(AddTars.tar().symlink("d", up).dir("d", 0755), "d/", "points outside");
    }

    @Test
    void anAbsoluteSymlinkLeadsBackIntoTheDestination() throws IOException {
        Path archive = AddTars.tar().symlink("escape", outside.toString()).file("escape/pwned", "inside")
                .writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/app", Optional.empty());
        assertEquals("inside", Files.readString(dest.resolve(outside.toString().substring(1)).resolve("pwned")));
    }

    @Test
    void symlinksAlreadyInTheImageAreFollowedOnlyInside() throws IOException {
        Files.createSymbolicLink(dest.resolve("hostile"), Path.of("../../outside"));
        refused(AddTars.tar().file("hostile/pwned", "x"), "hostile/pwned", "points outside");
        Files.createSymbolicLink(dest.resolve("loop"), Path.of("loop"));
        refused(AddTars.tar().file("loop/x", "x"), "loop/x", "too many levels of symbolic links");
    }

    @Test
    void aFileEntryReplacesALinkToOutsideInsteadOfWritingThroughIt() throws IOException {
        Files.createSymbolicLink(dest.resolve("link"), victim);
        Path archive = AddTars.tar().file("link", "replaced").writeTo(tmp.resolve("a.tar"));
        Archives.extract(archive, rootfs, "/app", Optional.empty());
        assertFalse(Files.isSymbolicLink(dest.resolve("link")));
        assertEquals("replaced", Files.readString(dest.resolve("link")));
    }

    @Test
    void hardlinksOutOfTheDestinationAreRefused() throws IOException {
        refused(AddTars.tar().hardlink("h", "../../outside/victim"), "h", "outside the destination");
        refused(AddTars.tar().hardlink("h", victim.toString()), "h", "does not exist");
        refused(AddTars.tar().symlink("s", "../../outside").hardlink("h", "s/victim"), "h", "points outside");
        refused(AddTars.tar().hardlink("h", "./"), "h", "destination directory itself");
        refused(AddTars.tar().dir("d", 0755).hardlink("h", "d"), "h", "hardlink to the directory");
    }

    @Test
    void aParentThatIsAFileIsAnError() throws IOException {
        refused(AddTars.tar().file("f", "file").file("f/child", "x"), "f/child", "\"f\" is not a directory");
        refused(AddTars.tar().file("f", "file").dir("f/sub", 0755), "f/sub/", "\"f\" is not a directory");
        refused(AddTars.tar().file("f", "file").hardlink("h", "f/x"), "h", "does not exist");
    }

    @Test
    void devicesCannotHideBehindHostileNames() throws IOException {
        refused(AddTars.tar().entry("../../outside/null", TarConstants.LF_CHR, 0666, e -> {
            e.setDevMajor(1);
            e.setDevMinor(3);
        }, null), "../../outside/null", "outside the destination");
    }

    @Test
    void aCorruptArchiveIsReportedWithTheLastGoodEntry() throws IOException {
        Path archive = AddTars.tar().file("first", "1").file("second", "2".repeat(2000)).writeTo(tmp.resolve("a.tar"));
        byte[] bytes = Files.readAllBytes(archive);
        bytes[1024 + 100] ^= 0x7f; // inside the second header: its checksum no longer matches
        Files.write(archive, bytes);
        BuildException e = assertThrows(BuildException.class,
                () -> Archives.extract(archive, rootfs, "/app", Optional.empty()));
        assertTrue(e.getMessage().contains("a.tar"), e.getMessage());
        assertTrue(Files.exists(dest.resolve("first"), LinkOption.NOFOLLOW_LINKS));
    }
}
