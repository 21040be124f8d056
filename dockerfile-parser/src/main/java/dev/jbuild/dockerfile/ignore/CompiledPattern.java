package dev.jbuild.dockerfile.ignore;

import dev.jbuild.dockerfile.ast.GoText;
import java.util.ArrayList;
import java.util.List;

/**
 * One pattern compiled the way moby/patternmatcher compiles it, so that it matches exactly what
 * Docker matches. Docker does not use {@code filepath.Match} to match: it turns the pattern into a Go
 * regular expression, except that a pattern without wildcards is compared as a string, a pattern
 * ending in {@code **} (with no other wildcard) as a prefix, and one starting with {@code **} (and no
 * other wildcard) as a suffix. Those shortcuts are visible: {@code **.log} matches {@code x.log}
 * anywhere, while {@code a**b} needs a slash between {@code a} and {@code b}.
 *
 * <p>The regular-expression form runs here as a small NFA over code points with one bit per state,
 * so a match allocates nothing for patterns of up to 63 instructions and never backtracks. It keeps
 * RE2's details: {@code ?} and {@code *} match any character but {@code /} (newline included), while
 * the {@code .*} behind {@code **} does not match a newline.
 *
 * <p>Where Docker's translation gives a construct an accidental meaning, this class rejects it
 * rather than guess: {@code *} or {@code ?} inside brackets, and an escaped letter or digit other
 * than the RE2 classes {@code \d \D \s \S \w \W} and the control escapes {@code \a \f \n \r \t \v}.
 */
final class CompiledPattern {

    /** Why a pattern cannot be compiled; the caller adds where it came from. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String reason) {
            super(reason, null, false, false);
        }
    }

    private enum Kind { EXACT, PREFIX, SUFFIX, REGEX }

    // NFA instructions. Each consumes one code point, except SPLIT and BOL, which only lead on.
    private static final byte CHAR = 0;           // the code point in arg
    private static final byte SET = 1;            // a member of sets[pc]
    private static final byte NOT_SLASH = 2;      // [^/]
    private static final byte STAR = 3;           // [^/]*  (loops; may be left without consuming)
    private static final byte DOT_STAR = 4;       // .*     (loops; may be left without consuming)
    private static final byte SPLIT = 5;          // start of (.*/)?: enter at pc+1 or skip to pc+2
    private static final byte DOT_STAR_SLASH = 6; // the .*/ inside (.*/)?: loops, leaves on '/'
    private static final byte BOL = 7;            // ^ : only at the start of the text
    private static final byte CARET = 8;          // a '^' whose meaning depends on the final kind

    private final boolean exclusion;
    private final String text;
    private final Kind kind;
    private final String literal;
    private final byte[] ops;
    private final int[] args;
    private final CharClass[] sets;

    private CompiledPattern(boolean exclusion, String text, Kind kind, String literal, byte[] ops, int[] args,
            CharClass[] sets) {
        this.exclusion = exclusion;
        this.text = text;
        this.kind = kind;
        this.literal = literal;
        this.ops = ops;
        this.args = args;
        this.sets = sets;
    }

    /** True for a {@code !} pattern, which re-includes what it matches. */
    boolean exclusion() {
        return exclusion;
    }

    /** The cleaned pattern without its {@code !}. */
    String text() {
        return text;
    }

    /**
     * Compiles a pattern as patternmatcher.New does: trimmed, cleaned again, {@code !} split off,
     * checked with Go's glob syntax, then translated.
     */
    static CompiledPattern compile(String pattern) throws SyntaxError {
        String p = GoPath.clean(GoText.trimSpace(pattern));
        boolean exclusion = false;
        if (p.charAt(0) == '!') {
            if (p.length() == 1) {
                throw new SyntaxError("an exception needs a pattern after the ! (\"!\" alone, or \"!/\", names nothing)");
            }
            exclusion = true;
            p = p.substring(1);
        }
        String problem = GlobSyntax.check(p);
        if (problem != null) {
            throw new SyntaxError(problem);
        }
        return new Translator(p).translate(exclusion);
    }

    /** Whether the first {@code end} chars of {@code path} match the whole pattern. */
    boolean matches(String path, int end) {
        switch (kind) {
            case EXACT:
                return end == literal.length() && path.regionMatches(0, literal, 0, end);
            case PREFIX:
                return end >= literal.length() && path.regionMatches(0, literal, 0, literal.length());
            case SUFFIX:
                int len = literal.length();
                if (end >= len && path.regionMatches(end - len, literal, 0, len)) {
                    return true;
                }
                // "**/foo" also matches "foo" itself.
                return len > 0 && literal.charAt(0) == '/' && end == len - 1 && path.regionMatches(0, literal, 1, end);
            default:
                return ops.length < 64 ? runSmall(path, end, false) : runLarge(path, end, false);
        }
    }

    /**
     * Whether some path strictly under {@code dir} could match the pattern itself (not through a
     * parent). False answers are exact; true answers may be optimistic.
     */
    boolean mayMatchUnder(String dir) {
        String d = dir.isEmpty() ? "" : dir + "/";
        switch (kind) {
            case EXACT:
                return literal.length() > d.length() && literal.startsWith(d);
            case PREFIX:
                return literal.startsWith(d) || d.startsWith(literal);
            case SUFFIX:
                return true;
            default:
                return ops.length < 64 ? runSmall(d, d.length(), true) : runLarge(d, d.length(), true);
        }
    }

    // ---- NFA, one long of state bits (pc 0..ops.length, the last being "matched") ----

    private boolean runSmall(String s, int end, boolean prefixOnly) {
        int accept = ops.length;
        long cur = closureSmall(1L, 0);
        int pos = 0;
        while (pos < end) {
            if (cur == 0) {
                return false;
            }
            int c = s.codePointAt(pos);
            pos += Character.charCount(c);
            long next = 0;
            for (long bits = cur; bits != 0; bits &= bits - 1) {
                int pc = Long.numberOfTrailingZeros(bits);
                if (pc != accept) {
                    next |= step(pc, c);
                }
            }
            cur = closureSmall(next, pos);
        }
        if (prefixOnly) {
            return (cur & ~(1L << accept) & consumingMaskSmall()) != 0;
        }
        return (cur & (1L << accept)) != 0;
    }

    /** The states reachable after consuming {@code c} in state {@code pc}, as bits. */
    private long step(int pc, int c) {
        switch (ops[pc]) {
            case CHAR:
                return c == args[pc] ? 1L << (pc + 1) : 0;
            case SET:
                return sets[pc].contains(c) ? 1L << (pc + 1) : 0;
            case NOT_SLASH:
                return c != '/' ? 1L << (pc + 1) : 0;
            case STAR:
                return c != '/' ? 1L << pc : 0;
            case DOT_STAR:
                return c != '\n' ? 1L << pc : 0;
            case DOT_STAR_SLASH:
                return (c != '\n' ? 1L << pc : 0) | (c == '/' ? 1L << (pc + 1) : 0);
            default:
                return 0;
        }
    }

    private long closureSmall(long set, int pos) {
        // Every empty move goes forward, so taking states lowest first reaches the fixed point.
        long todo = set;
        while (todo != 0) {
            int pc = Long.numberOfTrailingZeros(todo);
            todo &= todo - 1;
            if (pc >= ops.length) {
                continue;
            }
            long add = switch (ops[pc]) {
                case STAR, DOT_STAR -> 1L << (pc + 1);
                case SPLIT -> (1L << (pc + 1)) | (1L << (pc + 2));
                case BOL -> pos == 0 ? 1L << (pc + 1) : 0;
                default -> 0;
            };
            add &= ~set;
            set |= add;
            todo |= add;
        }
        return set;
    }

    private long consumingMaskSmall() {
        long mask = 0;
        for (int pc = 0; pc < ops.length; pc++) {
            if (ops[pc] != SPLIT && ops[pc] != BOL) {
                mask |= 1L << pc;
            }
        }
        return mask;
    }

    // ---- the same NFA with a long[] for long patterns ----

    private boolean runLarge(String s, int end, boolean prefixOnly) {
        int accept = ops.length;
        int words = (accept >>> 6) + 1;
        long[] cur = new long[words];
        long[] next = new long[words];
        cur[0] = 1L;
        closureLarge(cur, 0);
        int pos = 0;
        while (pos < end) {
            if (isEmpty(cur)) {
                return false;
            }
            int c = s.codePointAt(pos);
            pos += Character.charCount(c);
            java.util.Arrays.fill(next, 0L);
            for (int pc = 0; pc < accept; pc++) {
                if ((cur[pc >>> 6] & (1L << pc)) == 0) {
                    continue;
                }
                switch (ops[pc]) {
                    case CHAR -> {
                        if (c == args[pc]) {
                            set(next, pc + 1);
                        }
                    }
                    case SET -> {
                        if (sets[pc].contains(c)) {
                            set(next, pc + 1);
                        }
                    }
                    case NOT_SLASH -> {
                        if (c != '/') {
                            set(next, pc + 1);
                        }
                    }
                    case STAR -> {
                        if (c != '/') {
                            set(next, pc);
                        }
                    }
                    case DOT_STAR -> {
                        if (c != '\n') {
                            set(next, pc);
                        }
                    }
                    case DOT_STAR_SLASH -> {
                        if (c != '\n') {
                            set(next, pc);
                        }
                        if (c == '/') {
                            set(next, pc + 1);
                        }
                    }
                    default -> {
                    }
                }
            }
            long[] t = cur;
            cur = next;
            next = t;
            closureLarge(cur, pos);
        }
        if (prefixOnly) {
            for (int pc = 0; pc < accept; pc++) {
                if ((cur[pc >>> 6] & (1L << pc)) != 0 && ops[pc] != SPLIT && ops[pc] != BOL) {
                    return true;
                }
            }
            return false;
        }
        return (cur[accept >>> 6] & (1L << accept)) != 0;
    }

    private void closureLarge(long[] set, int pos) {
        for (int pc = 0; pc < ops.length; pc++) {
            if ((set[pc >>> 6] & (1L << pc)) == 0) {
                continue;
            }
            switch (ops[pc]) {
                case STAR, DOT_STAR -> set(set, pc + 1);
                case SPLIT -> {
                    set(set, pc + 1);
                    set(set, pc + 2);
                }
                case BOL -> {
                    if (pos == 0) {
                        set(set, pc + 1);
                    }
                }
                default -> {
                }
            }
        }
    }

    private static void set(long[] bits, int i) {
        bits[i >>> 6] |= 1L << i;
    }

    private static boolean isEmpty(long[] bits) {
        for (long w : bits) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (exclusion ? "!" : "") + text;
    }

    /**
     * Walks the pattern as patternmatcher's compile loop does, deciding the match kind the same way,
     * and reads bracket expressions and escapes the way RE2 reads the regular expression it would
     * have produced.
     */
    private static final class Translator {
        private final String p;
        private final int n;
        private int pos;
        private final List<Byte> ops = new ArrayList<>();
        private final List<Integer> args = new ArrayList<>();
        private final List<CharClass> sets = new ArrayList<>();

        Translator(String p) {
            this.p = p;
            this.n = p.length();
        }

        CompiledPattern translate(boolean exclusion) throws SyntaxError {
            Kind kind = Kind.EXACT;
            for (int iteration = 0; pos < n; iteration++) {
                int ch = p.codePointAt(pos);
                pos += Character.charCount(ch);
                if (ch == '*') {
                    if (pos < n && p.charAt(pos) == '*') {
                        pos++;
                        if (pos < n && p.charAt(pos) == '/') {
                            pos++; // "**/" behaves as "**"
                        }
                        if (pos >= n) {
                            if (kind == Kind.EXACT) {
                                kind = Kind.PREFIX;
                            } else {
                                emit(DOT_STAR, 0, null);
                                kind = Kind.REGEX;
                            }
                        } else {
                            emit(SPLIT, 0, null);
                            emit(DOT_STAR_SLASH, 0, null);
                            kind = Kind.REGEX;
                        }
                        if (iteration == 0) {
                            kind = Kind.SUFFIX;
                        }
                    } else {
                        emit(STAR, 0, null);
                        kind = Kind.REGEX;
                    }
                } else if (ch == '?') {
                    emit(NOT_SLASH, 0, null);
                    kind = Kind.REGEX;
                } else if (ch == '\\') {
                    // Go's syntax check already refused a trailing backslash.
                    int esc = p.codePointAt(pos);
                    pos += Character.charCount(esc);
                    int[] perl = perlClass(esc);
                    if (perl != null) {
                        emit(SET, 0, new CharClass.Builder().addAll(perl).build(false));
                    } else {
                        emit(CHAR, escapedChar(esc), null);
                    }
                    kind = Kind.REGEX;
                } else if (ch == '[') {
                    emit(SET, 0, bracket());
                    kind = Kind.REGEX;
                } else if (ch == ']') {
                    emit(CHAR, ']', null);
                    kind = Kind.REGEX;
                } else if (ch == '^') {
                    emit(CARET, '^', null);
                } else {
                    emit(CHAR, ch, null);
                }
            }
            switch (kind) {
                case EXACT:
                    return new CompiledPattern(exclusion, p, kind, p, null, null, null);
                case PREFIX:
                    return new CompiledPattern(exclusion, p, kind, p.substring(0, n - 2), null, null, null);
                case SUFFIX:
                    return new CompiledPattern(exclusion, p, kind, p.substring(2), null, null, null);
                default:
                    byte[] o = new byte[ops.size()];
                    int[] a = new int[o.length];
                    CharClass[] s = new CharClass[o.length];
                    for (int i = 0; i < o.length; i++) {
                        // An unescaped '^' reaches RE2 as an anchor: only at the very start can it match.
                        o[i] = ops.get(i) == CARET ? BOL : ops.get(i);
                        a[i] = args.get(i);
                        s[i] = sets.get(i);
                    }
                    return new CompiledPattern(exclusion, p, kind, null, o, a, s);
            }
        }

        private void emit(byte op, int arg, CharClass set) {
            ops.add(op);
            args.add(arg);
            sets.add(set);
        }

        /** A bracket expression as RE2 parses it; pos is just after the '['. */
        private CharClass bracket() throws SyntaxError {
            CharClass.Builder b = new CharClass.Builder();
            boolean negated = false;
            if (pos < n && p.charAt(pos) == '^') {
                negated = true;
                pos++;
            }
            boolean first = true;
            while (true) {
                if (pos >= n) {
                    throw new SyntaxError("character class is not closed with ]");
                }
                char c = p.charAt(pos);
                if (c == ']' && !first) {
                    pos++;
                    return b.build(negated);
                }
                first = false;
                if (c == '*' || c == '?') {
                    // Docker rewrites wildcards even inside brackets, leaving a class that means
                    // something else entirely; refuse instead of copying the accident.
                    throw new SyntaxError("a wildcard inside [...] does not mean the character in Docker; write \\"
                            + c + " to match a literal " + c);
                }
                if (c == '[' && pos + 1 < n && p.charAt(pos + 1) == ':') {
                    int close = p.indexOf(":]", pos + 2);
                    if (close >= 0) {
                        String name = p.substring(pos + 2, close);
                        int[] group = CharClass.posix(name);
                        if (group == null) {
                            throw new SyntaxError("unknown character class [:" + name + ":]");
                        }
                        b.addAll(group);
                        pos = close + 2;
                        continue;
                    }
                }
                if (c == '\\' && pos + 1 < n) {
                    int[] perl = perlClass(p.charAt(pos + 1));
                    if (perl != null) {
                        b.addAll(perl);
                        pos += 2;
                        continue;
                    }
                }
                int lo = classChar();
                int hi = lo;
                if (pos + 1 < n && p.charAt(pos) == '-' && p.charAt(pos + 1) != ']') {
                    pos++;
                    hi = classChar();
                    if (hi < lo) {
                        throw new SyntaxError("character range " + new String(Character.toChars(lo)) + "-"
                                + new String(Character.toChars(hi)) + " is reversed");
                    }
                }
                b.add(lo, hi);
            }
        }

        private int classChar() throws SyntaxError {
            if (pos >= n) {
                throw new SyntaxError("character class is not closed with ]");
            }
            int c = p.codePointAt(pos);
            pos += Character.charCount(c);
            if (c != '\\') {
                return c;
            }
            if (pos >= n) {
                throw new SyntaxError("trailing backslash escapes nothing");
            }
            int esc = p.codePointAt(pos);
            pos += Character.charCount(esc);
            return escapedChar(esc);
        }

        private static int[] perlClass(int c) {
            return c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W' ? CharClass.perl((char) c) : null;
        }

        /** The character an escape stands for, as RE2 reads {@code \x}. */
        private static int escapedChar(int c) throws SyntaxError {
            if (c < 0x80 && !Character.isLetterOrDigit(c)) {
                return c;
            }
            return switch (c) {
                case 'a' -> 7;
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'v' -> 0x0B;
                default -> throw new SyntaxError("\\" + new String(Character.toChars(c))
                        + " is not supported: Docker passes escaped letters and digits to a regular-expression"
                        + " engine (or fails); escape only punctuation");
            };
        }
    }
}
