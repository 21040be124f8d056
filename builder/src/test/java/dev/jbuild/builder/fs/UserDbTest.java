package dev.jbuild.builder.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserDbTest {
    @TempDir
    Path rootfs;

    @BeforeEach
    void writeFiles() throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), String.join("\n",
                "# a comment, then a blank line",
                "",
                "root:x:0:0:root:/root:/bin/sh",
                "app:x:1000:1001:App,,,:/home/app:/bin/sh",
                "nogroup:x:1500:1500::/:/bin/false",
                "broken:x:notanumber:1::/:/bin/sh",
                "huge:x:99999999999:1::/:/bin/sh",
                "+nisuser::::::",
                ""));
        Files.writeString(rootfs.resolve("etc/group"), String.join("\n",
                "root:x:0:",
                "staff:x:50:app,other",
                "appgrp:x:1001:",
                "docker:x:999:other,app",
                "audio:x:29:other",
                "web:x:2000:"));
    }

    @Test
    void userNameGetsPrimaryAndSupplementaryGroups() throws IOException {
        assertEquals(new Ids(1000, 1001, List.of(50, 999)), UserDb.forRun(rootfs, "app"));
    }

    @Test
    void numericUserWithEntryIsResolvedLikeItsName() throws IOException {
        assertEquals(new Ids(1000, 1001, List.of(50, 999)), UserDb.forRun(rootfs, "1000"));
    }

    @Test
    void numericUserWithoutEntryRunsWithGroupZero() throws IOException {
        assertEquals(Ids.of(4242, 0), UserDb.forRun(rootfs, "4242"));
    }

    @Test
    void explicitGroupIsTheOnlyGroup() throws IOException {
        assertEquals(Ids.of(1000, 2000), UserDb.forRun(rootfs, "app:web"));
        assertEquals(Ids.of(1000, 50), UserDb.forRun(rootfs, "1000:50"));
        assertEquals(Ids.of(1000, 7777), UserDb.forRun(rootfs, "app:7777"), "a numeric group needs no entry");
    }

    @Test
    void emptyUserIsRoot() throws IOException {
        assertEquals(Ids.of(0, 0), UserDb.forRun(rootfs, ""));
        assertEquals(Ids.of(0, 2000), UserDb.forRun(rootfs, ":web"));
    }

    @Test
    void unknownUserFailsWithDockersMessage() {
        BuildException e = assertThrows(BuildException.class, () -> UserDb.forRun(rootfs, "ghost"));
        assertEquals("unable to find user ghost: no matching entries in passwd file", e.getMessage());
    }

    @Test
    void unknownGroupFailsWithDockersMessage() {
        BuildException e = assertThrows(BuildException.class, () -> UserDb.forRun(rootfs, "app:ghosts"));
        assertEquals("unable to find group ghosts: no matching entries in group file", e.getMessage());
    }

    @Test
    void malformedAndNisEntriesAreSkipped() {
        assertThrows(BuildException.class, () -> UserDb.forRun(rootfs, "broken"));
        assertThrows(BuildException.class, () -> UserDb.forRun(rootfs, "huge"));
        assertThrows(BuildException.class, () -> UserDb.forRun(rootfs, "+nisuser"));
    }

    @Test
    void idsBeyondTheRangeAreRefused() {
        BuildException e = assertThrows(BuildException.class, () -> UserDb.forRun(rootfs, "2147483648"));
        assertEquals("uids and gids must be in range 0-2147483647, not 2147483648", e.getMessage());
    }

    @Test
    void withoutFilesOnlyNumericIdsWork() throws IOException {
        Path empty = Files.createDirectory(rootfs.resolve("empty"));
        assertEquals(Ids.of(33, 0), UserDb.forRun(empty, "33"));
        assertEquals(Ids.of(33, 44), UserDb.forRun(empty, "33:44"));
        assertEquals(Ids.of(33, 33), UserDb.forChown(empty, "33"));
        assertThrows(BuildException.class, () -> UserDb.forRun(empty, "app"));
        assertEquals(Ids.of(0, 0), UserDb.forChown(empty, "app"), "BuildKit: an unknown name owns as root");
        assertEquals(Ids.of(1, 1), UserDb.forChown(empty, "1:staff"), "an unknown group keeps the user's");
    }

    @Test
    void filesAreReadInsideTheRootfsThroughItsSymlinks() throws IOException {
        // /etc -> /alt/etc inside the image: an absolute link must restart at the image root, not
        // at the host's /, whose /etc/passwd has no "imageuser".
        Path image = Files.createDirectory(rootfs.resolve("image"));
        Files.createDirectories(image.resolve("alt/etc"));
        Files.writeString(image.resolve("alt/etc/passwd"), "imageuser:x:321:654::/:/bin/sh\n");
        Files.createSymbolicLink(image.resolve("etc"), Path.of("/alt/etc"));
        assertEquals(Ids.of(321, 654), UserDb.forRun(image, "imageuser"));
        assertThrows(BuildException.class, () -> UserDb.forRun(image, "root"),
                "the host's root entry must not be seen");
    }

    @Test
    void chownNumericUserUsesItAsGroupToo() throws IOException {
        assertEquals(Ids.of(1000, 1000), UserDb.forChown(rootfs, "1000"),
                "BuildKit: a bare uid is also the gid, whatever passwd says");
    }

    @Test
    void chownUserNameTakesItsPrimaryGroup() throws IOException {
        assertEquals(Ids.of(1000, 1001), UserDb.forChown(rootfs, "app"));
    }

    @Test
    void chownUserAndGroup() throws IOException {
        assertEquals(Ids.of(1000, 2000), UserDb.forChown(rootfs, "app:web"));
        assertEquals(Ids.of(1000, 50), UserDb.forChown(rootfs, "1000:staff"));
        assertEquals(Ids.of(5, 6), UserDb.forChown(rootfs, "5:6"));
        assertEquals(Ids.of(0, 2000), UserDb.forChown(rootfs, ":web"));
    }

    @Test
    void chownUnknownNamesAreRootOrKeepTheUsersGroupAsInBuildKit() throws IOException {
        assertEquals(Ids.of(0, 0), UserDb.forChown(rootfs, "ghost"));
        assertEquals(UserDb.forChown(rootfs, "app"), UserDb.forChown(rootfs, "app:ghosts"));
        assertEquals(Ids.of(0, 2000), UserDb.forChown(rootfs, "ghost:web"));
    }

    /** What a --link copy may resolve without mounting the image: all numbers, the same ids forChown gives. */
    @Test
    void numericChownNeedsNoFilesAndAgreesWithForChown() throws IOException {
        for (String spec : List.of("1000", "1000:50", "5:6", ":50", "", "0:0", "1000:")) {
            assertEquals(Optional.of(UserDb.forChown(rootfs, spec)), UserDb.numericChown(spec), spec);
        }
        for (String spec : List.of("app", "1000:staff", "app:50", ":web")) {
            assertEquals(Optional.empty(), UserDb.numericChown(spec), spec);
        }
    }
}
