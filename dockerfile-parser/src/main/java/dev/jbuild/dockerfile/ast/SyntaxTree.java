package dev.jbuild.dockerfile.ast;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed Dockerfile: its instructions in order, the parser directives that preceded them, the
 * escape character in force, and warnings the parser had (such as empty continuation lines).
 *
 * @param fileName the name used in error messages
 * @param nodes the instructions
 * @param escapeToken {@code \} or {@code `}
 * @param directives by lower-case name
 * @param warnings human-readable warnings, each naming its line
 */
public record SyntaxTree(
        String fileName,
        List<Node> nodes,
        char escapeToken,
        Map<String, Directive> directives,
        List<String> warnings) {

    public SyntaxTree {
        nodes = List.copyOf(nodes);
        directives = Map.copyOf(directives);
        warnings = List.copyOf(warnings);
    }

    public Optional<Directive> directive(String name) {
        return Optional.ofNullable(directives.get(name));
    }
}
