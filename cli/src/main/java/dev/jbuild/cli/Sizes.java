package dev.jbuild.cli;

import java.util.Locale;

/** Sizes as docker prints them: decimal units, three significant digits ({@code 7.8MB}, {@code 123kB}). */
final class Sizes {
    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

    private Sizes() {
    }

    static String human(long bytes) {
        double v = bytes;
        int unit = 0;
        while (v >= 1000 && unit < UNITS.length - 1) {
            v /= 1000;
            unit++;
        }
        String number = v >= 100 || unit == 0 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        if (number.contains(".")) {
            number = number.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return number + UNITS[unit];
    }
}
