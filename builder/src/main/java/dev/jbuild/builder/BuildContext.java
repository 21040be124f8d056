package dev.jbuild.builder;

import dev.jbuild.builder.run.Executor;
import dev.jbuild.oci.store.LocalStore;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What every step of one build shares: the request, the store, base images, file systems, the
 * executor for RUN, the listener, the time written into history entries, the build cache, the
 * digests of the context's files and the cache files being written for the next build.
 */
record BuildContext(BuildRequest request, LocalStore store, BaseImages images, Filesystems filesystems,
                    Executor executor, Path workDir, BuildListener listener, Instant created,
                    boolean layerOnlyCopies, StepCache cache, ContextSources contextSources,
                    CacheWrites cacheWrites) {
}
