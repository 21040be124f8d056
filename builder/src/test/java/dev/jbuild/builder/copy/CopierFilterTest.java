package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which source files COPY takes: wildcards, .dockerignore, --exclude, --parents. */
class CopierFilterTest {
    @TempDir
    Path tmp;
    CopierFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        Required.root("COPY sets owners");
        fx = new CopierFixture(tmp);
    }

    @Test
    void wildcardsMatchPerComponentWithGoSyntax() throws IOException {
        fx.file("a.txt", "a");
        fx.file("b.txt", "b");
        fx.file("c.md", "c");
        fx.file("x1", "1");
        fx.file("xy", "y");
        fx.file("src/one/f.go", "one");
        fx.file("src/two/f.go", "two");
        fx.file("src/two/deep/f.go", "deep");

        fx.copy("*.txt", "/t/").run();
        fx.copy("x?", "/q/").run();
        fx.copy("[ac].*", "/c/").run();
        fx.copy("x[^0-9]", "/n/").run();
        fx.copy("src/*/f.go", "/g/").run();

        assertEquals(List.of("a.txt", "b.txt"), names("/t"));
        assertEquals(List.of("x1", "xy"), names("/q"));
        assertEquals(List.of("a.txt", "c.md"), names("/c"));
        assertEquals(List.of("xy"), names("/n"));
        // Both matches are named f.go: the second overwrites the first, as in BuildKit.
        assertEquals(List.of("f.go"), names("/g"));
        assertEquals("two", fx.read("/g/f.go"));
    }

    @Test
    void wildcardMatchingADirectoryCopiesItsContents() throws IOException {
        fx.file("dir1/a", "A");
        fx.file("dir2/b", "B");
        fx.copy("dir*", "/d/").run();
        assertEquals(List.of("a", "b"), names("/d"));
    }

    @Test
    void wildcardMatchingOneFileMayNameAFile() throws IOException {
        fx.file("target/app-1.2.3.jar", "jar");
        fx.copy("target/app-*.jar", "/app.jar").run();
        assertEquals("jar", fx.read("/app.jar"));
    }

    @Test
    void wildcardMatchingSeveralNeedsADirectory() throws IOException {
        fx.file("a.txt", "a");
        fx.file("b.txt", "b");
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("*.txt", "/file").run());
        assertEquals("When using COPY with more than one source file, the destination must be a directory"
                + " and end with a /", e.getMessage());
    }

    @Test
    void unmatchedWildcardIsNotAnError() throws IOException {
        CopyResult result = fx.copy("*.nothing", "/d/").run();
        assertEquals(new CopyResult(0, 0, 0, 0, 0), result);
        assertFalse(Files.exists(fx.host("/d")), "nothing is created either");
        fx.copy("missing/*", "/e/").run();
    }

    @Test
    void wildcardCharactersCanBeMatchedLiterally() throws IOException {
        fx.file("star*name", "s");
        fx.file("starXname", "x");
        fx.copy("star[*]name", "/brackets/").run();
        fx.copy("sta?\\*name", "/backslash/").run();
        assertEquals(List.of("star*name"), names("/brackets"));
        assertEquals(List.of("star*name"), names("/backslash"));
    }

    @Test
    void dockerignoreHidesFilesEverywhere() throws Exception {
        fx.file("secret.env", "S");
        fx.file("app/main.go", "M");
        fx.file("app/app.log", "L");
        fx.file("app/logs/keep.log", "K");
        fx.file("app/logs/other.log", "O");
        fx.ignore("secret.env", "**/*.log", "!app/logs/keep.log");

        BuildException e = assertThrows(BuildException.class, () -> fx.copy("secret.env", "/x").run());
        assertEquals("COPY failed: \"secret.env\" not found in build context", e.getMessage());

        fx.copy(".", "/all/").run();
        fx.copy("*.env", "/w/").run();

        assertEquals(List.of("app"), names("/all"));
        assertEquals(List.of("logs", "main.go"), names("/all/app"));
        assertEquals(List.of("keep.log"), names("/all/app/logs"));
        assertFalse(Files.exists(fx.host("/w")), "an ignored file does not match a wildcard");
    }

    @Test
    void ignoredDirectoryComesBackOnlyForWhatIsReincluded() throws Exception {
        fx.file("node_modules/a/index.js", "a");
        fx.file("node_modules/keep/index.js", "k");
        fx.file("node_modules/keep/README", "r");
        fx.ignore("node_modules", "!node_modules/keep/index.js");

        fx.copy(".", "/app/").run();
        fx.copy("node_modules", "/nm/").run();

        assertEquals(List.of("keep"), names("/app/node_modules"));
        assertEquals(List.of("index.js"), names("/app/node_modules/keep"));
        assertEquals(List.of("keep"), names("/nm"));
    }

    @Test
    void ignoredSymlinkLeadsNowhere() throws Exception {
        fx.file("real.txt", "R");
        Files.createSymbolicLink(fx.context.resolve("link"), Path.of("real.txt"));
        fx.file("hidden/f", "H");
        Files.createSymbolicLink(fx.context.resolve("door"), Path.of("hidden"));
        fx.ignore("link", "hidden");

        assertThrows(BuildException.class, () -> fx.copy("link", "/x").run());
        assertThrows(BuildException.class, () -> fx.copy("door/f", "/y").run());
        fx.copy("real.txt", "/z").run();
        assertEquals("R", fx.read("/z"));
    }

    @Test
    void excludeSkipsMatchingPathsBelowTheSource() throws IOException {
        fx.file("src/a.go", "a");
        fx.file("src/a_test.go", "t");
        fx.file("src/pkg/b.go", "b");
        fx.file("src/pkg/b_test.go", "t");
        fx.file("src/vendor/x/c.go", "c");

        fx.copy("src", "/app/").exclude("**/*_test.go").exclude("vendor").run();

        assertEquals(List.of("a.go", "pkg"), names("/app"));
        assertEquals(List.of("b.go"), names("/app/pkg"));
    }

    @Test
    void excludeWithAnExceptionReincludes() throws IOException {
        fx.file("d/docs/a.md", "a");
        fx.file("d/docs/keep.md", "k");
        fx.copy("d", "/x/").exclude("docs").exclude("!docs/keep.md").run();
        assertEquals(List.of("keep.md"), names("/x/docs"));
    }

    @Test
    void excludeAlsoDropsWildcardMatches() throws IOException {
        fx.file("home.txt", "t");
        fx.file("homework.md", "m");
        fx.file("homedir/notes.txt", "n");
        fx.file("homedir/plan.md", "p");

        fx.copy("hom*", "/mydir/").exclude("*.txt").run();

        assertEquals(List.of("homework.md", "plan.md"), names("/mydir"));
    }

    @Test
    void invalidExcludePatternIsAnError() throws IOException {
        fx.file("d/f", "F");
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("d", "/x/").exclude("a[").run());
        assertTrue(e.getMessage().startsWith("invalid --exclude pattern: "), e.getMessage());
    }

    @Test
    void parentsKeepTheSourcePath() throws IOException {
        fx.file("x/a.txt", "xa");
        fx.file("y/a.txt", "ya");
        fx.file("y/b.txt", "yb");

        fx.copy("x/a.txt", "y/a.txt", "/parents/").parents().run();

        assertEquals("xa", fx.read("/parents/x/a.txt"));
        assertEquals("ya", fx.read("/parents/y/a.txt"));
        assertFalse(Files.exists(fx.host("/parents/y/b.txt")));
    }

    @Test
    void parentsWithWildcardsAndDoubleStar() throws IOException {
        fx.file("pkgs/one/package.json", "1");
        fx.file("pkgs/two/package.json", "2");
        fx.file("pkgs/two/node_modules/dep/package.json", "dep");
        fx.file("pkgs/two/index.js", "js");

        fx.copy("pkgs/*/package.json", "/a/").parents().run();
        fx.copy("**/dep/*.json", "/b").parents().run();

        assertEquals("1", fx.read("/a/pkgs/one/package.json"));
        assertEquals("2", fx.read("/a/pkgs/two/package.json"));
        assertFalse(Files.exists(fx.host("/a/pkgs/two/index.js")));
        assertFalse(Files.exists(fx.host("/a/pkgs/two/node_modules")), "package.json matched one level only");
        assertEquals("dep", fx.read("/b/pkgs/two/node_modules/dep/package.json"));
    }

    @Test
    void parentsPivotDropsTheLeadingPart() throws IOException {
        fx.file("build/out/bin/app", "app");
        fx.file("build/out/lib/x.so", "so");

        fx.copy("build/out/./bin/app", "build/./out/lib", "/opt/").parents().run();

        assertEquals("app", fx.read("/opt/bin/app"));
        assertEquals("so", fx.read("/opt/out/lib/x.so"));
    }

    @Test
    void parentsNeedLiteralSourcesToExist() throws IOException {
        BuildException e = assertThrows(BuildException.class, () -> fx.copy("no/such.txt", "/p/").parents().run());
        assertEquals("COPY failed: \"no/such.txt\" not found in build context", e.getMessage());
        fx.copy("no/*.txt", "/q/").parents().run();
        assertTrue(Files.isDirectory(fx.host("/q")));
        assertEquals(List.of(), names("/q"));
    }

    @Test
    void parentsRespectDockerignoreAndExclude() throws Exception {
        fx.file("a/keep.txt", "k");
        fx.file("a/drop.txt", "d");
        fx.file("a/secret.txt", "s");
        fx.ignore("a/secret.txt");

        fx.copy("a/*.txt", "/p/").parents().exclude("a/drop.txt").run();

        assertEquals(List.of("keep.txt"), names("/p/a"));
    }

    private List<String> names(String containerDir) throws IOException {
        try (Stream<Path> s = Files.list(fx.host(containerDir))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
