package dev.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.luben.zstd.Zstd;
import dev.jbuild.testkit.Required;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which local files ADD unpacks: tars by content, compressed or not, never by name. */
class ArchivesDetectTest {
    @TempDir
    Path tmp;
    Path src;

    @BeforeEach
    void tree() throws IOException {
        src = Files.createDirectory(tmp.resolve("src"));
        Files.writeString(src.resolve("hello.txt"), "hello\n");
    }

    @ParameterizedTest
    @CsvSource({"-cf,TAR", "-czf,GZIP", "-cjf,BZIP2", "-cJf,XZ", "--zstd -cf,ZSTD"})
    void gnuTarArchivesAreDetectedByContentWhateverTheirName(String flags, ArchiveFormat format) throws Exception {
        Required.tools("tar", "gzip", "bzip2", "xz", "zstd");
        String[] args = (flags + " " + tmp.resolve("archive.bin") + " -C " + src + " .").split(" ");
        AddTars.gnuTar(tmp, args);
        assertEquals(Optional.of(format), Archives.detect(tmp.resolve("archive.bin")));
    }

    @Test
    void aTextFileNamedLikeAnArchiveIsNotOne() throws IOException {
        Path fake = Files.writeString(tmp.resolve("fake.tar.gz"), "not an archive at all\n".repeat(100));
        assertEquals(Optional.empty(), Archives.detect(fake));
    }

    @Test
    void gzipOfSomethingElseIsNotAnArchive() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write("plain text, compressed\n".repeat(100).getBytes());
        }
        Path file = Files.write(tmp.resolve("notes.tar.gz"), out.toByteArray());
        assertEquals(Optional.empty(), Archives.detect(file));
    }

    @Test
    void emptyAndTruncatedFilesAreNotArchives() throws Exception {
        assertEquals(Optional.empty(), Archives.detect(Files.createFile(tmp.resolve("empty"))));
        AddTars.gnuTar(tmp, "-cf", "nothing.tar", "-T", "/dev/null");
        assertEquals(Optional.empty(), Archives.detect(tmp.resolve("nothing.tar")), "an empty tar has no header");

        AddTars.gnuTar(tmp, "-cf", "full.tar", "-C", src.toString(), ".");
        byte[] full = Files.readAllBytes(tmp.resolve("full.tar"));
        Path half = Files.write(tmp.resolve("half.tar"), Arrays.copyOf(full, 300));
        assertEquals(Optional.empty(), Archives.detect(half));
    }

    @Test
    void aHeaderWithAWrongChecksumIsNotATar() throws Exception {
        AddTars.gnuTar(tmp, "-cf", "full.tar", "-C", src.toString(), ".");
        byte[] tar = Files.readAllBytes(tmp.resolve("full.tar"));
        tar[0] ^= 1; // the name changes, the recorded checksum does not
        assertEquals(Optional.empty(), Archives.detect(Files.write(tmp.resolve("bad.tar"), tar)));
    }

    @Test
    void oldV7HeadersWithoutUstarMagicAreTars() throws Exception {
        AddTars.gnuTar(tmp, "--format=v7", "-cf", "old.tar", "-C", src.toString(), "hello.txt");
        byte[] tar = Files.readAllBytes(tmp.resolve("old.tar"));
        assertEquals(0, tar[257], "v7 headers carry no magic");
        assertEquals(Optional.of(ArchiveFormat.TAR), Archives.detect(tmp.resolve("old.tar")));
    }

    @Test
    void zstdStreamsStartingWithASkippableFrameAreDetected() throws Exception {
        AddTars.gnuTar(tmp, "-cf", "plain.tar", "-C", src.toString(), ".");
        byte[] compressed = Zstd.compress(Files.readAllBytes(tmp.resolve("plain.tar")));
        byte[] skippable = {0x5a, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'j', 'b', 'l', 'd'};
        byte[] both = Arrays.copyOf(skippable, skippable.length + compressed.length);
        System.arraycopy(compressed, 0, both, skippable.length, compressed.length);
        assertEquals(Optional.of(ArchiveFormat.ZSTD), Archives.detect(Files.write(tmp.resolve("skip.zst"), both)));
    }

    @Test
    void onlyRegularFilesAreArchivesSymlinksAreNotFollowed() throws Exception {
        AddTars.gnuTar(tmp, "-cf", "real.tar", "-C", src.toString(), ".");
        Path link = Files.createSymbolicLink(tmp.resolve("link.tar"), tmp.resolve("real.tar"));
        assertEquals(Optional.empty(), Archives.detect(link));
        assertEquals(Optional.empty(), Archives.detect(src));
        assertEquals(Optional.empty(), Archives.detect(tmp.resolve("missing.tar")));
    }
}
