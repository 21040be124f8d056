package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The members of a JSON object that jbuild does not model, kept so that reading and writing a
 * document loses nothing: moby's {@code container_config}, BuildKit's
 * {@code moby.buildkit.buildinfo.v1}, a future spec field. Values are stored as Jackson trees,
 * deep-copied in and out, so an instance is immutable. Members are kept sorted by key (Unicode code
 * point order, which is Go's byte order for UTF-8), recursively inside nested objects too, so that
 * the canonical output does not depend on the order a document happened to use.
 */
public final class UnknownFields {
    /** No unknown fields. */
    public static final UnknownFields NONE = new UnknownFields(Json.nodes().objectNode());

    private final ObjectNode fields;

    private UnknownFields(ObjectNode sorted) {
        this.fields = sorted;
    }

    /** The given members, copied and sorted. */
    public static UnknownFields of(Map<String, ? extends JsonNode> members) {
        ObjectNode node = Json.nodes().objectNode();
        members.forEach((name, value) -> node.set(name, value == null ? Json.nodes().nullNode() : value));
        return node.isEmpty() ? NONE : new UnknownFields((ObjectNode) Json.sorted(node));
    }

    /** Takes the members of {@code object} that are not in {@code known}. */
    static UnknownFields remainder(ObjectNode object, Collection<String> known) {
        ObjectNode rest = Json.nodes().objectNode();
        object.properties().forEach(e -> {
            if (!known.contains(e.getKey())) {
                rest.set(e.getKey(), e.getValue());
            }
        });
        return rest.isEmpty() ? NONE : new UnknownFields((ObjectNode) Json.sorted(rest));
    }

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /** The member names, sorted. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        fields.properties().forEach(e -> names.add(e.getKey()));
        return Collections.unmodifiableSet(names);
    }

    /** A copy of one member's value. */
    public Optional<JsonNode> get(String name) {
        return Optional.ofNullable(fields.get(name)).map(JsonNode::deepCopy);
    }

    /** A copy with one member set (replaced if present). */
    public UnknownFields with(String name, JsonNode value) {
        ObjectNode copy = fields.deepCopy();
        copy.set(name, value == null ? Json.nodes().nullNode() : value.deepCopy());
        return new UnknownFields((ObjectNode) Json.sorted(copy));
    }

    /** A copy without one member. */
    public UnknownFields without(String name) {
        if (!fields.has(name)) {
            return this;
        }
        ObjectNode copy = fields.deepCopy();
        copy.remove(name);
        return copy.isEmpty() ? NONE : new UnknownFields(copy);
    }

    /**
     * Rejects members that a model type owns: a value there would be written twice or shadow the
     * modelled one, so it must be set through the record instead.
     */
    UnknownFields requireNoneOf(Collection<String> known, String type) {
        List<String> clash = new ArrayList<>();
        for (String name : known) {
            if (fields.has(name)) {
                clash.add(name);
            }
        }
        if (!clash.isEmpty()) {
            throw new IllegalArgumentException("unknown fields " + clash + " are modelled by " + type
                    + "; set them through its components");
        }
        return this;
    }

    /** Appends the members, in sorted order, to an object being written. */
    void writeTo(ObjectNode target) {
        fields.properties().forEach(e -> target.set(e.getKey(), e.getValue().deepCopy()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnknownFields other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    /** The members as one canonical JSON object. */
    @Override
    public String toString() {
        return new String(Json.write(fields), java.nio.charset.StandardCharsets.UTF_8);
    }
}
