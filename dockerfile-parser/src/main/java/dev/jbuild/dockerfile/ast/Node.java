package dev.jbuild.dockerfile.ast;

import java.util.List;
import java.util.Optional;

/**
 * One instruction of a Dockerfile as the parser reads it, before any variable expansion: the
 * keyword as written, its {@code --flags}, its arguments split the way BuildKit splits them for
 * that keyword, and the heredoc bodies that follow it. ONBUILD carries its trigger as a nested
 * node instead of arguments.
 *
 * @param keyword the instruction word as written (any case)
 * @param flags the leading {@code --name[=value]} words, quotes removed
 * @param args the arguments (see {@link Parser} for how each keyword splits them)
 * @param json whether the arguments came from an exec-form JSON array
 * @param child the trigger of an ONBUILD instruction
 * @param heredocs the here-documents, in the order they were declared
 * @param original the logical line, continuations joined, as it was dispatched
 * @param startLine the 1-based line the instruction starts on
 * @param endLine the 1-based line it ends on (its last heredoc line included)
 * @param comments the comment lines right above it, without their {@code #}
 */
public record Node(
        String keyword,
        List<String> flags,
        List<String> args,
        boolean json,
        Optional<Node> child,
        List<Heredoc> heredocs,
        String original,
        int startLine,
        int endLine,
        List<String> comments) {

    public Node {
        flags = List.copyOf(flags);
        args = List.copyOf(args);
        heredocs = List.copyOf(heredocs);
        comments = List.copyOf(comments);
    }

    /** The keyword in lower case, the form used for dispatch. */
    public String name() {
        return keyword.toLowerCase(java.util.Locale.ROOT);
    }

    Node withPlace(int start, int end, List<Heredoc> docs) {
        return new Node(keyword, flags, args, json, child, docs, original, start, end, comments);
    }
}
