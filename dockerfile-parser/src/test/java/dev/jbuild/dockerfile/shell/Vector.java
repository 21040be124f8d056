package dev.jbuild.dockerfile.shell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of {@code testdata/expansion/*.tsv}: escape character, variables, input and expected
 * outcome, decoded from the file's notation (described at the top of each file).
 */
record Vector(String source, char escape, Map<String, String> env, String input, String expected) {

    private static final String ERROR = "error:";

    boolean expectsError() {
        return expected.startsWith(ERROR);
    }

    String expectedError() {
        return expected.substring(ERROR.length());
    }

    VariableLookup lookup() {
        return VariableLookup.of(env);
    }

    @Override
    public String toString() {
        return source;
    }

    static List<Vector> load(String fileName) {
        Path file = testdata().resolve("expansion").resolve(fileName);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Vector> vectors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String where = fileName + ":" + (i + 1);
            String[] f = line.split("\t", -1);
            if (f.length != 4) {
                throw new IllegalArgumentException(where + ": want 4 TAB-separated fields, got " + f.length);
            }
            for (String field : f) {
                if (field.isEmpty() || field.strip().length() != field.length()) {
                    throw new IllegalArgumentException(where + ": empty field or edge whitespace; use ⟦⟧ or ⟦20⟧");
                }
            }
            if (!f[0].equals("\\") && !f[0].equals("`")) {
                throw new IllegalArgumentException(where + ": escape must be \\ or `");
            }
            vectors.add(new Vector(where + "  " + f[2], f[0].charAt(0), env(f[1]), decode(f[2]), decode(f[3])));
        }
        return vectors;
    }

    private static Map<String, String> env(String spec) {
        Map<String, String> env = new LinkedHashMap<>();
        if (!spec.equals("-")) {
            for (String entry : spec.split(";", -1)) {
                int eq = entry.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("env entry without '=': " + entry);
                }
                env.put(decode(entry.substring(0, eq)), decode(entry.substring(eq + 1)));
            }
        }
        return env;
    }

    /** Turns ⟦hex⟧ into that code point and ⟦⟧ into nothing. */
    static String decode(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf('⟦', i);
            if (open < 0) {
                break;
            }
            int close = s.indexOf('⟧', open);
            out.append(s, i, open);
            String hex = s.substring(open + 1, close);
            if (!hex.isEmpty()) {
                out.appendCodePoint(Integer.parseInt(hex, 16));
            }
            i = close + 1;
        }
        return out.append(s.substring(i)).toString();
    }

    /** Words of a words.tsv expectation, split on ¦; ⟦⟧ alone is no words. */
    List<String> expectedWords() {
        return expected.isEmpty() ? List.of() : Arrays.asList(expected.split("¦", -1));
    }

    /** The shared testdata directory: surefire's jbuild.testdata, else found above user.dir. */
    static Path testdata() {
        String configured = System.getProperty("jbuild.testdata");
        if (configured != null && Files.isDirectory(Paths.get(configured, "expansion"))) {
            return Paths.get(configured);
        }
        for (Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("testdata").resolve("expansion"))) {
                return dir.resolve("testdata");
            }
        }
        throw new IllegalStateException("cannot find testdata/expansion from " + System.getProperty("user.dir"));
    }
}
