package dev.jbuild.dockerfile.ignore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The context walk on real directories. */
class ContextWalkerTest {

    @TempDir
    Path ctx;

    private void touch(String... paths) throws IOException {
        for (String p : paths) {
            Path f = ctx.resolve(p);
            Files.createDirectories(f.getParent());
            Files.writeString(f, p);
        }
    }

    private void mkdir(String... paths) throws IOException {
        for (String p : paths) {
            Files.createDirectories(ctx.resolve(p));
        }
    }

    private List<String> walk(String ignore) throws Exception {
        return walk(ignore, new ArrayList<>());
    }

    private List<String> walk(String ignore, List<String> dirsRead) throws Exception {
        List<String> out = new ArrayList<>();
        ContextWalker.walk(ctx, IgnorePatterns.parse(ignore, ".dockerignore"),
                (rel, path, attrs) -> {
                    assertEquals(ctx.resolve(rel), path);
                    out.add(rel + (attrs.isDirectory() ? "/" : "") + (attrs.isSymbolicLink() ? "@" : ""));
                },
                dirsRead::add);
        return out;
    }

    @Test
    void depthFirstInByteOrderWithoutTheRoot() throws Exception {
        touch("b/2", "b/1", "a.txt", "B", "a/x", "Dockerfile", ".dockerignore");
        assertEquals(List.of(".dockerignore", "B", "Dockerfile", "a/", "a/x", "a.txt", "b/", "b/1", "b/2"), walk(""));
    }

    @Test
    void codePointOrderNotUtf16Order() throws Exception {
        // U+FF21 sorts before U+1F600 in UTF-8 bytes but after it in UTF-16 units.
        touch("\uFF21", "\uD83D\uDE00");
        assertEquals(List.of("\uFF21", "\uD83D\uDE00"), walk(""));
    }

    @Test
    void excludedDirectoryIsNeverRead() throws Exception {
        touch("node_modules/a/b/c.js", "node_modules/x.md", "src/main.js");
        List<String> read = new ArrayList<>();
        assertEquals(List.of("src/", "src/main.js"), walk("node_modules\n!*.md\n", read));
        assertEquals(List.of("", "src"), read);
    }

    @Test
    void unreadableExcludedDirectoryIsNotAnError() throws Exception {
        touch("secret/key", "app");
        Path secret = ctx.resolve("secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        try {
            assumeFalse(Files.isReadable(secret), "running as root: permissions are not enforced");
            assertEquals(List.of("app"), walk("secret\n"));
            // Even when an exception makes the walker try, an excluded directory it cannot read is passed over.
            assertEquals(List.of("app"), walk("secret\n!secret/keep\n"));
            assertThrows(AccessDeniedException.class, () -> walk(""));
        } finally {
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void reincludedEntryBringsItsExcludedParentsJustBeforeIt() throws Exception {
        touch("docs/a/keep.md", "docs/a/other.md", "docs/b/other.md", "docs/z.md", "zz");
        List<String> read = new ArrayList<>();
        assertEquals(List.of("docs/", "docs/a/", "docs/a/keep.md", "zz"), walk("docs\n!docs/a/keep.md\n", read));
        // docs/b cannot hold docs/a/keep.md, so it is not read.
        assertEquals(List.of("", "docs", "docs/a"), read);
    }

    @Test
    void searchedDirectoryWithNothingIncludedIsNotYielded() throws Exception {
        touch("docs/other.md", "a");
        assertEquals(List.of("a"), walk("docs\n!docs/keep.md\n"));
    }

    @Test
    void dirStarStarKeepsTheDirectoryItself() throws Exception {
        touch("build/out.jar", "build/classes/A.class", "src/A.java");
        assertEquals(List.of("build/", "src/", "src/A.java"), walk("build/**\n"));
    }

    @Test
    void symbolicLinksAreYieldedNotFollowed() throws Exception {
        touch("real/file");
        Files.createSymbolicLink(ctx.resolve("link"), ctx.resolve("real"));
        Files.createSymbolicLink(ctx.resolve("dangling"), ctx.resolve("nowhere"));
        assertEquals(List.of("dangling@", "link@", "real/", "real/file"), walk(""));
        assertEquals(List.of("dangling@", "link@"), walk("real\n"));
    }

    @Test
    void dockerfileAndIgnoreFileAreExcludedLikeAnyFile() throws Exception {
        touch("Dockerfile", ".dockerignore", "app.py");
        assertEquals(List.of("app.py"), walk("Dockerfile\n.dockerignore\n"));
    }

    @Test
    void contextMustBeADirectory() throws Exception {
        touch("file");
        assertThrows(IOException.class,
                () -> ContextWalker.walk(ctx.resolve("file"), IgnorePatterns.none(), (r, p, a) -> { }));
    }

    @Test
    void visitorFailureStopsTheWalk() throws Exception {
        touch("a", "b");
        List<String> seen = new ArrayList<>();
        IOException ex = assertThrows(IOException.class, () -> ContextWalker.walk(ctx, IgnorePatterns.none(),
                (r, p, a) -> {
                    seen.add(r);
                    throw new IOException("stop at " + r);
                }));
        assertEquals("stop at a", ex.getMessage());
        assertEquals(List.of("a"), seen);
    }

    @Test
    void emptyDirectoriesAreYielded() throws Exception {
        mkdir("empty", "gone/sub");
        assertEquals(List.of("empty/"), walk("gone\n"));
    }

    /**
     * The walk must yield exactly the paths isExcluded lets through, plus their excluded parents:
     * checked on a random tree for pattern sets that exercise skipping and searching.
     */
    @Test
    void walkAgreesWithIsExcludedOnARandomTree() throws Exception {
        Random rnd = new Random(42);
        String[] names = {"a", "b", "src", "docs", "node_modules", "keep", "x.log", "y.md", "z.go", "tmp", ".git"};
        List<String> all = new ArrayList<>();
        grow(rnd, names, "", 0, all);
        String[] ignoreFiles = {
            "",
            "*\n!**/*.go\n",
            "node_modules\n!*.md\n!node_modules/keep/**\n",
            "**/*.log\n!logs\n",
            "docs\n!docs/keep\ndocs/keep/tmp\n",
            "*\n!src\nsrc/**/tmp\n!src/**/tmp/keep\n",
            "a/**/b\n!a/b/keep\n.git\n",
            "**/tmp/**\n!**/keep/**/*.go\n",
            "b\n!b/*\nb/*/x.log\n",
            "**\n!a\n",
            "a*/**\n!a/keep*/**\n",
        };
        for (String ignore : ignoreFiles) {
            IgnorePatterns patterns = IgnorePatterns.parse(ignore, ".dockerignore");
            Set<String> expected = new TreeSet<>();
            for (String p : all) {
                if (!patterns.isExcluded(p)) {
                    for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                        expected.add(p.substring(0, i));
                    }
                    expected.add(p);
                }
            }
            List<String> walked = new ArrayList<>();
            ContextWalker.walk(ctx, patterns, (rel, path, attrs) -> walked.add(rel));
            assertEquals(expected, new TreeSet<>(walked), "patterns " + patterns);
            assertEquals(new LinkedHashSet<>(walked).size(), walked.size(), "no duplicates for " + patterns);
            List<String> inTreeOrder = new ArrayList<>(all);
            inTreeOrder.retainAll(expected);
            assertEquals(inTreeOrder, walked, "order for " + patterns);
        }
    }

    /** Builds a random tree, recording every path in walk order. */
    private void grow(Random rnd, String[] names, String dir, int depth, List<String> all) throws IOException {
        Set<String> chosen = new TreeSet<>();
        int n = 2 + rnd.nextInt(4);
        while (chosen.size() < n) {
            chosen.add(names[rnd.nextInt(names.length)]);
        }
        for (String name : chosen) {
            String rel = dir.isEmpty() ? name : dir + "/" + name;
            all.add(rel);
            if (depth < 4 && rnd.nextInt(3) != 0) {
                Files.createDirectories(ctx.resolve(rel));
                grow(rnd, names, rel, depth + 1, all);
            } else {
                Files.writeString(ctx.resolve(rel), rel);
            }
        }
    }

    @Test
    void twentyThousandFiles() throws Exception {
        for (int d = 0; d < 200; d++) {
            Path dir = Files.createDirectories(ctx.resolve(String.format("pkg%03d", d)));
            for (int f = 0; f < 100; f++) {
                Files.createFile(dir.resolve(String.format("f%03d.%s", f, f % 10 == 0 ? "log" : "java")));
            }
        }
        Files.createDirectories(ctx.resolve("pkg000/deep/deeper"));
        IgnorePatterns patterns = IgnorePatterns.parse("**/*.log\n!pkg1[0-8]*/f010.log\npkg19*\n", ".dockerignore");
        int[] counts = new int[2];
        List<String> read = new ArrayList<>();
        ContextWalker.walk(ctx, patterns, (rel, path, attrs) -> counts[attrs.isDirectory() ? 1 : 0]++, read::add);
        // 200 dirs x 90 .java files, minus the ten pkg19x dirs, plus f010.log in each pkg1xx dir left.
        assertEquals(190 * 90 + 90, counts[0]);
        assertEquals(190 + 2, counts[1]);
        // pkg19x is excluded and no exception can match inside it, so it is never read.
        assertFalse(read.contains("pkg190"));
        assertTrue(read.contains("pkg000/deep"));
    }
}
