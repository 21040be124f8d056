package dev.jbuild.dockerfile.shell;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where {@link ShellWordExpander} finds the value of a variable. An empty {@code Optional} means
 * the variable is unset, which is not the same as set to the empty string: {@code ${V-x}} and
 * {@code ${V?}} tell the two apart. Names are compared exactly (case-sensitively), as BuildKit does
 * on Unix.
 */
@FunctionalInterface
public interface VariableLookup {

    /** The value of {@code name}, or empty when it is unset. */
    Optional<String> get(String name);

    /**
     * A lookup backed by {@code map}. It is a view, not a copy, so that the caller's scope (ARG and
     * ENV as they stand at one instruction) can be passed without copying it per word; a
     * {@code null} value counts as unset.
     */
    static VariableLookup of(Map<String, String> map) {
        Objects.requireNonNull(map, "map");
        return name -> Optional.ofNullable(map.get(name));
    }

    /** The lookup in which every variable is unset. */
    static VariableLookup empty() {
        return name -> Optional.empty();
    }
}
