package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;

/**
 * Reads the members of one JSON object into model values, strictly typed, remembering which members
 * it consumed so the rest become {@link UnknownFields}. Every error names the document and the
 * path of the field. {@code null} and, for strings, {@code ""} read as absent, as Go's
 * {@code encoding/json} reads them into zero values that {@code omitempty} then drops.
 */
final class JsonFields {
    private static final Pattern FIELD_PREFIX = Pattern.compile("([\\w.]+): (.+)", Pattern.DOTALL);

    private final ObjectNode node;
    private final String document;
    private final String path;
    private final Set<String> used = new HashSet<>();

    private JsonFields(ObjectNode node, String document, String path) {
        this.node = node;
        this.document = document;
        this.path = path;
    }

    static JsonFields of(JsonNode node, String document, String path) {
        if (node == null || !node.isObject()) {
            throw new InvalidDocumentException(document, path, "expected a JSON object, got " + kind(node));
        }
        return new JsonFields((ObjectNode) node, document, path);
    }

    String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    InvalidDocumentException error(String name, String problem) {
        return new InvalidDocumentException(document, name == null ? path : path(name), problem);
    }

    boolean has(String name) {
        JsonNode value = node.get(name);
        return value != null && !value.isNull();
    }

    /** The value, or null when absent or JSON null. */
    JsonNode raw(String name) {
        used.add(name);
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    Optional<String> string(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw error(name, "expected a string, got " + kind(value));
        }
        return value.textValue().isEmpty() ? Optional.empty() : Optional.of(value.textValue());
    }

    String requiredString(String name) {
        return string(name).orElseThrow(() -> error(name, "is required"));
    }

    Optional<Long> optionalLong(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw error(name, "expected a 64-bit integer, got " + kind(value));
        }
        return Optional.of(value.longValue());
    }

    long requiredLong(String name) {
        return optionalLong(name).orElseThrow(() -> error(name, "is required"));
    }

    int integer(String name, int absent) {
        long value = optionalLong(name).orElse((long) absent);
        if (value != (int) value) {
            throw error(name, "expected an integer, got " + value + ", which is out of range");
        }
        return (int) value;
    }

    int requiredInt(String name) {
        if (!has(name)) {
            raw(name);
            throw error(name, "is required");
        }
        return integer(name, 0);
    }

    /** A Go {@code time.Duration}: an integer count of nanoseconds. */
    Duration nanos(String name) {
        return Duration.ofNanos(optionalLong(name).orElse(0L));
    }

    boolean bool(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return false;
        }
        if (!value.isBoolean()) {
            throw error(name, "expected true or false, got " + kind(value));
        }
        return value.booleanValue();
    }

    List<String> strings(String name) {
        return list(name, (element, at) -> {
            if (element == null || !element.isTextual()) {
                throw new InvalidDocumentException(document, at, "expected a string, got " + kind(element));
            }
            return element.textValue();
        });
    }

    List<Digest> digests(String name) {
        return list(name, (element, at) -> {
            if (element == null || !element.isTextual()) {
                throw new InvalidDocumentException(document, at, "expected a digest string, got " + kind(element));
            }
            return parseDigest(element.textValue(), at);
        });
    }

    <T> List<T> objects(String name, Function<JsonFields, T> reader) {
        return list(name, (element, at) -> reader.apply(JsonFields.of(element, document, at)));
    }

    interface ElementReader<T> {
        T read(JsonNode element, String path);
    }

    private <T> List<T> list(String name, ElementReader<T> reader) {
        JsonNode value = raw(name);
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            throw error(name, "expected an array, got " + kind(value));
        }
        List<T> out = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            out.add(reader.read(value.get(i), path(name) + "[" + i + "]"));
        }
        return Collections.unmodifiableList(out);
    }

    Map<String, String> stringMap(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw error(name, "expected an object of strings, got " + kind(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            JsonNode v = e.getValue();
            if (!v.isTextual()) {
                throw error(name, "\"" + e.getKey() + "\": expected a string, got " + kind(v));
            }
            out.put(e.getKey(), v.textValue());
        }
        return out;
    }

    /**
     * A Go {@code map[string]struct{}} ({@code ExposedPorts}, {@code Volumes}): only the keys carry
     * meaning. Each value must be an object; what is inside it is dropped, as Go drops it.
     */
    Set<String> keySet(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return Set.of();
        }
        if (!value.isObject()) {
            throw error(name, "expected an object, got " + kind(value));
        }
        Set<String> out = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isObject() && !e.getValue().isNull()) {
                throw error(name, "\"" + e.getKey() + "\": expected {}, got " + kind(e.getValue()));
            }
            out.add(e.getKey());
        }
        return out;
    }

    Digest digest(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            throw error(name, "is required");
        }
        if (!value.isTextual()) {
            throw error(name, "expected a digest string, got " + kind(value));
        }
        return parseDigest(value.textValue(), path(name));
    }

    private Digest parseDigest(String text, String at) {
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidDocumentException(document, at, e.getMessage(), e);
        }
    }

    Optional<JsonFields> object(String name) {
        JsonNode value = raw(name);
        return value == null ? Optional.empty() : Optional.of(JsonFields.of(value, document, path(name)));
    }

    JsonFields requiredObject(String name) {
        return object(name).orElseThrow(() -> error(name, "is required"));
    }

    /** The members not consumed so far. */
    UnknownFields unknown() {
        return UnknownFields.remainder(node, used);
    }

    /**
     * Builds a model value, turning the validation errors of its constructor into errors that name
     * this object.
     */
    <T> T build(Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            // Constructors say "size: must not be negative"; point at that member when it is one of ours.
            String message = String.valueOf(e.getMessage());
            Matcher m = FIELD_PREFIX.matcher(message);
            if (m.matches() && node.has(m.group(1))) {
                throw new InvalidDocumentException(document, path(m.group(1)), m.group(2), e);
            }
            throw new InvalidDocumentException(document, path, message, e);
        }
    }

    static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            String text = node.textValue();
            return "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\"";
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isObject()) {
            return "an object";
        }
        return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
