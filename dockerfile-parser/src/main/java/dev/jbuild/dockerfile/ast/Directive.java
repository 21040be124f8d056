package dev.jbuild.dockerfile.ast;

/**
 * A parser directive ({@code # syntax=…}, {@code # escape=…}, {@code # check=…}) from the top of a
 * Dockerfile.
 *
 * @param name the key in lower case
 * @param value the value, surrounding whitespace trimmed
 * @param line the 1-based line it was read from
 */
public record Directive(String name, String value, int line) {
}
