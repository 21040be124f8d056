package dev.jbuild.cli;

import java.util.Map;

/**
 * What jbuild knows of the terminal it writes progress to: whether there is one (a console, and a
 * {@code TERM} that is set and not {@code dumb}) and its size from {@code COLUMNS} and {@code LINES}
 * (80 by 24 when they are not exported, as most shells do not). Only a live display needs more than
 * whether there is one, and it only needs never to write a line wider than the screen.
 */
record Terminal(boolean attached, int columns, int rows) {
    static final int DEFAULT_COLUMNS = 80;
    static final int DEFAULT_ROWS = 24;

    /** The terminal of this process. */
    static Terminal current() {
        return from(System.console() != null, System.getenv());
    }

    /** The terminal described by {@code env}, when {@code console} says there is one. */
    static Terminal from(boolean console, Map<String, String> env) {
        String term = env.get("TERM");
        boolean attached = console && term != null && !term.isEmpty() && !term.equals("dumb");
        return new Terminal(attached, size(env.get("COLUMNS"), DEFAULT_COLUMNS), size(env.get("LINES"), DEFAULT_ROWS));
    }

    private static int size(String value, int otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value.trim());
            return n > 0 ? n : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
