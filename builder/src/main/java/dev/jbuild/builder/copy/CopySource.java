package dev.jbuild.builder.copy;

import dev.jbuild.dockerfile.ignore.IgnorePatterns;
import java.nio.file.Path;

/**
 * Where a COPY reads from: the build context directory ({@code fromContext}, with the
 * {@code .dockerignore} patterns, whose excluded paths COPY cannot see) or the root file system of
 * a stage or image for {@code COPY --from} (no patterns). The two also differ in ownership: files
 * from the context become 0:0, files from a stage keep their owners.
 */
public record CopySource(Path root, boolean fromContext, IgnorePatterns ignore) {
    /** The build context, filtered by its ignore patterns. */
    public static CopySource context(Path dir, IgnorePatterns ignore) {
        return new CopySource(dir, true, ignore);
    }

    /** The root file system of a stage or image. */
    public static CopySource stage(Path rootfs) {
        return new CopySource(rootfs, false, IgnorePatterns.none());
    }
}
