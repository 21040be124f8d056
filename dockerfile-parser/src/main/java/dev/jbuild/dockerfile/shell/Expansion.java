package dev.jbuild.dockerfile.shell;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The outcome of expanding one word, with the names it looked up: {@code matched} were set,
 * {@code unmatched} were not. This is BuildKit's {@code ProcessWordWithMatches}; the builder uses
 * {@code matched} to put only the build args a step really uses into its cache key, and the linter
 * uses both to warn about unused or undefined args. Every name looked up is reported, including
 * ones whose value was not needed (the word of {@code ${A:-$B}} is expanded even when {@code A} is
 * set) and special names such as {@code 1} or {@code @}. Sets keep lookup order.
 */
public record Expansion(String result, Set<String> matched, Set<String> unmatched) {

    public Expansion {
        Objects.requireNonNull(result, "result");
        matched = Collections.unmodifiableSet(new LinkedHashSet<>(matched));
        unmatched = Collections.unmodifiableSet(new LinkedHashSet<>(unmatched));
    }
}
