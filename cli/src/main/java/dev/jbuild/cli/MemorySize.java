package dev.jbuild.cli;

import java.util.Locale;

/** docker's memory sizes: a number of bytes with an optional b, k, m or g suffix (powers of 1024). */
final class MemorySize {
    private MemorySize() {
    }

    static long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("b") && t.length() > 1) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty() && "kmg".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("kmg".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            double value = Double.parseDouble(t);
            if (value > 0) {
                return (long) (value * unit);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("invalid memory size \"" + text + "\": expected e.g. 512m or 2g");
    }
}
