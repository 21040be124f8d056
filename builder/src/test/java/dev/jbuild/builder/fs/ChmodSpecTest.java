package dev.jbuild.builder.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbuild.builder.BuildException;
import dev.jbuild.testkit.Required;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChmodSpecTest {
    /** Symbolic values compared with GNU chmod, on files and directories alike. */
    private static final List<String> SYMBOLIC = List.of(
            "u+x", "u-x", "u=rw", "g=u", "go=u-w", "o=u-w", "o=", "a-w", "+x", "-x", "=r", "a=rwx",
            "ug+rw,o-rwx", "u=rwX,go=rX", "a+X", "+X", "-X", "=X", "u=X", "a-x,+X", "g+s", "u+s", "o+s",
            "+s", "-s", "g-s", "ug=s", "o+t", "u+t", "+t", "-t", "a=", "=", "+", "u=g,g=o,o=u", "=rw,+X",
            "u+rw-x", "go-rwx+r", "u=o", "a+rwxst", "a-rwxst", "g=rwxs", "uo+x,g-w");

    /** Octal values compared with GNU chmod on files (on directories GNU keeps set-id bits). */
    private static final List<String> OCTAL = List.of("755", "0644", "4755", "2750", "1777", "0", "7777", "00600");

    private static final int[] MODES = {0, 0644, 0755, 0700, 0100, 0010, 06755, 01777, 02750, 07777, 0570};

    @TempDir
    Path dir;

    @Test
    void agreesWithGnuChmodOnRealFilesAndDirectories() throws Exception {
        Required.tools("chmod", "sh");
        List<Case> cases = new ArrayList<>();
        for (String spec : SYMBOLIC) {
            for (int mode : MODES) {
                cases.add(new Case(spec, mode, false));
                cases.add(new Case(spec, mode, true));
            }
        }
        for (String spec : OCTAL) {
            for (int mode : MODES) {
                cases.add(new Case(spec, mode, false));
            }
        }
        // One shell for every case: umask 0, as COPY has no umask to apply to "+w" and friends.
        StringBuilder script = new StringBuilder("umask 000\n");
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Path p = dir.resolve("f" + i);
            if (c.directory) {
                Files.createDirectory(p);
            } else {
                Files.createFile(p);
            }
            Files.setAttribute(p, "unix:mode", c.mode);
            script.append("chmod -- '").append(c.spec).append("' '").append(p).append("' || exit 1\n");
        }
        Process sh = new ProcessBuilder("sh", "-c", script.toString()).redirectErrorStream(true).start();
        String output = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        sh.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, sh.exitValue(), output);

        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            int gnu = mode(dir.resolve("f" + i));
            int ours = ChmodSpec.parse(c.spec).apply(c.mode | (c.directory ? 0040000 : 0100000), c.directory);
            if (gnu != ours) {
                mismatches.add(String.format("%s on %s %04o: chmod %04o, ours %04o",
                        c.spec, c.directory ? "dir" : "file", c.mode, gnu, ours));
            }
        }
        assertEquals(List.of(), mismatches);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // value       | start | directory | expected
        "u=rwX,go=rX   | 0700  | true      | 0755",
        "u=rwX,go=rX   | 0600  | false     | 0644",
        "u=rwX,go=rX   | 0744  | false     | 0755",
        "755           | 04777 | true      | 0755",
        "0644          | 02755 | true      | 0644",
        "4755          | 0     | false     | 04755",
        "g+s           | 0755  | true      | 02755",
        "o+t           | 0777  | true      | 01777",
        "u+t           | 0777  | true      | 0777",
        "g=u           | 0750  | false     | 0770",
        "o=            | 0777  | false     | 0770",
        "a-w           | 0777  | false     | 0555",
        "+x            | 0644  | false     | 0755",
        "=rwx          | 02755 | true      | 02777",
    })
    void documentedExamples(String value, String start, boolean directory, String expected) throws BuildException {
        int from = Integer.parseInt(start, 8);
        assertEquals(Integer.parseInt(expected, 8), ChmodSpec.parse(value).apply(from, directory),
                value + " on " + start);
    }

    @Test
    void octalReplacesEvenADirectorysSetIdBits() throws BuildException {
        // GNU chmod 755 keeps a directory's setgid; BuildKit sets exactly the given bits.
        assertEquals(0755, ChmodSpec.parse("755").apply(0042775, true));
    }

    @Test
    void fileTypeBitsAreIgnored() throws BuildException {
        assertEquals(0755, ChmodSpec.parse("+x").apply(0100644, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8", "0x755", "017777", "99999999999999", "75a"})
    void badNumbersAreRefusedWithBuildKitsMessage(String value) {
        BuildException e = assertThrows(BuildException.class, () -> ChmodSpec.parse(value));
        assertEquals("invalid chmod parameter: '" + value + "'. it should be octal string and between 0 and 07777",
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ",", "u", "go", "q+r", "u+x,", ",u+x", "+z", "u+g w", "u=gx", "a+rw x", "ux+"})
    void badSymbolicValuesAreRefused(String value) {
        BuildException e = assertThrows(BuildException.class, () -> ChmodSpec.parse(value));
        assertEquals("invalid chmod parameter: '" + value + "': invalid syntax", e.getMessage());
    }

    @Test
    void printsAsWritten() throws BuildException {
        assertEquals("u=rwX,go=rX", ChmodSpec.parse("u=rwX,go=rX").toString());
    }

    private record Case(String spec, int mode, boolean directory) {
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
