package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds one JSON object member by member, in the order the calls are made, applying Go's
 * {@code omitempty}: absent optionals, empty strings, empty lists and maps, zero durations and
 * false flags are left out unless the caller says the member is always written. Maps and sets are
 * written sorted by key, as Go writes maps.
 */
final class JsonOut {
    private final ObjectNode node = Json.nodes().objectNode();

    JsonOut string(String name, String value) {
        node.put(name, value);
        return this;
    }

    JsonOut string(String name, Optional<String> value) {
        value.filter(v -> !v.isEmpty()).ifPresent(v -> node.put(name, v));
        return this;
    }

    JsonOut number(String name, long value) {
        node.put(name, value);
        return this;
    }

    JsonOut numberIfNonZero(String name, long value) {
        if (value != 0) {
            node.put(name, value);
        }
        return this;
    }

    /** A Go {@code time.Duration}: integer nanoseconds. */
    JsonOut nanos(String name, Duration value) {
        return numberIfNonZero(name, value.toNanos());
    }

    JsonOut flag(String name, boolean value) {
        if (value) {
            node.put(name, true);
        }
        return this;
    }

    JsonOut strings(String name, Collection<String> values, boolean always) {
        if (always || !values.isEmpty()) {
            ArrayNode array = node.putArray(name);
            values.forEach(array::add);
        }
        return this;
    }

    JsonOut stringMap(String name, Map<String, String> values) {
        if (!values.isEmpty()) {
            ObjectNode object = node.putObject(name);
            Map<String, String> sorted = new TreeMap<>(Json.KEY_ORDER);
            sorted.putAll(values);
            sorted.forEach(object::put);
        }
        return this;
    }

    /** A Go {@code map[string]struct{}}: each key maps to {@code {}}. */
    JsonOut keySet(String name, Collection<String> keys) {
        if (!keys.isEmpty()) {
            ObjectNode object = node.putObject(name);
            TreeSet<String> sorted = new TreeSet<>(Json.KEY_ORDER);
            sorted.addAll(keys);
            sorted.forEach(object::putObject);
        }
        return this;
    }

    JsonOut object(String name, JsonNode value) {
        node.set(name, value);
        return this;
    }

    JsonOut object(String name, Optional<? extends JsonNode> value) {
        value.ifPresent(v -> node.set(name, v));
        return this;
    }

    JsonOut objects(String name, List<? extends JsonNode> values, boolean always) {
        if (always || !values.isEmpty()) {
            ArrayNode array = node.putArray(name);
            values.forEach(array::add);
        }
        return this;
    }

    JsonOut unknown(UnknownFields unknown) {
        unknown.writeTo(node);
        return this;
    }

    ObjectNode done() {
        return node;
    }
}
