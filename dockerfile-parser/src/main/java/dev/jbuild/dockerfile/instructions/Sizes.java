package dev.jbuild.dockerfile.instructions;

import java.util.Locale;

/** Parses human sizes such as {@code 64m}, {@code 1g} or {@code 512kb} (binary units, as docker does). */
public final class Sizes {
    private Sizes() {
    }

    public static long parse(String s) throws InstructionException {
        String v = s.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < v.length() && (Character.isDigit(v.charAt(i)) || v.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            throw new InstructionException("invalid size: " + s);
        }
        double n = Double.parseDouble(v.substring(0, i));
        String unit = v.substring(i).trim();
        long factor = switch (unit) {
            case "", "b" -> 1L;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            case "t", "tb", "tib" -> 1L << 40;
            default -> throw new InstructionException("invalid size: " + s);
        };
        return (long) (n * factor);
    }
}
