package dev.jbuild.builder;

import dev.jbuild.dockerfile.plan.StageScope;
import dev.jbuild.oci.HistoryEntry;
import dev.jbuild.oci.ImageConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A stage as it is being built: the image config so far (with its history and diffIDs), the layer
 * blobs in step with those diffIDs, and the variables in scope.
 */
final class StageState {
    static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    final StageScope scope;
    private ImageConfig config;
    private final List<ImageLayer> layers;

    StageState(ImageConfig config, List<ImageLayer> layers, StageScope scope) {
        this.config = config;
        this.layers = new ArrayList<>(layers);
        this.scope = scope;
    }

    ImageConfig config() {
        return config;
    }

    void config(ImageConfig newConfig) {
        config = newConfig;
    }

    List<ImageLayer> layers() {
        return List.copyOf(layers);
    }

    /** A step that changed files: its layer when it changed something, and its history entry either way. */
    void record(Optional<ImageLayer> layer, Instant created, String createdBy) {
        HistoryEntry h = StageRunner.history(created, createdBy, layer.isEmpty());
        if (layer.isPresent()) {
            layers.add(layer.get());
            config = config.withLayer(layer.get().diffId(), h);
        } else {
            config = config.withHistoryEntry(h);
        }
    }

    /** When the stage's latest layer was made: the time of its last history entry with a layer. */
    Optional<Instant> lastLayerTime() {
        List<HistoryEntry> history = config.history();
        for (int i = history.size() - 1; i >= 0; i--) {
            if (!history.get(i).emptyLayer()) {
                return history.get(i).createdInstant();
            }
        }
        return Optional.empty();
    }

    void addHistory(HistoryEntry entry) {
        config = config.withHistoryEntry(entry);
    }

    List<String> shell() {
        return config.config().shell().isEmpty() ? DEFAULT_SHELL : config.config().shell();
    }

    String workdir() {
        return config.config().workingDir().orElse("/");
    }

    String user() {
        return config.config().user().orElse("root");
    }
}
