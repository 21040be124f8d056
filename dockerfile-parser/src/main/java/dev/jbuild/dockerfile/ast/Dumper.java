package dev.jbuild.dockerfile.ast;

/**
 * Prints a syntax tree in BuildKit's dump format: one S-expression per instruction,
 * {@code (keyword ["--flag"…] "arg"…)}, with Go quoting, so that our parse can be compared line
 * for line with BuildKit's.
 */
public final class Dumper {
    private Dumper() {
    }

    public static String dump(SyntaxTree tree) {
        StringBuilder sb = new StringBuilder();
        for (Node node : tree.nodes()) {
            sb.append(dump(node)).append('\n');
        }
        return sb.toString();
    }

    public static String dump(Node node) {
        StringBuilder sb = new StringBuilder("(").append(node.name());
        if (!node.flags().isEmpty()) {
            sb.append(" [");
            for (int i = 0; i < node.flags().size(); i++) {
                sb.append(i == 0 ? "" : " ").append(GoQuote.quote(node.flags().get(i)));
            }
            sb.append(']');
        }
        node.child().ifPresent(c -> sb.append(' ').append(dump(c)));
        for (String arg : node.args()) {
            sb.append(' ').append(GoQuote.quote(arg));
        }
        return sb.append(')').toString();
    }
}
