package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where COPY puts things: sources, destinations, symlinks on both sides, errors. */
class CopierTest {
    @TempDir
    Path tmp;
    CopierFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        Required.root("COPY sets owners");
        fx = new CopierFixture(tmp);
    }

    @Test
    void fileToAPathWithoutSlashBecomesThatFile() throws IOException {
        fx.file("a.txt", "A");
        fx.copy("a.txt", "/abs").run();
        assertEquals("A", fx.read("/abs"));
        assertTrue(Files.isRegularFile(fx.host("/abs")));
    }

    @Test
    void fileToAnExistingDirectoryGoesInside() throws IOException {
        fx.file("a.txt", "A");
        Files.createDirectories(fx.host("/abs"));
        fx.copy("a.txt", "/abs").run();
        assertEquals("A", fx.read("/abs/a.txt"));
    }

    @Test
    void trailingSlashMakesTheDestinationADirectory() throws IOException {
        fx.file("a.txt", "A");
        fx.copy("a.txt", "/new/dir/").run();
        assertEquals("A", fx.read("/new/dir/a.txt"));
        assertEquals(0755, fx.mode("/new"));
        assertEquals(0755, fx.mode("/new/dir"));
        assertEquals(0, fx.uid("/new/dir"));
    }

    @Test
    void directoryCopiesItsContentsNotItself() throws IOException {
        fx.file("dir/x", "X");
        fx.file("dir/sub/y", "Y");
        fx.copy("dir", "/app").run();
        assertEquals("X", fx.read("/app/x"));
        assertEquals("Y", fx.read("/app/sub/y"));
        assertFalse(Files.exists(fx.host("/app/dir")));
    }

    @Test
    void directoryMergesIntoAnExistingOne() throws IOException {
        fx.file("dir/x", "new X");
        fx.targetFile("/app/keep", "kept");
        fx.targetFile("/app/x", "old X");
        fx.copy("dir/", "/app/").run();
        assertEquals("kept", fx.read("/app/keep"));
        assertEquals("new X", fx.read("/app/x"));
    }

    @Test
    void wholeContextWithDot() throws IOException {
        fx.file("a", "A");
        fx.file("d/b", "B");
        fx.copy(".", "/srv/").run();
        assertEquals("A", fx.read("/srv/a"));
        assertEquals("B", fx.read("/srv/d/b"));
    }

    @Test
    void relativeDestinationJoinsTheWorkdir() throws IOException {
        fx.file("a.txt", "A");
        fx.copy("a.txt", "app/").workdir("/srv").run();
        fx.copy("a.txt", ".").workdir("/work/dir").run();
        fx.copy("a.txt", "renamed").workdir("/opt").run();
        assertEquals("A", fx.read("/srv/app/a.txt"));
        assertEquals("A", fx.read("/work/dir/a.txt"));
        assertEquals("A", fx.read("/opt/renamed"));
    }

    @Test
    void severalSourcesNeedADirectoryDestination() throws IOException {
        fx.file("a", "A");
        fx.file("b", "B");
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("a", "b", "/dest").run());
        assertEquals("When using COPY with more than one source file, the destination must be a directory"
                + " and end with a /", e.getMessage());
        assertFalse(Files.exists(fx.host("/dest")), "nothing copied before the check");

        fx.copy("a", "b", "/dest/").run();
        fx.copy("a", "b", ".").workdir("/w").run();
        assertEquals("A", fx.read("/dest/a"));
        assertEquals("B", fx.read("/w/b"));
    }

    @Test
    void missingSourceIsAnErrorNamingIt() throws IOException {
        fx.file("present", "P");
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("present", "nope.txt", "/d/").run());
        assertEquals("COPY failed: \"nope.txt\" not found in build context", e.getMessage());

        BuildException fromStage = assertThrows(BuildException.class, () -> fx.copyFromStage("/bin/nope", "/d/").run());
        assertEquals("COPY failed: \"/bin/nope\" not found in stage", fromStage.getMessage());
    }

    @Test
    void aPathThroughAFileIsMissing() throws IOException {
        fx.file("file", "F");
        assertThrows(BuildException.class, () -> fx.copy("file/x", "/d/").run());
    }

    @Test
    void trailingSlashAndLeadingSlashOnASourceAreIgnored() throws IOException {
        fx.file("dir/x", "X");
        fx.file("f", "F");
        fx.copy("/dir/", "/a").run();
        fx.copy("/f/", "/b").run();
        assertEquals("X", fx.read("/a/x"));
        assertEquals("F", fx.read("/b"));
    }

    @Test
    void hostileSourceStaysInsideTheContext() throws IOException {
        // "../../etc/passwd" is the context's etc/passwd: the host's is never read.
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("../../etc/passwd", "/x").run());
        assertEquals("COPY failed: \"../../etc/passwd\" not found in build context", e.getMessage());

        fx.file("etc/passwd", "context passwd");
        fx.copy("../../etc/passwd", "/x").run();
        assertEquals("context passwd", fx.read("/x"));
    }

    @Test
    void absoluteSymlinkInTheContextResolvesInsideIt() throws IOException {
        Files.createDirectories(fx.context.resolve("sub/etc"));
        Files.writeString(fx.context.resolve("sub/etc/passwd"), "relative to the link, wrong");
        Files.createSymbolicLink(fx.context.resolve("sub/evil"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(fx.context.resolve("up"), Path.of("../../../../../../etc"));
        assertThrows(BuildException.class, () -> fx.copy("sub/evil", "/x").run());
        assertThrows(BuildException.class, () -> fx.copy("up/passwd", "/y").run());

        fx.file("etc/passwd", "inside");
        fx.copy("sub/evil", "/x").run();
        fx.copy("up/passwd", "/y").run();
        assertEquals("inside", fx.read("/x"), "an absolute target restarts at the context root");
        assertEquals("inside", fx.read("/y"));
    }

    @Test
    void symlinksInTheSourcePathAreFollowed() throws IOException {
        fx.file("real/dir/file.txt", "content");
        Files.createSymbolicLink(fx.context.resolve("link"), Path.of("real/dir"));
        Files.createSymbolicLink(fx.context.resolve("filelink"), Path.of("real/dir/file.txt"));

        fx.copy("link/file.txt", "/a/").run();
        fx.copy("filelink", "/b/").run();
        fx.copy("link", "/c").run();

        assertEquals("content", fx.read("/a/file.txt"));
        // A source that is a link to a file copies the file, under the link's name.
        assertTrue(Files.isRegularFile(fx.host("/b/filelink"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("content", fx.read("/b/filelink"));
        // A source that is a link to a directory copies the directory's contents.
        assertEquals("content", fx.read("/c/file.txt"));
    }

    @Test
    void symlinksInsideACopiedDirectoryStayLinks() throws IOException {
        fx.file("dir/target.txt", "T");
        Files.createSymbolicLink(fx.context.resolve("dir/rel"), Path.of("target.txt"));
        Files.createSymbolicLink(fx.context.resolve("dir/abs"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(fx.context.resolve("dir/dangling"), Path.of("nowhere"));

        CopyResult result = fx.copy("dir", "/app").run();

        assertEquals(Path.of("target.txt"), Files.readSymbolicLink(fx.host("/app/rel")));
        assertEquals(Path.of("/etc/hostname"), Files.readSymbolicLink(fx.host("/app/abs")));
        assertEquals(Path.of("nowhere"), Files.readSymbolicLink(fx.host("/app/dangling")));
        assertEquals(3, result.symlinks());
        assertEquals(1, result.files());
    }

    @Test
    void symlinkInTheDestinationIsFollowedInsideTheTargetRoot() throws IOException {
        fx.file("a.txt", "A");
        Files.createDirectories(fx.host("/opt/app"));
        Files.createSymbolicLink(fx.host("/app"), Path.of("/opt/app"));
        Path hostOptApp = Path.of("/opt/app/a.txt");
        boolean hostHadIt = Files.exists(hostOptApp);

        fx.copy("a.txt", "/app/").run();
        fx.copy("a.txt", "/app/sub/deeper/").run();

        assertEquals("A", fx.read("/opt/app/a.txt"));
        assertEquals("A", fx.read("/opt/app/sub/deeper/a.txt"));
        assertTrue(Files.isSymbolicLink(fx.host("/app")));
        assertEquals(hostHadIt, Files.exists(hostOptApp), "the host's /opt/app is never touched");
    }

    @Test
    void relativeSymlinkInTheDestinationCannotClimbOutOfTheTargetRoot() throws IOException {
        fx.file("a.txt", "A");
        Files.createSymbolicLink(fx.host("/app"), Path.of("../../../../../../../opt/escape"));
        fx.copy("a.txt", "/app/").run();
        assertEquals("A", fx.read("/opt/escape/a.txt"));
    }

    @Test
    void dotDotInTheDestinationStaysInsideTheTargetRoot() throws IOException {
        fx.file("a.txt", "A");
        fx.copy("a.txt", "../../../../x/").workdir("/w").run();
        assertEquals("A", fx.read("/x/a.txt"));
    }

    @Test
    void contextGivenThroughASymlinkIsFollowed() throws IOException {
        fx.file("d/f", "F");
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), fx.context);
        CopySource source = CopySource.context(alias, IgnorePatterns.none());
        Copier.copy(source, new CopyRequest(List.of("."), "/c/", "/", Optional.empty(), Optional.empty(), false,
                false, List.of()), fx.target);
        assertEquals("F", fx.read("/c/d/f"));
    }

    @Test
    void danglingSymlinkDestinationCreatesItsTargetInsideTheRoot() throws IOException {
        fx.file("a.txt", "A");
        Files.createSymbolicLink(fx.host("/current"), Path.of("/releases/v1/app.txt"));
        fx.copy("a.txt", "/current").run();
        assertEquals("A", fx.read("/releases/v1/app.txt"));
    }

    @Test
    void existingFileIsReplacedAndAnExistingLinkIsNotFollowed() throws IOException {
        fx.file("dir/a.txt", "new");
        fx.file("dir/l", "regular now");
        fx.targetFile("/app/a.txt", "old old old");
        fx.targetFile("/secret", "untouched");
        Files.createSymbolicLink(fx.host("/app/l"), Path.of("/secret"));

        fx.copy("dir", "/app").run();

        assertEquals("new", fx.read("/app/a.txt"));
        assertTrue(Files.isRegularFile(fx.host("/app/l"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("untouched", fx.read("/secret"));
    }

    @Test
    void directoryOntoAFileIsAnError() throws IOException {
        fx.file("dir/sub/x", "X");
        fx.targetFile("/app/sub", "a file");
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("dir", "/app").run());
        assertEquals("cannot copy to non-directory: /app/sub", e.getMessage());

        fx.targetFile("/file", "a file");
        BuildException top = assertThrows(BuildException.class, () -> fx.copy("dir", "/file").run());
        assertEquals("cannot copy to non-directory: /file", top.getMessage());
    }

    @Test
    void directoryOntoASymlinkToADirectoryIsAnError() throws IOException {
        // BuildKit's pnpm node_modules case: a link inside the target is not merged into.
        fx.file("dir/pkg/index.js", "js");
        Files.createDirectories(fx.host("/app/real"));
        Files.createSymbolicLink(fx.host("/app/pkg"), Path.of("real"));
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("dir", "/app").run());
        assertEquals("cannot copy to non-directory: /app/pkg", e.getMessage());
    }

    @Test
    void fileOntoADirectoryIsAnError() throws IOException {
        fx.file("dir/node_modules", "a file");
        Files.createDirectories(fx.host("/app/node_modules/x"));
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("dir", "/app").run());
        assertEquals("cannot replace to directory /app/node_modules with file", e.getMessage());

        fx.file("a.txt", "A");
        Files.createDirectories(fx.host("/d/a.txt"));
        BuildException top = assertThrows(BuildException.class, () -> fx.copy("a.txt", "/d/").run());
        assertEquals("cannot replace to directory /d/a.txt with file", top.getMessage());
    }

    @Test
    void unicodeAndSpacesInNames() throws IOException {
        fx.file("dir with space/ünïcödé 文件.txt", "u");
        fx.file("emoji 😀/ok.txt", "e");
        fx.copy("dir with space", "/dst dir/").run();
        fx.copy("emoji */*.txt", "/e/").run();
        fx.copy("dir with space/ünïcödé 文件.txt", "/單一").run();
        assertEquals("u", fx.read("/dst dir/ünïcödé 文件.txt"));
        assertEquals("e", fx.read("/e/ok.txt"));
        assertEquals("u", fx.read("/單一"));
    }

    @Test
    void linkModeCopiesIntoAnEmptyLayerCreatingParents() throws IOException {
        fx.file("a.txt", "A");
        fx.file("d/b.txt", "B");
        fx.copy("a.txt", "/deep/path/").link().run();
        fx.copy("d", "/other/place").link().chown(7, 8).run();
        assertEquals("A", fx.read("/deep/path/a.txt"));
        assertEquals(0755, fx.mode("/deep"));
        assertEquals(0, fx.uid("/deep/path"));
        assertEquals("B", fx.read("/other/place/b.txt"));
        assertEquals(7, fx.uid("/other"), "created parents get the --chown ids, as fsutil does");
        assertEquals(8, fx.gid("/other/place"));
    }

    @Test
    void resultCountsWhatWasWritten() throws IOException {
        fx.file("d/a", "12345");
        fx.file("d/s/b", "678");
        Files.createSymbolicLink(fx.context.resolve("d/l"), Path.of("a"));
        CopyResult result = fx.copy("d", "/x").run();
        assertEquals(new CopyResult(2, 2, 1, 0, 8), result);
    }
}
