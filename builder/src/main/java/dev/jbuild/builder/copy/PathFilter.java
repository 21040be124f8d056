package dev.jbuild.builder.copy;

import dev.jbuild.builder.BuildException;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import dev.jbuild.dockerfile.ignore.InvalidIgnorePatternException;
import java.util.List;

/**
 * Decides which paths under a directory a COPY takes, by patterns in the {@code .dockerignore}
 * syntax (moby/patternmatcher: Go globs, {@code **}, {@code !} exceptions, a match on a directory
 * covering everything below). Paths are relative to {@code base}, a directory given relative to the
 * source root, so one walk can apply the context's ignore file (base: the context root),
 * {@code --exclude} (base: the copied directory) and a {@code --parents} pattern (base: its pivot).
 */
final class PathFilter {
    private final String base;
    private final IgnorePatterns patterns;

    private PathFilter(String base, IgnorePatterns patterns) {
        this.base = base;
        this.patterns = patterns;
    }

    /** Drops what the patterns exclude: the ignore file, or {@code --exclude}. */
    static PathFilter excluding(String base, IgnorePatterns patterns) {
        return new PathFilter(base, patterns);
    }

    /** Drops what the patterns exclude, given as {@code --exclude} values. */
    static PathFilter excluding(String base, List<String> patterns) throws BuildException {
        return excluding(base, compile(patterns, "--exclude"));
    }

    /**
     * Keeps only what {@code pattern} matches (or lies below a match), as BuildKit's include
     * patterns do for {@code --parents}. Written as the ignore file {@code *}, {@code !pattern}:
     * {@code *} excludes every top-level entry and so everything, and the exception brings back
     * exactly what the include pattern matches; the matcher's look-ahead then prunes the walk.
     */
    static PathFilter including(String base, String pattern) throws BuildException {
        return new PathFilter(base, compile(List.of("*", "!" + pattern), "--parents"));
    }

    /**
     * Whether the path (relative to the source root, at or below {@code base}) is taken. The base
     * itself always is: BuildKit filters the contents of what is copied, not the source named.
     */
    boolean accepts(String rootRelative) {
        return !patterns.isExcluded(relative(rootRelative));
    }

    /**
     * For a directory that {@link #accepts} refused: whether something below it may still be
     * taken, so the walk must look inside. False is exact; true may be optimistic.
     */
    boolean mayAcceptBelow(String rootRelative) {
        return patterns.mayReincludeUnder(relative(rootRelative));
    }

    private String relative(String rootRelative) {
        if (base.isEmpty()) {
            return rootRelative;
        }
        return rootRelative.length() == base.length() ? "" : rootRelative.substring(base.length() + 1);
    }

    private static IgnorePatterns compile(List<String> patterns, String flag) throws BuildException {
        try {
            return IgnorePatterns.of(patterns);
        } catch (InvalidIgnorePatternException e) {
            throw new BuildException("invalid " + flag + " pattern: " + e.getMessage(), e);
        }
    }
}
