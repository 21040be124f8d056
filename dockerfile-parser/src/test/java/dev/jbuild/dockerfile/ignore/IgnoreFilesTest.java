package dev.jbuild.dockerfile.ignore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which ignore file a build uses: the Dockerfile's own beats the context's. */
class IgnoreFilesTest {

    @TempDir
    Path ctx;

    @Test
    void noIgnoreFile() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\n");
        assertEquals(Optional.empty(), IgnoreFiles.locate(ctx, ctx.resolve("Dockerfile")));
        assertEquals(IgnorePatterns.none(), IgnoreFiles.load(ctx, ctx.resolve("Dockerfile")));
    }

    @Test
    void contextIgnoreFile() throws Exception {
        Files.writeString(ctx.resolve(".dockerignore"), "node_modules\n");
        assertEquals(Optional.of(ctx.resolve(".dockerignore")), IgnoreFiles.locate(ctx, ctx.resolve("Dockerfile")));
        assertEquals(List.of("node_modules"), IgnoreFiles.load(ctx, ctx.resolve("Dockerfile")).patterns());
    }

    @Test
    void dockerfileSpecificIgnoreFileWins() throws Exception {
        Files.writeString(ctx.resolve(".dockerignore"), "a\n");
        Files.writeString(ctx.resolve("Dockerfile.dockerignore"), "b\n");
        assertEquals(Optional.of(ctx.resolve("Dockerfile.dockerignore")),
                IgnoreFiles.locate(ctx, ctx.resolve("Dockerfile")));
        // The files are not merged.
        assertEquals(List.of("b"), IgnoreFiles.load(ctx, ctx.resolve("Dockerfile")).patterns());
    }

    @Test
    void specificFileLivesBesideTheDockerfileEvenOutsideTheContext() throws Exception {
        Path ci = Files.createDirectories(ctx.resolve("ci"));
        Path app = ctx.resolve("app");
        Files.createDirectories(app);
        Files.writeString(app.resolve(".dockerignore"), "a\n");
        Files.writeString(ci.resolve("app.Dockerfile.dockerignore"), "b\n");
        assertEquals(Optional.of(ci.resolve("app.Dockerfile.dockerignore")),
                IgnoreFiles.locate(app, ci.resolve("app.Dockerfile")));
        // A context-root file named after the Dockerfile does not count.
        Files.writeString(app.resolve("other.Dockerfile.dockerignore"), "c\n");
        assertEquals(Optional.of(app.resolve(".dockerignore")), IgnoreFiles.locate(app, ci.resolve("other.Dockerfile")));
    }

    @Test
    void anotherDockerfilesIgnoreFileDoesNotApply() throws Exception {
        Files.writeString(ctx.resolve(".dockerignore"), "a\n");
        Files.writeString(ctx.resolve("app.Dockerfile.dockerignore"), "b\n");
        assertEquals(Optional.of(ctx.resolve(".dockerignore")), IgnoreFiles.locate(ctx, ctx.resolve("Dockerfile")));
    }

    @Test
    void directoriesAreNotIgnoreFiles() throws Exception {
        Files.createDirectories(ctx.resolve("Dockerfile.dockerignore"));
        Files.writeString(ctx.resolve(".dockerignore"), "a\n");
        assertEquals(Optional.of(ctx.resolve(".dockerignore")), IgnoreFiles.locate(ctx, ctx.resolve("Dockerfile")));
        Files.delete(ctx.resolve(".dockerignore"));
        Files.createDirectories(ctx.resolve(".dockerignore"));
        assertEquals(Optional.empty(), IgnoreFiles.locate(ctx, ctx.resolve("Dockerfile")));
    }

    @Test
    void symbolicLinksAreFollowed() throws Exception {
        Files.writeString(ctx.resolve("shared-ignore"), "x\n");
        Files.createSymbolicLink(ctx.resolve("Dockerfile.dockerignore"), ctx.resolve("shared-ignore"));
        assertEquals(List.of("x"), IgnoreFiles.load(ctx, ctx.resolve("Dockerfile")).patterns());
    }

    @Test
    void noDockerfilePathMeansTheContextFile() throws Exception {
        Files.writeString(ctx.resolve(".dockerignore"), "a\n");
        assertEquals(Optional.of(ctx.resolve(".dockerignore")), IgnoreFiles.locate(ctx, null));
    }

    @Test
    void errorsNameTheFileFound() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile.dockerignore"), "ok\n[\n");
        InvalidIgnorePatternException ex = assertThrows(InvalidIgnorePatternException.class,
                () -> IgnoreFiles.load(ctx, ctx.resolve("Dockerfile")));
        assertTrue(ex.getMessage().startsWith(ctx.resolve("Dockerfile.dockerignore") + ":2: invalid pattern \"[\""),
                ex.getMessage());
    }
}
