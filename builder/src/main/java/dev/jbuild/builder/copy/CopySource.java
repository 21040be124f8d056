package dev.jbuild.builder.copy;

import dev.jbuild.builder.cache.ListedTree;
import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a COPY reads from: the build context directory ({@code fromContext}, with the
 * {@code .dockerignore} patterns, whose excluded paths COPY cannot see) or the root file system of
 * a stage or image for {@code COPY --from} (no patterns). The two also differ in ownership: files
 * from the context become 0:0, files from a stage keep their owners. A context may come with its
 * {@link ListedTree}, which then answers for the stat data of its files.
 */
public record CopySource(Path root, boolean fromContext, IgnorePatterns ignore, Optional<ListedTree> listed) {
    public CopySource(Path root, boolean fromContext, IgnorePatterns ignore) {
        this(root, fromContext, ignore, Optional.empty());
    }

    /** The build context, filtered by its ignore patterns. */
    public static CopySource context(Path dir, IgnorePatterns ignore) {
        return new CopySource(dir, true, ignore);
    }

    /** The build context as {@code listed}, filtered by its ignore patterns. */
    public static CopySource context(Path dir, IgnorePatterns ignore, Optional<ListedTree> listed) {
        return new CopySource(dir, true, ignore, listed);
    }

    /** The root file system of a stage or image. */
    public static CopySource stage(Path rootfs) {
        return new CopySource(rootfs, false, IgnorePatterns.none());
    }
}
