package dev.jbuild.builder.fs;

import dev.jbuild.builder.BuildException;
import java.util.ArrayList;
import java.util.List;

/**
 * The value of {@code COPY --chmod} / {@code ADD --chmod}: an octal mode ({@code 755},
 * {@code 0644}, at most {@code 07777}), which replaces the permission bits outright, or a symbolic
 * one ({@code u=rwX,go=rX}, {@code +x}, {@code a-w}, {@code g+s}, {@code go=u-w}), which changes
 * each file's own bits as chmod(1) does.
 *
 * <p>Octal values are exact, as BuildKit applies them (GNU chmod would keep a directory's setgid
 * bit). Symbolic values follow GNU coreutils' {@code mode_adjust} with a zero umask, which is what
 * BuildKit aims at since it made {@code X} Linux-compatible (moby/buildkit#5850): {@code X} works
 * with every operator and looks at the mode as changed so far, {@code s} and {@code t} only touch
 * the bits of the classes named ({@code u+s}, {@code g+s}, {@code o+t}), and a directory keeps its
 * setuid/setgid bits unless the clause names them.
 */
public final class ChmodSpec {
    private static final int SETUID = 04000;
    private static final int SETGID = 02000;
    private static final int STICKY = 01000;
    private static final int ALL = 07777;
    private static final int READ = 0444;
    private static final int WRITE = 0222;
    private static final int EXEC = 0111;

    /** How a change gets its bits: as written, copied from a class ({@code g=u}), or {@code X}. */
    private enum Kind { ORDINARY, COPY, EXEC_IF_ANY }

    /** One operator of a clause, as coreutils' {@code struct mode_change}. */
    private record Change(char op, Kind kind, int affected, int value, int mentioned) {
    }

    private final String text;
    private final int octal;
    private final List<Change> changes;

    private ChmodSpec(String text, int octal, List<Change> changes) {
        this.text = text;
        this.octal = octal;
        this.changes = changes;
    }

    /**
     * Parses a {@code --chmod} value.
     *
     * @throws BuildException with BuildKit's wording when the value is neither an octal number up to
     *     07777 nor a valid symbolic mode
     */
    public static ChmodSpec parse(String text) throws BuildException {
        if (!text.isEmpty() && Character.isDigit(text.charAt(0))) {
            return new ChmodSpec(text, parseOctal(text), List.of());
        }
        List<Change> changes = new ArrayList<>();
        for (String clause : text.split(",", -1)) {
            if (!parseClause(clause, changes)) {
                throw new BuildException("invalid chmod parameter: '" + text + "': invalid syntax");
            }
        }
        return new ChmodSpec(text, -1, List.copyOf(changes));
    }

    /**
     * The permission bits ({@code 07777}) a file or directory whose mode is {@code currentMode}
     * (file type bits are ignored) gets under this value.
     */
    public int apply(int currentMode, boolean isDirectory) {
        if (octal >= 0) {
            return octal;
        }
        int mode = currentMode & ALL;
        for (Change c : changes) {
            // A directory's set-id bits survive unless this change names them (GNU, "omit_change").
            int omit = (isDirectory ? SETUID | SETGID : 0) & ~c.mentioned();
            int value = c.value();
            if (c.kind() == Kind.COPY) {
                value &= mode;
                value |= ((value & READ) != 0 ? READ : 0) | ((value & WRITE) != 0 ? WRITE : 0)
                        | ((value & EXEC) != 0 ? EXEC : 0);
            } else if (c.kind() == Kind.EXEC_IF_ANY && ((mode & EXEC) != 0 || isDirectory)) {
                value |= EXEC;
            }
            value &= (c.affected() != 0 ? c.affected() : ALL) & ~omit;
            switch (c.op()) {
                case '=' -> {
                    int preserved = (c.affected() != 0 ? ~c.affected() : 0) | omit;
                    mode = (mode & preserved) | value;
                }
                case '+' -> mode |= value;
                default -> mode &= ~value;
            }
        }
        return mode & ALL;
    }

    @Override
    public String toString() {
        return text;
    }

    private static int parseOctal(String text) throws BuildException {
        BuildException invalid = new BuildException(
                "invalid chmod parameter: '" + text + "'. it should be octal string and between 0 and 07777");
        if (text.length() > 12 || !text.chars().allMatch(c -> c >= '0' && c <= '7')) {
            throw invalid;
        }
        long value = Long.parseLong(text, 8);
        if (value > ALL) {
            throw invalid;
        }
        return (int) value;
    }

    /** Reads {@code [ugoa]*([-+=]([rwxXst]*|[ugo]))+} into {@code out}; false on a syntax error. */
    private static boolean parseClause(String clause, List<Change> out) {
        int i = 0;
        int affected = 0;
        while (i < clause.length() && "ugoa".indexOf(clause.charAt(i)) >= 0) {
            affected |= switch (clause.charAt(i)) {
                case 'u' -> SETUID | 0700;
                case 'g' -> SETGID | 0070;
                case 'o' -> STICKY | 0007;
                default -> ALL;
            };
            i++;
        }
        if (i == clause.length() || "=+-".indexOf(clause.charAt(i)) < 0) {
            return false;
        }
        while (i < clause.length() && "=+-".indexOf(clause.charAt(i)) >= 0) {
            char op = clause.charAt(i++);
            Kind kind = Kind.ORDINARY;
            int value = 0;
            if (i < clause.length() && "ugo".indexOf(clause.charAt(i)) >= 0) {
                kind = Kind.COPY;
                value = switch (clause.charAt(i)) {
                    case 'u' -> 0700;
                    case 'g' -> 0070;
                    default -> 0007;
                };
                i++;
            } else {
                for (; i < clause.length() && "rwxXst".indexOf(clause.charAt(i)) >= 0; i++) {
                    switch (clause.charAt(i)) {
                        case 'r' -> value |= READ;
                        case 'w' -> value |= WRITE;
                        case 'x' -> value |= EXEC;
                        case 'X' -> kind = Kind.EXEC_IF_ANY;
                        case 's' -> value |= SETUID | SETGID;
                        default -> value |= STICKY;
                    }
                }
            }
            out.add(new Change(op, kind, affected, value, affected != 0 ? affected & value : value));
        }
        return i == clause.length();
    }
}
