package dev.jbuild.builder.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The checks of one case's {@code expect} file (format: {@code testdata/build/README.md}). Every
 * line is checked and every mismatch reported, so one run shows all that is wrong with a build.
 */
final class Expectations {
    /** What a build gave: the image, or the failure; and the lines its RUN steps printed. */
    record Outcome(ImageTree image, Throwable failure, List<String> output) {
    }

    private interface Check {
        /** Returns null when the check holds, else what was found instead. */
        String run(Outcome o) throws IOException;
    }

    private record Line(String text, Check check, boolean onFailure) {
    }

    private final List<Line> lines;
    private final boolean expectsFailure;

    private Expectations(List<Line> lines) {
        this.lines = lines;
        this.expectsFailure = lines.stream().anyMatch(l -> l.text.startsWith("fails "));
    }

    boolean expectsFailure() {
        return expectsFailure;
    }

    static Expectations parse(String caseName, List<String> text) {
        List<Line> out = new ArrayList<>();
        for (String raw : text) {
            String t = raw.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            ExpectLine l = new ExpectLine(t);
            String kind = l.word();
            Check c = switch (kind) {
                case "file" -> file(l.word(), l.attributes());
                case "dir" -> dir(l.word(), l.attributes());
                case "symlink" -> symlink(l);
                case "absent" -> absent(l.word());
                case "exists" -> exists(l.word());
                case "hardlink" -> hardlink(l.word(), l.word());
                case "children" -> children(l.word(), l.stringArray());
                case "line" -> line(l.word(), l.rest());
                case "no-line-starting" -> noLineStarting(l.word(), l.rest());
                case "config" -> json(true, l.rest());
                case "config-absent" -> jsonAbsent(true, l.word());
                case "config-env" -> configEnv(l.rest());
                case "config-env-absent" -> configEnvAbsent(l.word());
                case "image" -> json(false, l.rest());
                case "image-absent" -> jsonAbsent(false, l.word());
                case "history" -> history(l.integer(), l.attributes());
                case "history-count" -> historyCount(l.integer());
                case "layers" -> layers(l.integer());
                case "layer" -> layer(l);
                case "nowhere" -> nowhere(l.rest());
                case "output" -> output(l.rest());
                case "fails" -> fails(l.rest());
                default -> throw l.bad("unknown check " + kind);
            };
            if (!l.atEnd()) {
                throw l.bad("unexpected text at the end");
            }
            out.add(new Line(t, c, kind.equals("fails") || kind.equals("output")));
        }
        Expectations e = new Expectations(out);
        if (e.expectsFailure && out.stream().anyMatch(x -> !x.onFailure)) {
            throw new IllegalArgumentException(caseName + "/expect: a failing case can only have fails and output lines");
        }
        return e;
    }

    /** Every failed line with what was found instead; empty when all hold. */
    List<String> verify(Outcome o) {
        List<String> problems = new ArrayList<>();
        if (o.failure() != null && !expectsFailure) {
            problems.add("the build failed: " + o.failure());
            return problems;
        }
        if (o.failure() == null && expectsFailure) {
            problems.add("the build succeeded, but it must fail");
            return problems;
        }
        for (Line l : lines) {
            String found;
            try {
                found = l.check.run(o);
            } catch (IOException | RuntimeException | AssertionError e) {
                found = e.toString();
            }
            if (found != null) {
                problems.add(l.text + "\n      found: " + found);
            }
        }
        return problems;
    }

    // ---- files of the image ----

    private static Check file(String path, Map<String, String> a) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                return describe(p);
            }
            List<String> diffs = new ArrayList<>(common(p, a));
            byte[] content = Files.readAllBytes(p);
            compare(diffs, a, "size", String.valueOf(content.length));
            compare(diffs, a, "nlink", String.valueOf(Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)));
            compare(diffs, a, "sha256", sha256(content));
            compare(diffs, a, "text", new String(content, StandardCharsets.UTF_8));
            return diffs.isEmpty() ? null : String.join(", ", diffs);
        };
    }

    private static Check dir(String path, Map<String, String> a) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return describe(p);
            }
            List<String> diffs = common(p, a);
            return diffs.isEmpty() ? null : String.join(", ", diffs);
        };
    }

    private static Check symlink(ExpectLine l) {
        String path = l.word();
        if (!l.word().equals("->")) {
            throw l.bad("expected symlink PATH -> TARGET");
        }
        String target = l.word();
        Map<String, String> a = l.attributes();
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            if (!Files.isSymbolicLink(p)) {
                return describe(p);
            }
            List<String> diffs = new ArrayList<>(common(p, a));
            String actual = Files.readSymbolicLink(p).toString();
            if (!actual.equals(target)) {
                diffs.add("-> " + actual);
            }
            return diffs.isEmpty() ? null : String.join(", ", diffs);
        };
    }

    private static Check absent(String path) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? describe(p) : null;
        };
    }

    private static Check exists(String path) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? null : "nothing";
        };
    }

    private static Check hardlink(String a, String b) {
        return o -> {
            Path pa = resolve(o.image().rootfs(), a);
            Path pb = resolve(o.image().rootfs(), b);
            if (!Files.isRegularFile(pa, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(pb, LinkOption.NOFOLLOW_LINKS)) {
                return describe(pa) + " and " + describe(pb);
            }
            Object ia = Files.getAttribute(pa, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            Object ib = Files.getAttribute(pb, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            return ia.equals(ib) ? null : "different inodes " + ia + " and " + ib;
        };
    }

    private static Check children(String path, List<String> names) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return describe(p);
            }
            try (Stream<Path> s = Files.list(p)) {
                List<String> actual = s.map(x -> x.getFileName().toString()).sorted().toList();
                return actual.equals(names.stream().sorted().toList()) ? null : actual.toString();
            }
        };
    }

    private static Check line(String path, String text) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                return describe(p);
            }
            List<String> all = Files.readAllLines(p, StandardCharsets.UTF_8);
            return all.contains(text) ? null : all.toString();
        };
    }

    private static Check noLineStarting(String path, String prefix) {
        return o -> {
            Path p = resolve(o.image().rootfs(), path);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                return describe(p);
            }
            List<String> hits = Files.readAllLines(p, StandardCharsets.UTF_8).stream()
                    .filter(x -> x.startsWith(prefix)).toList();
            return hits.isEmpty() ? null : hits.toString();
        };
    }

    /** mode (octal, special bits included), uid, gid, mtime (seconds). */
    private static List<String> common(Path p, Map<String, String> a) throws IOException {
        Map<String, Object> s = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        List<String> diffs = new ArrayList<>();
        if (a.containsKey("mode")) {
            int want = Integer.parseInt(a.get("mode"), 8);
            int got = (Integer) s.get("mode") & 07777;
            if (want != got) {
                diffs.add("mode=" + String.format("%04o", got));
            }
        }
        compare(diffs, a, "uid", String.valueOf(s.get("uid")));
        compare(diffs, a, "gid", String.valueOf(s.get("gid")));
        compare(diffs, a, "mtime", String.valueOf(((java.nio.file.attribute.FileTime) s.get("lastModifiedTime"))
                .toInstant().getEpochSecond()));
        return diffs;
    }

    private static void compare(List<String> diffs, Map<String, String> a, String key, String actual) {
        if (a.containsKey(key) && !a.get(key).equals(actual)) {
            diffs.add(key + "=" + quoteIfNeeded(actual));
        }
    }

    /**
     * The path inside the image's tree; a symlink on the way is an error, so that no check ever
     * follows an image's link out to the host.
     */
    static Path resolve(Path root, String path) {
        Path p = root;
        String[] parts = path.replaceAll("^/+", "").split("/");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            p = p.resolve(parts[i]);
            if (i < parts.length - 1 && Files.isSymbolicLink(p)) {
                throw new AssertionError(path + ": /" + root.relativize(p) + " is a symlink; write the checked path without links");
            }
        }
        return p;
    }

    private static String describe(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return "nothing there";
        }
        if (Files.isSymbolicLink(p)) {
            return "a symlink -> " + Files.readSymbolicLink(p);
        }
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "a directory" : "a file of " + Files.size(p) + " bytes";
    }

    // ---- config and history ----

    /** {@code config KEY=VALUE}: KEY may go into objects with dots ({@code Labels.a}, {@code Healthcheck.Interval}). */
    private static Check json(boolean inConfig, String keyValue) {
        int eq = keyValue.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("expected KEY=VALUE: " + keyValue);
        }
        String key = keyValue.substring(0, eq);
        String want = keyValue.substring(eq + 1);
        return o -> {
            JsonNode n = lookup(o.image().config(), inConfig, key);
            if (n == null || n.isNull()) {
                return "no " + key;
            }
            if (want.startsWith("json:")) {
                JsonNode w = new com.fasterxml.jackson.databind.ObjectMapper().readTree(want.substring(5));
                return n.equals(w) ? null : n.toString();
            }
            String got = render(n);
            return got.equals(want) ? null : got;
        };
    }

    private static Check jsonAbsent(boolean inConfig, String key) {
        return o -> {
            JsonNode n = lookup(o.image().config(), inConfig, key);
            return n == null || n.isNull() ? null : n.toString();
        };
    }

    /** {@code config-env NAME=VALUE}: that exact entry is in config.Env (wherever it is in the list). */
    private static Check configEnv(String entry) {
        return o -> {
            List<String> env = env(o);
            return env.contains(entry) ? null : env.toString();
        };
    }

    /** {@code config-env-absent NAME}: no entry of config.Env sets NAME. */
    private static Check configEnvAbsent(String name) {
        return o -> {
            List<String> hits = env(o).stream().filter(e -> e.startsWith(name + "=")).toList();
            return hits.isEmpty() ? null : hits.toString();
        };
    }

    private static List<String> env(Outcome o) {
        List<String> out = new ArrayList<>();
        o.image().config().path("config").path("Env").forEach(e -> out.add(e.asText()));
        return out;
    }

    private static JsonNode lookup(JsonNode config, boolean inConfig, String key) {
        JsonNode n = inConfig ? config.path("config") : config;
        int dot = key.indexOf('.');
        // Label keys may hold dots themselves: the first segment is the field, the rest one key.
        String field = dot < 0 ? key : key.substring(0, dot);
        n = n.get(field);
        if (n != null && dot >= 0) {
            n = n.get(key.substring(dot + 1));
        }
        return n;
    }

    /** Strings as they are, arrays as {@code [a, b]}, sets ({@code {"k":{}}}) as {@code [k]}, maps as {@code {k=v}}. */
    static String render(JsonNode n) {
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray()) {
            List<String> items = new ArrayList<>();
            n.forEach(x -> items.add(render(x)));
            return "[" + String.join(", ", items) + "]";
        }
        if (n.isObject()) {
            boolean allEmpty = true;
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                JsonNode v = it.next();
                allEmpty &= v.isObject() && v.isEmpty();
            }
            boolean set = allEmpty;
            List<String> items = new ArrayList<>();
            n.fields().forEachRemaining(e -> items.add(e.getKey() + (set ? "" : "=" + render(e.getValue()))));
            return (set ? "[" : "{") + String.join(", ", items) + (set ? "]" : "}");
        }
        return n.toString();
    }

    /** {@code history N ...}: entry N of the config's history, negative counting from the end. */
    private static Check history(int index, Map<String, String> a) {
        return o -> {
            JsonNode h = o.image().config().path("history");
            int i = index < 0 ? h.size() + index : index;
            if (i < 0 || i >= h.size()) {
                return "the history has " + h.size() + " entries";
            }
            JsonNode e = h.get(i);
            List<String> diffs = new ArrayList<>();
            for (Map.Entry<String, String> kv : a.entrySet()) {
                switch (kv.getKey()) {
                    case "empty_layer" -> {
                        boolean got = e.path("empty_layer").asBoolean(false);
                        if (got != Boolean.parseBoolean(kv.getValue())) {
                            diffs.add("empty_layer=" + got);
                        }
                    }
                    case "created" -> {
                        String got = e.path("created").asText("");
                        if (got.isEmpty() || !Instant.parse(got).equals(Instant.parse(kv.getValue()))) {
                            diffs.add("created=" + got);
                        }
                    }
                    default -> {
                        String got = e.has(kv.getKey()) ? e.get(kv.getKey()).asText() : "(absent)";
                        if (!got.equals(kv.getValue())) {
                            diffs.add(kv.getKey() + "=" + got);
                        }
                    }
                }
            }
            return diffs.isEmpty() ? null : String.join(", ", diffs) + "  [entry " + i + ": " + e + "]";
        };
    }

    private static Check historyCount(int n) {
        return o -> {
            JsonNode h = o.image().config().path("history");
            if (h.size() == n) {
                return null;
            }
            List<String> all = new ArrayList<>();
            h.forEach(e -> all.add(e.path("created_by").asText()));
            return h.size() + " entries: " + all;
        };
    }

    private static Check layers(int n) {
        return o -> {
            int layers = o.image().layerCount();
            int diffIds = o.image().config().path("rootfs").path("diff_ids").size();
            if (layers != diffIds) {
                return layers + " layers in the manifest but " + diffIds + " diff_ids in the config";
            }
            return layers == n ? null : String.valueOf(layers);
        };
    }

    // ---- layer tars ----

    private static Check layer(ExpectLine l) {
        int index = l.integer();
        String what = l.word();
        return switch (what) {
            case "entry" -> {
                String name = l.word();
                Map<String, String> a = l.attributes();
                yield o -> {
                    List<ImageTree.Entry> found = o.image().layerEntries(index).stream()
                            .filter(e -> e.path().equals(strip(name))).toList();
                    if (found.size() != 1) {
                        return found.isEmpty() ? "no such entry in " + names(o.image().layerEntries(index))
                                : found.size() + " entries of that name";
                    }
                    return entryDiffs(found.get(0), a);
                };
            }
            case "no-entry" -> {
                String name = l.word();
                yield o -> o.image().layerEntries(index).stream().anyMatch(e -> e.path().equals(strip(name)))
                        ? "present in " + names(o.image().layerEntries(index)) : null;
            }
            case "entries" -> {
                List<String> want = l.stringArray().stream().map(Expectations::strip).toList();
                yield o -> {
                    List<String> got = names(o.image().layerEntries(index));
                    return got.equals(want) ? null : got.toString();
                };
            }
            default -> throw l.bad("expected layer N entry|no-entry|entries");
        };
    }

    private static String entryDiffs(ImageTree.Entry e, Map<String, String> a) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> kv : a.entrySet()) {
            String got = switch (kv.getKey()) {
                case "type" -> switch (e.type()) {
                    case 'f' -> "file";
                    case 'd' -> "dir";
                    case 'l' -> "symlink";
                    case 'h' -> "hardlink";
                    default -> String.valueOf(e.type());
                };
                case "mode" -> String.format("%04o", e.mode());
                case "uid" -> String.valueOf(e.uid());
                case "gid" -> String.valueOf(e.gid());
                case "size" -> String.valueOf(e.size());
                case "mtime" -> String.valueOf(e.mtime());
                case "link" -> strip(e.link());
                default -> throw new IllegalArgumentException("unknown entry attribute " + kv.getKey());
            };
            String want = kv.getKey().equals("mode") ? String.format("%04o", Integer.parseInt(kv.getValue(), 8))
                    : kv.getKey().equals("link") ? strip(kv.getValue()) : kv.getValue();
            if (!got.equals(want)) {
                diffs.add(kv.getKey() + "=" + got);
            }
        }
        return diffs.isEmpty() ? null : String.join(", ", diffs) + "  [" + e + "]";
    }

    private static List<String> names(List<ImageTree.Entry> entries) {
        return entries.stream().map(ImageTree.Entry::path).toList();
    }

    private static String strip(String name) {
        return new ImageTree.Entry(name, 'f', 0, 0, 0, 0, 0, "").path();
    }

    /** {@code nowhere TEXT}: in no layer (uncompressed) and not in the config (history included). */
    private static Check nowhere(String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        return o -> {
            List<String> where = new ArrayList<>();
            for (int i = 0; i < o.image().layerCount(); i++) {
                if (ImageTree.contains(o.image().layerTar(i), needle)) {
                    where.add("layer " + i);
                }
            }
            if (ImageTree.contains(o.image().configBytes(), needle)) {
                where.add("the config");
            }
            return where.isEmpty() ? null : "found in " + where;
        };
    }

    // ---- the build's log and error ----

    private static Check output(String text) {
        return o -> o.output().stream().anyMatch(l -> l.contains(text)) ? null
                : "no output line has it; output was: " + tail(o.output());
    }

    private static Check fails(String text) {
        return o -> {
            String m = messages(o.failure());
            return m.contains(text) ? null : "the error was: " + m;
        };
    }

    /** The message of the failure and of its causes, as a user would see them. */
    static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !b.toString().contains(c.getMessage())) {
                b.append(b.isEmpty() ? "" : "\n  caused by: ").append(c.getMessage());
            }
        }
        return b.toString();
    }

    private static List<String> tail(List<String> output) {
        return output.subList(Math.max(0, output.size() - 30), output.size());
    }

    private static String quoteIfNeeded(String s) {
        return s.contains(" ") || s.contains("\n") || s.isEmpty()
                ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"" : s;
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
