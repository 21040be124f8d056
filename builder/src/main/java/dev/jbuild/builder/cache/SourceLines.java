package dev.jbuild.builder.cache;

import java.util.List;

/**
 * The lines a source digest is made of (see {@code copy.SourceDigest}), in order;
 * {@code files().get(i)} is the path of the regular file that line {@code i} describes, null for
 * other lines, so that a line can be made again when only that file changed.
 */
public final class SourceLines {
    private final List<String> lines;
    private final List<String> files;
    /** Hashing 20,000 lines takes tens of milliseconds; a build asks for it more than once. */
    private String digest;

    public SourceLines(List<String> lines, List<String> files) {
        if (lines.size() != files.size()) {
            throw new IllegalArgumentException(lines.size() + " lines but " + files.size() + " file marks");
        }
        this.lines = lines;
        this.files = files;
    }

    public List<String> lines() {
        return lines;
    }

    public List<String> files() {
        return files;
    }

    /** The digest of these lines: what a cache key holds. */
    public synchronized String digest() {
        if (digest == null) {
            digest = CacheKey.of("sources").add("entries", lines).hex();
        }
        return digest;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceLines other && lines.equals(other.lines) && files.equals(other.files);
    }

    @Override
    public int hashCode() {
        return lines.hashCode() * 31 + files.hashCode();
    }
}
