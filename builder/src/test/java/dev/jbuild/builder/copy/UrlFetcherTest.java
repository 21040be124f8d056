package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jbuild.builder.BuildException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADD's downloads, against a small HTTP server on the loopback interface. */
class UrlFetcherTest {
    /** sha256 of "hello\n". */
    static final String HELLO_SHA256 = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";

    @TempDir
    Path dir;
    HttpServer server;
    final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        requests.incrementAndGet();
        String path = x.getRequestURI().getPath();
        switch (path) {
            case "/missing" -> send(x, 404, null, "no such thing");
            case "/moved" -> {
                x.getResponseHeaders().add("Location", "/files/hello.txt");
                send(x, 302, null, "");
            }
            case "/no-date/data.bin" -> send(x, 200, null, "no date\n");
            case "/bad-date.txt" -> send(x, 200, "yesterday", "bad date\n");
            case "/loop" -> {
                x.getResponseHeaders().add("Location", "/loop");
                send(x, 307, null, "");
            }
            case "/private/file" -> {
                String auth = x.getRequestHeaders().getFirst("Authorization");
                boolean ok = ("Basic " + Base64.getEncoder().encodeToString("user:pw".getBytes())).equals(auth);
                send(x, ok ? 200 : 401, null, ok ? "secret content\n" : "who are you?");
            }
            case "/elsewhere" -> {
                x.getResponseHeaders().add("Location",
                        "http://localhost:" + server.getAddress().getPort() + "/echo-auth");
                send(x, 302, null, "");
            }
            case "/echo-auth" -> send(x, 200, null, String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            default -> send(x, 200, LAST_MODIFIED, "hello\n");
        }
    }

    private static void send(HttpExchange x, int status, String lastModified, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (lastModified != null) {
            x.getResponseHeaders().add("Last-Modified", lastModified);
        }
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void theBodyLandsInANamedFileWithMode0600AndTheServersTime() throws IOException {
        UrlFetcher.FetchedFile f = new UrlFetcher().fetch(url("/files/hello.txt?version=2"), dir, Optional.empty());
        assertEquals("hello.txt", f.name());
        assertEquals(dir.resolve("hello.txt"), f.file());
        assertEquals("hello\n", Files.readString(f.file()));
        assertEquals(0600, (Integer) Files.getAttribute(f.file(), "unix:mode") & 07777);
        Instant expected = Instant.parse("2015-10-21T07:28:00Z");
        assertEquals(Optional.of(expected), f.lastModified());
        assertEquals(expected, Files.getLastModifiedTime(f.file()).toInstant());
        assertEquals(List.of(dir.resolve("hello.txt")), listing(), "no partial file left");
    }

    @Test
    void withoutAUsableLastModifiedTheMtimeIsTheEpochAsInBuildKit() throws IOException {
        UrlFetcher.FetchedFile f = new UrlFetcher().fetch(url("/no-date/data.bin"), dir, Optional.empty());
        assertEquals(Optional.empty(), f.lastModified());
        assertEquals(Instant.EPOCH, Files.getLastModifiedTime(f.file()).toInstant());
        UrlFetcher.FetchedFile g = new UrlFetcher().fetch(url("/bad-date.txt"), dir, Optional.empty());
        assertEquals(Instant.EPOCH, Files.getLastModifiedTime(g.file()).toInstant());
    }

    @Test
    void namesComeFromTheLastPathSegment() {
        assertEquals("a b.txt", UrlFetcher.fileName(URI.create("https://h/dir/a%20b.txt")));
        assertEquals("dir", UrlFetcher.fileName(URI.create("https://h/x/dir/")), "path.Base drops trailing slashes");
        assertEquals("__unnamed__", UrlFetcher.fileName(URI.create("https://h")));
        assertEquals("__unnamed__", UrlFetcher.fileName(URI.create("https://h/")));
        assertEquals("__unnamed__", UrlFetcher.fileName(URI.create("https://h/a/..")));
        assertEquals("file.tgz", UrlFetcher.fileName(URI.create("https://h/file.tgz?token=x#frag")));
    }

    @Test
    void aMatchingChecksumPassesAndAMismatchDeletesTheFile() throws IOException {
        UrlFetcher.FetchedFile f = new UrlFetcher().fetch(url("/ok/hello.txt"), dir, Optional.of(HELLO_SHA256));
        assertEquals("hello\n", Files.readString(f.file()));

        Path other = Files.createDirectory(dir.resolve("other"));
        String wrong = "sha256:" + "0".repeat(64);
        BuildException e = assertThrows(BuildException.class,
                () -> new UrlFetcher().fetch(url("/ok/hello.txt"), other, Optional.of(wrong)));
        assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + wrong), e.getMessage());
        assertTrue(e.getMessage().contains("got " + HELLO_SHA256), e.getMessage());
        assertTrue(e.getMessage().contains(url("/ok/hello.txt").toString()), e.getMessage());
        try (Stream<Path> s = Files.list(other)) {
            assertEquals(0, s.count(), "nothing is left of a download that failed its checksum");
        }
    }

    @Test
    void aMalformedChecksumFailsBeforeAnyRequest() {
        for (String bad : List.of("5891b5b5", "md5:0123", "sha256:ABC", "sha256:" + "A".repeat(64))) {
            BuildException e = assertThrows(BuildException.class,
                    () -> new UrlFetcher().fetch(url("/ok/hello.txt"), dir, Optional.of(bad)));
            assertTrue(e.getMessage().contains("--checksum"), e.getMessage());
        }
        assertEquals(0, requests.get());
    }

    @Test
    void aNon2xxStatusNamesTheUrlAndTheStatus() throws IOException {
        BuildException e = assertThrows(BuildException.class,
                () -> new UrlFetcher().fetch(url("/missing"), dir, Optional.empty()));
        assertTrue(e.getMessage().contains(url("/missing").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void redirectsAreFollowedAndTheNameIsTheRequestedOnes() throws IOException {
        UrlFetcher.FetchedFile f = new UrlFetcher().fetch(url("/moved"), dir, Optional.empty());
        assertEquals("moved", f.name(), "BuildKit names the file from the URL in the Dockerfile");
        assertEquals("hello\n", Files.readString(f.file()));
        assertEquals(2, requests.get());
    }

    @Test
    void redirectLoopsEnd() {
        BuildException e = assertThrows(BuildException.class,
                () -> new UrlFetcher().fetch(url("/loop"), dir, Optional.empty()));
        assertTrue(e.getMessage().contains("stopped after 10 redirects"), e.getMessage());
        assertEquals(11, requests.get());
    }

    @Test
    void credentialsInTheUrlGoToItsHostOnly() throws IOException {
        String base = "http://user:pw@127.0.0.1:" + server.getAddress().getPort();
        UrlFetcher.FetchedFile f = new UrlFetcher().fetch(URI.create(base + "/private/file"), dir, Optional.empty());
        assertEquals("secret content\n", Files.readString(f.file()));
        UrlFetcher.FetchedFile g = new UrlFetcher().fetch(URI.create(base + "/elsewhere"), dir, Optional.empty());
        assertEquals("null", Files.readString(g.file()), "not sent to the host a redirect leads to");
    }

    @Test
    void passwordsInUrlsAreNotPrinted() {
        URI withPassword = URI.create("http://user:secret@127.0.0.1:" + server.getAddress().getPort() + "/missing");
        BuildException e = assertThrows(BuildException.class,
                () -> new UrlFetcher().fetch(withPassword, dir, Optional.empty()));
        assertTrue(!e.getMessage().contains("secret") && e.getMessage().contains("user:xxxxx@"), e.getMessage());
    }

    @Test
    void onlyHttpAndHttpsAreFetched() {
        BuildException e = assertThrows(BuildException.class,
                () -> new UrlFetcher().fetch(URI.create("ftp://127.0.0.1/x"), dir, Optional.empty()));
        assertTrue(e.getMessage().contains("only http and https"), e.getMessage());
    }

    @Test
    void httpDatesInAllThreeForms() {
        Instant t = Instant.parse("1994-11-06T08:49:37Z");
        assertEquals(Optional.of(t), HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(Optional.of(t), HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(Optional.of(t), HttpDates.parse("Sun Nov  6 08:49:37 1994"));
        assertEquals(Optional.empty(), HttpDates.parse("06/11/1994"));
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
    }
}
