package dev.jbuild.builder.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code jbuild prune} lets go of the build cache: everything (no option), or the results not
 * used for {@code unusedFor} ({@code --filter until=DURATION}), then the least recently used ones
 * until what is left of the cache takes at most {@code keepBytes} ({@code --keep-storage SIZE}).
 */
public record PrunePolicy(Optional<Duration> unusedFor, OptionalLong keepBytes) {
    /** Empties the cache. */
    public static final PrunePolicy ALL = new PrunePolicy(Optional.empty(), OptionalLong.empty());

    /** Whether the whole cache goes (no filter given). */
    public boolean all() {
        return unusedFor.isEmpty() && keepBytes.isEmpty();
    }
}
