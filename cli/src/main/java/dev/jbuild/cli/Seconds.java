package dev.jbuild.cli;

/**
 * Durations as progress output shows them ({@code 1.23s}), written as {@code %.2f} and {@code %.1f}
 * would write them but without {@link java.util.Formatter}: formatting a double loads the locale
 * provider and its CLDR data, 30 ms of a rebuild from the cache that prints a few "done" lines.
 */
final class Seconds {
    private Seconds() {
    }

    /** {@code nanos} as seconds with {@code decimals} (1 to 3) digits after the point, rounded half up. */
    static String of(long nanos, int decimals) {
        if (decimals < 1 || decimals > 3) {
            throw new IllegalArgumentException("decimals must be 1 to 3, not " + decimals);
        }
        long unit = 1_000_000_000L / pow10(decimals);
        long units = (Math.max(0, nanos) + unit / 2) / unit;
        String fraction = Long.toString(units % pow10(decimals));
        return units / pow10(decimals) + "." + "0".repeat(decimals - fraction.length()) + fraction + "s";
    }

    private static long pow10(int n) {
        return n == 1 ? 10 : n == 2 ? 100 : 1000;
    }
}
