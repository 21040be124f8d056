package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An image config ({@code application/vnd.oci.image.config.v1+json}, or Docker's
 * {@code application/vnd.docker.container.image.v1+json}, the same document): the platform, how
 * to run the image, the diffIDs of its layers and its history. The top-level members are written
 * sorted by key, known and unknown alike, because that is what BuildKit and moby write (both pass
 * the config through a Go map); nested objects follow their Go struct order. {@code created}
 * timestamps are kept exactly as written.
 *
 * @param created when the image was made, RFC 3339, as written
 * @param author who made it
 * @param platform {@code architecture}, {@code os}, {@code os.version}, {@code os.features},
 *     {@code variant}; its unknown members are not used here (the config's own are in
 *     {@code unknown})
 * @param config how to run a container
 * @param rootfs the diffIDs of the layers
 * @param history the build steps, base first
 * @param unknown other top-level members ({@code container_config}, {@code moby.buildkit.buildinfo.v1} …)
 */
public record ImageConfig(Optional<String> created, Optional<String> author, Platform platform, ContainerConfig config,
        RootFs rootfs, List<HistoryEntry> history, UnknownFields unknown) {
    static final List<String> FIELDS = List.of("created", "author", "architecture", "os", "os.version", "os.features",
            "variant", "config", "rootfs", "history");

    public ImageConfig {
        created = created.filter(c -> !c.isEmpty()).map(c -> Json.requireTimestamp(c, "created"));
        author = author.filter(a -> !a.isEmpty());
        Objects.requireNonNull(platform, "platform");
        platform = platform.unknown().isEmpty() ? platform : new Platform(platform.os(), platform.architecture(),
                platform.variant(), platform.osVersion(), platform.osFeatures(), UnknownFields.NONE);
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(rootfs, "rootfs");
        history = List.copyOf(history);
        unknown = unknown.requireNoneOf(FIELDS, "ImageConfig");
    }

    /** An image with no layers, no history and nothing set, for {@code FROM scratch}. */
    public static ImageConfig of(Platform platform) {
        return new ImageConfig(Optional.empty(), Optional.empty(), platform, ContainerConfig.EMPTY,
                RootFs.of(List.of()), List.of(), UnknownFields.NONE);
    }

    public String architecture() {
        return platform.architecture();
    }

    public String os() {
        return platform.os();
    }

    public Optional<Instant> createdInstant() {
        return created.map(Json::parseTimestamp);
    }

    public ImageConfig withCreated(Optional<String> newCreated) {
        return new ImageConfig(newCreated, author, platform, config, rootfs, history, unknown);
    }

    /** A copy created at {@code instant}, formatted as BuildKit formats it ({@link Json#timestamp}). */
    public ImageConfig withCreated(Instant instant) {
        return withCreated(Optional.of(Json.timestamp(instant)));
    }

    public ImageConfig withAuthor(Optional<String> newAuthor) {
        return new ImageConfig(created, newAuthor, platform, config, rootfs, history, unknown);
    }

    public ImageConfig withPlatform(Platform newPlatform) {
        return new ImageConfig(created, author, newPlatform, config, rootfs, history, unknown);
    }

    public ImageConfig withConfig(ContainerConfig newConfig) {
        return new ImageConfig(created, author, platform, newConfig, rootfs, history, unknown);
    }

    public ImageConfig withRootfs(RootFs newRootfs) {
        return new ImageConfig(created, author, platform, config, newRootfs, history, unknown);
    }

    public ImageConfig withHistory(List<HistoryEntry> newHistory) {
        return new ImageConfig(created, author, platform, config, rootfs, newHistory, unknown);
    }

    /** A copy with one more history entry; an entry without {@code empty_layer} needs {@link #withLayer}. */
    public ImageConfig withHistoryEntry(HistoryEntry entry) {
        List<HistoryEntry> more = new ArrayList<>(history);
        more.add(entry);
        return withHistory(more);
    }

    /** A copy with a layer on top: its diffID, and the history entry that made it, kept in step. */
    public ImageConfig withLayer(Digest diffId, HistoryEntry entry) {
        if (entry.emptyLayer()) {
            throw new IllegalArgumentException("the history entry of a layer cannot have empty_layer set");
        }
        return withRootfs(rootfs.withDiffId(diffId)).withHistoryEntry(entry);
    }

    public ImageConfig withUnknown(UnknownFields newUnknown) {
        return new ImageConfig(created, author, platform, config, rootfs, history, newUnknown);
    }

    ObjectNode toJson() {
        JsonOut out = new JsonOut()
                .string("created", created)
                .string("author", author);
        platform.writeInto(out);
        ObjectNode unsorted = out
                .object("config", config.toJson())
                .object("rootfs", rootfs.toJson())
                .objects("history", history.stream().map(HistoryEntry::toJson).toList(), false)
                .unknown(unknown)
                .done();
        // Only the top level is sorted; Json.sorted would also sort the nested struct-ordered objects.
        List<String> names = new ArrayList<>();
        unsorted.properties().forEach(e -> names.add(e.getKey()));
        names.sort(Json.KEY_ORDER);
        ObjectNode sorted = Json.nodes().objectNode();
        for (String name : names) {
            JsonNode value = unsorted.get(name);
            sorted.set(name, value);
        }
        return sorted;
    }

    static ImageConfig fromJson(JsonFields in) {
        Optional<String> created = in.string("created");
        Optional<String> author = in.string("author");
        Platform platform = Platform.fromJson(in, false);
        ContainerConfig config = in.object("config").map(ContainerConfig::fromJson).orElse(ContainerConfig.EMPTY);
        RootFs rootfs = RootFs.fromJson(in.requiredObject("rootfs"));
        List<HistoryEntry> history = in.objects("history", HistoryEntry::fromJson);
        UnknownFields unknown = in.unknown();
        return in.build(() -> new ImageConfig(created, author, platform, config, rootfs, history, unknown));
    }
}
