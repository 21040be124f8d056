package dev.jbuild.builder.snapshot;

/**
 * The process ids jbuild writes into the names of its temporary directories and containers, so
 * that the next command can tell what a crashed one left behind from what a running one uses.
 */
public final class Pids {
    private Pids() {
    }

    /** The pid that follows {@code prefix} in {@code name} ({@code prefix<pid>-…}), or -1. */
    public static long fromName(String name, String prefix) {
        if (!name.startsWith(prefix)) {
            return -1;
        }
        String rest = name.substring(prefix.length());
        int dash = rest.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether a process with that pid runs; an unknown pid (-1) counts as dead. */
    public static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
