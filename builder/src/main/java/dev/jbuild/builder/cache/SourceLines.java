package dev.jbuild.builder.cache;

import java.util.List;

/**
 * The lines a source digest is made of (see {@code copy.SourceDigest}), in order;
 * {@code files.get(i)} is the path of the regular file that line {@code i} describes, null for
 * other lines, so that a line can be made again when only that file changed.
 */
public record SourceLines(List<String> lines, List<String> files) {
    public SourceLines {
        if (lines.size() != files.size()) {
            throw new IllegalArgumentException(lines.size() + " lines but " + files.size() + " file marks");
        }
    }

    /** The digest of these lines: what a cache key holds. */
    public String digest() {
        return CacheKey.of("sources").add("entries", lines).hex();
    }
}
