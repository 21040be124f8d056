package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One step of an image's {@code history}. Entries with {@code empty_layer} made no layer (ENV,
 * LABEL, CMD …); the others line up, in order, with {@code rootfs.diff_ids}. Written in the order
 * of the image-spec Go struct: {@code created, created_by, author, comment, empty_layer}.
 *
 * @param created when the step ran, RFC 3339, exactly as written (never re-formatted)
 * @param createdBy the instruction, e.g. {@code RUN /bin/sh -c apk add curl # buildkit}
 * @param author who made the step
 * @param comment e.g. {@code buildkit.dockerfile.v0}
 * @param emptyLayer whether the step made no layer
 * @param unknown other members
 */
public record HistoryEntry(Optional<String> created, Optional<String> createdBy, Optional<String> author,
        Optional<String> comment, boolean emptyLayer, UnknownFields unknown) {
    static final List<String> FIELDS = List.of("created", "created_by", "author", "comment", "empty_layer");

    public HistoryEntry {
        created = created.filter(c -> !c.isEmpty()).map(c -> Json.requireTimestamp(c, "created"));
        createdBy = createdBy.filter(c -> !c.isEmpty());
        author = author.filter(a -> !a.isEmpty());
        comment = comment.filter(c -> !c.isEmpty());
        unknown = unknown.requireNoneOf(FIELDS, "HistoryEntry");
    }

    /** A step that made a layer. */
    public static HistoryEntry layer(Instant created, String createdBy) {
        return new HistoryEntry(Optional.of(Json.timestamp(created)), Optional.of(createdBy), Optional.empty(),
                Optional.empty(), false, UnknownFields.NONE);
    }

    /** A step that changed only the config. */
    public static HistoryEntry emptyLayer(Instant created, String createdBy) {
        return layer(created, createdBy).withEmptyLayer(true);
    }

    public Optional<Instant> createdInstant() {
        return created.map(Json::parseTimestamp);
    }

    public HistoryEntry withCreated(Optional<String> newCreated) {
        return new HistoryEntry(newCreated, createdBy, author, comment, emptyLayer, unknown);
    }

    public HistoryEntry withCreated(Instant newCreated) {
        return withCreated(Optional.of(Json.timestamp(newCreated)));
    }

    public HistoryEntry withCreatedBy(Optional<String> newCreatedBy) {
        return new HistoryEntry(created, newCreatedBy, author, comment, emptyLayer, unknown);
    }

    public HistoryEntry withAuthor(Optional<String> newAuthor) {
        return new HistoryEntry(created, createdBy, newAuthor, comment, emptyLayer, unknown);
    }

    public HistoryEntry withComment(Optional<String> newComment) {
        return new HistoryEntry(created, createdBy, author, newComment, emptyLayer, unknown);
    }

    public HistoryEntry withEmptyLayer(boolean newEmptyLayer) {
        return new HistoryEntry(created, createdBy, author, comment, newEmptyLayer, unknown);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .string("created", created)
                .string("created_by", createdBy)
                .string("author", author)
                .string("comment", comment)
                .flag("empty_layer", emptyLayer)
                .unknown(unknown)
                .done();
    }

    static HistoryEntry fromJson(JsonFields in) {
        Optional<String> created = in.string("created");
        Optional<String> createdBy = in.string("created_by");
        Optional<String> author = in.string("author");
        Optional<String> comment = in.string("comment");
        boolean emptyLayer = in.bool("empty_layer");
        UnknownFields unknown = in.unknown();
        return in.build(() -> new HistoryEntry(created, createdBy, author, comment, emptyLayer, unknown));
    }
}
