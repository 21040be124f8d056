package dev.jbuild.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code rootfs} of an image config: the diffIDs (sha256 of each uncompressed layer tar),
 * base first. The spec allows one {@code type}, {@code layers}, and requires an error for any
 * other. {@code diff_ids} is always written, as {@code []} when there are no layers (Go would
 * write {@code null}).
 *
 * @param type always {@code layers}
 * @param diffIds the uncompressed layer digests, base first
 * @param unknown other members
 */
public record RootFs(String type, List<Digest> diffIds, UnknownFields unknown) {
    public static final String LAYERS = "layers";
    static final List<String> FIELDS = List.of("type", "diff_ids");

    public RootFs {
        if (!LAYERS.equals(type)) {
            throw new IllegalArgumentException("type: unsupported rootfs type \"" + type + "\" (expected \"layers\")");
        }
        diffIds = List.copyOf(diffIds);
        unknown = unknown.requireNoneOf(FIELDS, "RootFs");
    }

    public static RootFs of(List<Digest> diffIds) {
        return new RootFs(LAYERS, diffIds, UnknownFields.NONE);
    }

    public RootFs withDiffIds(List<Digest> newDiffIds) {
        return new RootFs(type, newDiffIds, unknown);
    }

    /** A copy with one more layer on top. */
    public RootFs withDiffId(Digest diffId) {
        List<Digest> more = new ArrayList<>(diffIds);
        more.add(diffId);
        return withDiffIds(more);
    }

    ObjectNode toJson() {
        return new JsonOut()
                .string("type", type)
                .strings("diff_ids", diffIds.stream().map(Digest::toString).toList(), true)
                .unknown(unknown)
                .done();
    }

    static RootFs fromJson(JsonFields in) {
        String type = in.string("type").orElseThrow(() -> in.error("type", "is required (\"layers\")"));
        List<Digest> diffIds = in.digests("diff_ids");
        UnknownFields unknown = in.unknown();
        return in.build(() -> new RootFs(type, diffIds, unknown));
    }
}
