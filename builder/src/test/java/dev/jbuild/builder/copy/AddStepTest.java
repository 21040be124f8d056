package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.jbuild.builder.BuildException;
import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.Ids;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADD end to end: local archives unpacked by content, URLs fetched and placed, the rest as COPY. */
class AddStepTest {
    @TempDir
    Path tmp;
    Path context;
    Path rootfs;
    Path scratch;
    HttpServer server;
    byte[] served;

    @BeforeEach
    void setUp() throws Exception {
        Required.root("ADD sets owners");
        Required.tools("tar", "gzip");
        context = Files.createDirectory(tmp.resolve("context"));
        rootfs = Files.createDirectory(tmp.resolve("rootfs"));
        scratch = Files.createDirectory(tmp.resolve("scratch"));
        Path tree = Files.createDirectories(tmp.resolve("tree/pkg"));
        Files.writeString(tree.resolve("lib.txt"), "lib\n");
        AddTars.gnuTar(tmp, "-czf", context.resolve("app.tgz").toString(), "-C", tmp.resolve("tree").toString(), ".");
        Files.copy(context.resolve("app.tgz"), context.resolve("payload.bin"));
        Files.writeString(context.resolve("fake.tar.gz"), "just text\n");
        served = Files.readAllBytes(context.resolve("app.tgz"));

        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            byte[] body = x.getRequestURI().getPath().endsWith(".tgz") ? served : "downloaded\n".getBytes();
            x.getResponseHeaders().add("Last-Modified", UrlFetcherTest.LAST_MODIFIED);
            x.sendResponseHeaders(x.getRequestURI().getPath().equals("/missing") ? 404 : 200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (server != null) {
            server.stop(0);
        }
        if (scratch != null) {
            try (Stream<Path> s = Files.list(scratch)) {
                assertEquals(0, s.count(), "downloads are removed once placed");
            }
        }
    }

    private CopyResult add(List<String> sources, String dest, Optional<Ids> chown, Optional<Boolean> unpack,
                           Optional<String> checksum, List<String> excludes) throws IOException {
        return add(CopySource.context(context, IgnorePatterns.none()), sources, dest, chown, Optional.empty(), unpack,
                checksum, excludes);
    }

    private CopyResult add(CopySource from, List<String> sources, String dest, Optional<Ids> chown,
                           Optional<ChmodSpec> chmod, Optional<Boolean> unpack, Optional<String> checksum,
                           List<String> excludes) throws IOException {
        CopyRequest copy = new CopyRequest(sources, dest, "/work", chown, chmod, false, false, excludes);
        return AddStep.add(from, new AddRequest(copy, checksum, unpack), rootfs, scratch);
    }

    private CopyResult add(String source, String dest) throws IOException {
        return add(List.of(source), dest, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void aLocalArchiveIsUnpackedIntoTheDestinationWhateverItsName() throws IOException {
        CopyResult r = add("app.tgz", "/opt");
        assertEquals("lib\n", Files.readString(rootfs.resolve("opt/pkg/lib.txt")), "no trailing / needed");
        assertEquals(1, r.files());
        add("payload.bin", "rel");
        assertEquals("lib\n", Files.readString(rootfs.resolve("work/rel/pkg/lib.txt")), "relative to WORKDIR");
    }

    @Test
    void aFileNamedLikeAnArchiveButNotOneIsCopied() throws IOException {
        add("fake.tar.gz", "/opt/");
        assertEquals("just text\n", Files.readString(rootfs.resolve("opt/fake.tar.gz")));
    }

    @Test
    void unpackFalseCopiesTheArchiveAsAFile() throws IOException {
        add(List.of("app.tgz"), "/opt/", Optional.empty(), Optional.of(false), Optional.empty(), List.of());
        assertTrue(Files.isRegularFile(rootfs.resolve("opt/app.tgz")));
        assertFalse(Files.exists(rootfs.resolve("opt/pkg")));
    }

    @Test
    void wildcardMatchesAreUnpackedOrCopiedOneByOne() throws IOException {
        Files.writeString(context.resolve("x[1].gz"), "brackets in a name\n");
        add("*gz", "/out/");
        assertEquals("lib\n", Files.readString(rootfs.resolve("out/pkg/lib.txt")));
        assertEquals("just text\n", Files.readString(rootfs.resolve("out/fake.tar.gz")));
        assertEquals("brackets in a name\n", Files.readString(rootfs.resolve("out/x[1].gz")));

        Path sub = Files.createDirectory(context.resolve("sub"));
        Files.copy(context.resolve("app.tgz"), sub.resolve("app.tgz"));
        Files.writeString(sub.resolve("y[2].txt"), "below a base\n");
        Files.writeString(sub.resolve("skip.txt"), "excluded\n");
        add(List.of("sub/*"), "/sub/", Optional.empty(), Optional.empty(), Optional.empty(), List.of("skip*"));
        assertEquals("lib\n", Files.readString(rootfs.resolve("sub/pkg/lib.txt")));
        assertEquals("below a base\n", Files.readString(rootfs.resolve("sub/y[2].txt")));
        assertFalse(Files.exists(rootfs.resolve("sub/skip.txt")));

        BuildException e = assertThrows(BuildException.class, () -> add("*gz", "/single"));
        assertTrue(e.getMessage().contains("must be a directory"), e.getMessage());
    }

    @Test
    void excludedAndIgnoredArchivesAreNotUnpacked() throws Exception {
        add(List.of("*.tgz", "fake.tar.gz"), "/out/", Optional.empty(), Optional.empty(), Optional.empty(),
                List.of("app.*"));
        assertFalse(Files.exists(rootfs.resolve("out/pkg")));
        assertTrue(Files.exists(rootfs.resolve("out/fake.tar.gz")));

        CopySource ignoring = CopySource.context(context, IgnorePatterns.of(List.of("*.tgz")));
        BuildException e = assertThrows(BuildException.class, () -> add(ignoring, List.of("app.tgz"), "/o/",
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of()));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void chownOwnsUnpackedEntriesAndChmodDoesNotTouchThem() throws IOException {
        add(CopySource.context(context, IgnorePatterns.none()), List.of("app.tgz"), "/opt",
                Optional.of(Ids.of(7, 8)), Optional.of(ChmodSpec.parse("0700")), Optional.empty(), Optional.empty(),
                List.of());
        Path lib = rootfs.resolve("opt/pkg/lib.txt");
        assertEquals(List.of(7, 8), owner(lib));
        assertEquals(List.of(7, 8), owner(rootfs.resolve("opt")));
        assertEquals(0644, mode(lib), "BuildKit does not apply --chmod to unpacked files");
    }

    @Test
    void aUrlIsPlacedAsACopyOfOneFile() throws IOException {
        CopyResult r = add(url("/files/tool.sh"), "/dl/");
        Path f = rootfs.resolve("dl/tool.sh");
        assertEquals("downloaded\n", Files.readString(f));
        assertEquals(0600, mode(f));
        assertEquals(List.of(0, 0), owner(f));
        assertEquals(Instant.parse("2015-10-21T07:28:00Z"), Files.getLastModifiedTime(f).toInstant());
        assertEquals(1, r.files());

        add(CopySource.context(context, IgnorePatterns.none()), List.of(url("/files/tool.sh")), "/bin/renamed",
                Optional.of(Ids.of(5, 6)), Optional.of(ChmodSpec.parse("755")), Optional.empty(), Optional.empty(),
                List.of());
        Path renamed = rootfs.resolve("bin/renamed");
        assertEquals("downloaded\n", Files.readString(renamed));
        assertEquals(0755, mode(renamed));
        assertEquals(List.of(5, 6), owner(renamed));
        add(url("/"), "/unnamed/");
        assertTrue(Files.exists(rootfs.resolve("unnamed/__unnamed__")));
    }

    @Test
    void remoteArchivesAreUnpackedOnlyWhenAsked() throws IOException {
        add(url("/release.tgz"), "/r/");
        assertTrue(Files.isRegularFile(rootfs.resolve("r/release.tgz")));
        add(List.of(url("/release.tgz")), "/u", Optional.empty(), Optional.of(true), Optional.empty(), List.of());
        assertEquals("lib\n", Files.readString(rootfs.resolve("u/pkg/lib.txt")));
    }

    @Test
    void aMatchingChecksumPlacesTheFile() throws Exception {
        String digest = "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest("downloaded\n".getBytes(StandardCharsets.UTF_8)));
        add(List.of(url("/files/hello")), "/c/", Optional.empty(), Optional.empty(), Optional.of(digest), List.of());
        assertEquals("downloaded\n", Files.readString(rootfs.resolve("c/hello")));
    }

    @Test
    void checksumRules() {
        BuildException local = assertThrows(BuildException.class, () -> add(List.of("app.tgz"), "/c/",
                Optional.empty(), Optional.empty(), Optional.of("sha256:" + "0".repeat(64)), List.of()));
        assertEquals("checksum requires HTTP(S) or Git sources", local.getMessage());
        BuildException two = assertThrows(BuildException.class, () -> add(List.of(url("/a"), url("/b")), "/c/",
                Optional.empty(), Optional.empty(), Optional.of("sha256:" + "0".repeat(64)), List.of()));
        assertEquals("checksum can't be specified for multiple sources", two.getMessage());
        BuildException mismatch = assertThrows(BuildException.class, () -> add(List.of(url("/a")), "/c/",
                Optional.empty(), Optional.empty(), Optional.of("sha256:" + "0".repeat(64)), List.of()));
        assertTrue(mismatch.getMessage().contains("digest mismatch"), mismatch.getMessage());
        assertFalse(Files.exists(rootfs.resolve("c")), "nothing placed");
    }

    @Test
    void gitSourcesAreRefusedBeforeAnythingIsDone() {
        BuildException e = assertThrows(BuildException.class, () -> add(List.of("app.tgz",
                "https://user:pw@github.com/moby/buildkit.git#v0.13.0"), "/src/", Optional.empty(), Optional.empty(),
                Optional.empty(), List.of()));
        assertTrue(e.getMessage().startsWith("ADD from a git repository is not supported yet"), e.getMessage());
        assertFalse(e.getMessage().contains("pw@"), e.getMessage());
        assertFalse(Files.exists(rootfs.resolve("src")));
    }

    @Test
    void aFailedDownloadNamesTheUrl() {
        BuildException e = assertThrows(BuildException.class, () -> add(url("/missing"), "/x/"));
        assertTrue(e.getMessage().contains(url("/missing")) && e.getMessage().contains("404"), e.getMessage());
    }

    @Test
    void sourcesAreAppliedInOrderLaterOnesWinning() throws IOException {
        Files.createDirectories(context.resolve("over/pkg"));
        Files.writeString(context.resolve("over/pkg/lib.txt"), "from the directory\n");
        add(List.of("app.tgz", "over"), "/o/", Optional.empty(), Optional.empty(), Optional.empty(), List.of());
        assertEquals("from the directory\n", Files.readString(rootfs.resolve("o/pkg/lib.txt")));
    }

    @Test
    void whatIsAUrlAndWhatIsGit() {
        assertTrue(AddStep.isUrl("https://example.com/file.tgz"));
        assertTrue(AddStep.isUrl("http://example.com/"));
        assertFalse(AddStep.isUrl("https://example.com/repo.git"));
        assertFalse(AddStep.isUrl("HTTP://example.com/x"), "BuildKit compares the scheme as written");
        for (String git : List.of("https://github.com/org/repo.git", "https://h/repo.git#main:sub",
                "https://h/repo.git?ref=v1", "git://h/repo", "ssh://git@h/repo", "git@github.com:org/repo.git")) {
            assertTrue(AddStep.isGit(git), git);
        }
        for (String local : List.of("github.com/org/repo", "./repo.git", "dir/file.git", "https://h/x.git.tgz",
                "https://h.git/x")) {
            assertFalse(AddStep.isGit(local), local);
        }
    }

    @Test
    void literalPatternsMatchOnlyTheirName() {
        assertEquals("plain.txt", AddStep.literal("plain.txt", ""));
        assertEquals("a[[]1][*][?][\\\\]", AddStep.literal("a[1]*?\\", ""));
        assertTrue(GoGlob.matches(AddStep.literal("a[1]*?\\", ""), "a[1]*?\\"));
        assertFalse(GoGlob.matches(AddStep.literal("a[1]*?\\", ""), "a1xy\\"));
        // Below a base, the first component is always a pattern, so matching starts from that base.
        String p = AddStep.literal("base/sub/x[1]", "base");
        assertEquals("base/[\\s]ub/x[[]1]", p);
        String[] parts = p.split("/");
        assertTrue(GoGlob.matches(parts[1], "sub") && !GoGlob.matches(parts[1], "sab"));
        assertTrue(GoGlob.matches(parts[2], "x[1]") && !GoGlob.matches(parts[2], "x1"));
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static List<Integer> owner(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
        return List.of((Integer) a.get("uid"), (Integer) a.get("gid"));
    }
}
