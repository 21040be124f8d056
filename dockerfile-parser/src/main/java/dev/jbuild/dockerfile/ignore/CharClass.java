package dev.jbuild.dockerfile.ignore;

import java.util.Arrays;

/**
 * A set of code points as sorted, disjoint, inclusive ranges: what a bracket expression, a
 * {@code \d}-style escape or a {@code [:alpha:]} group stands for. The named sets are Go RE2's, which
 * are ASCII-only, because Docker hands these to RE2.
 */
final class CharClass {

    private static final int MAX = Character.MAX_CODE_POINT;

    private final int[] ranges;

    private CharClass(int[] ranges) {
        this.ranges = ranges;
    }

    boolean contains(int cp) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (cp < ranges[i]) {
                return false;
            }
            if (cp <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** RE2's Perl classes {@code \d \s \w} and their negations, or null for any other letter. */
    static int[] perl(char letter) {
        int[] r = switch (Character.toLowerCase(letter)) {
            case 'd' -> new int[] {'0', '9'};
            case 's' -> new int[] {'\t', '\n', '\f', '\r', ' ', ' '};
            case 'w' -> new int[] {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
            default -> null;
        };
        if (r == null) {
            return null;
        }
        return Character.isUpperCase(letter) ? complement(normalize(r)) : r;
    }

    /** RE2's POSIX groups such as {@code [:alpha:]} or {@code [:^alpha:]}, or null if unknown. */
    static int[] posix(String name) {
        boolean negated = name.startsWith("^");
        int[] r = switch (negated ? name.substring(1) : name) {
            case "alnum" -> new int[] {'0', '9', 'A', 'Z', 'a', 'z'};
            case "alpha" -> new int[] {'A', 'Z', 'a', 'z'};
            case "ascii" -> new int[] {0, 0x7F};
            case "blank" -> new int[] {'\t', '\t', ' ', ' '};
            case "cntrl" -> new int[] {0, 0x1F, 0x7F, 0x7F};
            case "digit" -> new int[] {'0', '9'};
            case "graph" -> new int[] {'!', '~'};
            case "lower" -> new int[] {'a', 'z'};
            case "print" -> new int[] {' ', '~'};
            case "punct" -> new int[] {'!', '/', ':', '@', '[', '`', '{', '~'};
            case "space" -> new int[] {'\t', '\r', ' ', ' '};
            case "upper" -> new int[] {'A', 'Z'};
            case "word" -> new int[] {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
            case "xdigit" -> new int[] {'0', '9', 'A', 'F', 'a', 'f'};
            default -> null;
        };
        if (r == null) {
            return null;
        }
        return negated ? complement(normalize(r)) : r;
    }

    /** Collects members, then freezes them into a class. */
    static final class Builder {
        private int[] buf = new int[8];
        private int size;

        Builder add(int lo, int hi) {
            if (size + 2 > buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[size++] = lo;
            buf[size++] = hi;
            return this;
        }

        Builder addAll(int[] pairs) {
            for (int i = 0; i < pairs.length; i += 2) {
                add(pairs[i], pairs[i + 1]);
            }
            return this;
        }

        CharClass build(boolean negated) {
            int[] r = normalize(Arrays.copyOf(buf, size));
            return new CharClass(negated ? complement(r) : r);
        }
    }

    private static int[] normalize(int[] pairs) {
        int count = pairs.length / 2;
        long[] packed = new long[count];
        for (int i = 0; i < count; i++) {
            packed[i] = ((long) pairs[2 * i] << 32) | (pairs[2 * i + 1] & 0xFFFFFFFFL);
        }
        Arrays.sort(packed);
        int[] out = new int[pairs.length];
        int w = 0;
        for (long p : packed) {
            int lo = (int) (p >>> 32);
            int hi = (int) p;
            if (w > 0 && lo <= out[w - 1] + 1) {
                out[w - 1] = Math.max(out[w - 1], hi);
            } else {
                out[w++] = lo;
                out[w++] = hi;
            }
        }
        return Arrays.copyOf(out, w);
    }

    private static int[] complement(int[] sorted) {
        int[] out = new int[sorted.length + 2];
        int w = 0;
        int next = 0;
        for (int i = 0; i < sorted.length; i += 2) {
            if (sorted[i] > next) {
                out[w++] = next;
                out[w++] = sorted[i] - 1;
            }
            next = sorted[i + 1] + 1;
        }
        if (next <= MAX) {
            out[w++] = next;
            out[w++] = MAX;
        }
        return Arrays.copyOf(out, w);
    }
}
