package dev.jbuild.dockerfile.ignore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The patterns of a {@code .dockerignore} file, compiled once, answering which context paths Docker
 * leaves out of the build context. Immutable and safe to share between threads.
 *
 * <p>Semantics are BuildKit's: Go {@code filepath.Match} syntax plus {@code **}; patterns apply in
 * order and the last one that matches decides ({@code !} patterns re-include); a pattern matching a
 * directory matches everything under it; patterns are trimmed and cleaned ({@code /a}, {@code ./a}
 * and {@code a/} all mean {@code a}); only lines starting with {@code #} in the first column are
 * comments. A pattern is anchored at the context root: {@code foo} does not match {@code a/foo}.
 *
 * <p>Parent directories count the way BuildKit's context walker counts them: each directory
 * remembers which patterns matched it, and its entries inherit those matches. That differs from
 * moby/patternmatcher's {@code MatchesOrParentMatches} in one corner, and this class follows the
 * walker because the walker decides what COPY sees: a {@code !} pattern that matches a directory
 * while nothing had yet excluded that directory does not re-include files that an earlier pattern
 * matched directly. With {@code d/f} then {@code !d}, the file {@code d/f} stays excluded.
 */
public final class IgnorePatterns {

    private static final IgnorePatterns NONE = new IgnorePatterns(List.of(), new CompiledPattern[0]);

    private final List<String> patterns;
    private final CompiledPattern[] compiled;
    private final CompiledPattern[] exceptions;
    private final int words;

    private IgnorePatterns(List<String> patterns, CompiledPattern[] compiled) {
        this.patterns = List.copyOf(patterns);
        this.compiled = compiled;
        this.exceptions = Arrays.stream(compiled).filter(CompiledPattern::exclusion).toArray(CompiledPattern[]::new);
        this.words = (compiled.length + 63) >>> 6;
    }

    /**
     * Reads the text of an ignore file.
     *
     * @param sourceName how to name the file in error messages, e.g. {@code .dockerignore}
     * @throws InvalidIgnorePatternException naming the line of the first pattern Docker would refuse
     */
    public static IgnorePatterns parse(String fileContent, String sourceName) throws InvalidIgnorePatternException {
        return compile(IgnoreFileReader.read(fileContent), sourceName);
    }

    /**
     * Patterns given one per element, each normalised as a line of an ignore file would be (trimmed,
     * cleaned, leading slash dropped; blank elements skipped) except that {@code #} has no special
     * meaning, so {@code of(p.patterns())} rebuilds {@code p}. Errors name the 1-based position in
     * the list.
     */
    public static IgnorePatterns of(List<String> patterns) throws InvalidIgnorePatternException {
        List<IgnoreFileReader.Entry> entries = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            IgnoreFileReader.Entry e = IgnoreFileReader.entry(i + 1, patterns.get(i));
            if (e != null) {
                entries.add(e);
            }
        }
        return compile(entries, "patterns");
    }

    /** No patterns: nothing is excluded. */
    public static IgnorePatterns none() {
        return NONE;
    }

    private static IgnorePatterns compile(List<IgnoreFileReader.Entry> entries, String source)
            throws InvalidIgnorePatternException {
        if (entries.isEmpty()) {
            return NONE;
        }
        List<String> texts = new ArrayList<>(entries.size());
        CompiledPattern[] compiled = new CompiledPattern[entries.size()];
        for (int i = 0; i < compiled.length; i++) {
            IgnoreFileReader.Entry e = entries.get(i);
            try {
                compiled[i] = CompiledPattern.compile(e.pattern());
            } catch (CompiledPattern.SyntaxError ex) {
                throw new InvalidIgnorePatternException(source, e.line(), e.trimmed(), ex.getMessage());
            }
            texts.add(e.pattern());
        }
        return new IgnorePatterns(texts, compiled);
    }

    /**
     * True when the path (relative to the context, {@code /}-separated, no leading {@code /}) is
     * excluded, counting parent directories as Docker does. A path that is not clean is cleaned
     * first; the context root itself is never excluded.
     */
    public boolean isExcluded(String relativePath) {
        if (compiled.length == 0) {
            return false;
        }
        String path = GoPath.relative(relativePath);
        if (path.isEmpty()) {
            return false;
        }
        long[] parent = null;
        long[] spare = null;
        int start = 0;
        while (true) {
            int slash = path.indexOf('/', start);
            if (slash < 0) {
                return evaluate(path, path.length(), parent, null);
            }
            long[] out = spare != null ? spare : new long[words];
            spare = parent;
            evaluate(path, slash, parent, out);
            parent = out;
            start = slash + 1;
        }
    }

    /**
     * True when some exception pattern could re-include a path under this excluded directory, so a
     * walker must descend into it. False is exact (nothing below can be included), true may be
     * optimistic. BuildKit descends whenever any exception has a wildcard; this looks at whether the
     * exception can match below the directory at all, which gives the same results with less work:
     * with {@code node_modules} and {@code !*.md}, {@code node_modules} is not walked.
     */
    public boolean mayReincludeUnder(String relativeDir) {
        if (exceptions.length == 0) {
            return false;
        }
        String dir = GoPath.relative(relativeDir);
        for (CompiledPattern e : exceptions) {
            if (e.mayMatchUnder(dir)) {
                return true;
            }
        }
        return false;
    }

    /** The patterns after Docker's normalisation ({@code !} kept, cleaned, no leading slash), in order. */
    public List<String> patterns() {
        return patterns;
    }

    /** True when there are no patterns at all. */
    boolean isEmpty() {
        return compiled.length == 0;
    }

    /** Words of state a walker keeps per directory (see {@link #evaluate}). */
    int stateWords() {
        return words;
    }

    /**
     * One step of BuildKit's walk-time matching (patternmatcher's MatchesUsingParentResults): decides
     * the first {@code end} chars of {@code path} given which patterns matched its parent directory
     * ({@code parent}, null at the top level), and records in {@code out} (if not null) which
     * patterns match it, for its own entries. A pattern is only tried when it could change the
     * outcome so far, and a pattern not tried is recorded as not matching: that is the walker's
     * behaviour, copied on purpose.
     */
    boolean evaluate(String path, int end, long[] parent, long[] out) {
        if (out != null) {
            Arrays.fill(out, 0L);
        }
        boolean matched = false;
        for (int i = 0; i < compiled.length; i++) {
            CompiledPattern p = compiled[i];
            boolean m = parent != null && (parent[i >>> 6] & (1L << i)) != 0;
            if (!m) {
                if (p.exclusion() != matched) {
                    continue;
                }
                m = p.matches(path, end);
            }
            if (m) {
                if (out != null) {
                    out[i >>> 6] |= 1L << i;
                }
                matched = !p.exclusion();
            }
        }
        return matched;
    }

    @Override
    public String toString() {
        return "IgnorePatterns" + patterns;
    }
}
