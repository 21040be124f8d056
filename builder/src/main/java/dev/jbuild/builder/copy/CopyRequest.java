package dev.jbuild.builder.copy;

import dev.jbuild.builder.fs.ChmodSpec;
import dev.jbuild.builder.fs.Ids;
import java.util.List;
import java.util.Optional;

/**
 * One COPY instruction, its variables already expanded: the source paths (relative to the source
 * root; wildcards allowed), the destination (relative ones join {@code workdir}; a trailing
 * {@code /} or a final {@code .} makes it a directory), and the flags {@code --chown} (already
 * resolved to ids), {@code --chmod}, {@code --link}, {@code --parents} and {@code --exclude}.
 *
 * <p>{@code link} tells the caller to copy into an empty directory that becomes the layer on its own;
 * the copy itself is the same, as in BuildKit, which runs the same copy onto scratch.
 */
public record CopyRequest(List<String> sources, String destination, String workdir, Optional<Ids> chown,
        Optional<ChmodSpec> chmod, boolean link, boolean parents, List<String> excludes) {
    public CopyRequest {
        sources = List.copyOf(sources);
        excludes = List.copyOf(excludes);
    }
}
