package dev.jbuild.cli;

/**
 * How a command shows its progress, from {@code --progress}: {@code auto} and {@code tty} redraw a
 * live display in place when standard error is a terminal, {@code plain} prints lines that are
 * never rewritten, {@code quiet} prints nothing. {@code tty} without a terminal falls back to
 * plain rather than failing as buildx does: a redrawn display in a log file is unreadable, and a
 * script that asks for it should still run.
 */
enum ProgressMode {
    TTY, PLAIN, QUIET;

    /** The mode {@code --progress=value} asks for on {@code terminal}. */
    static ProgressMode parse(String value, Terminal terminal) {
        return switch (value) {
            case "auto", "tty" -> terminal.attached() ? TTY : PLAIN;
            case "plain" -> PLAIN;
            case "quiet" -> QUIET;
            default -> throw new UserError("--progress=" + value + ": expected auto, tty, plain or quiet");
        };
    }
}
