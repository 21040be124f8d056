package dev.jbuild.dockerfile.instructions;

import java.time.Duration;

/** Parses Go duration strings ({@code 30s}, {@code 1m30s}, {@code 1.5h}, {@code 300ms}) as HEALTHCHECK takes them. */
final class GoDuration {
    private GoDuration() {
    }

    static Duration parse(String s) throws InstructionException {
        String orig = s;
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            throw invalid(orig);
        }
        double nanos = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw invalid(orig);
            }
            double number;
            try {
                number = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw invalid(orig);
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            nanos += number * switch (s.substring(unitStart, i)) {
                case "ns" -> 1d;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                case "" -> throw new InstructionException("time: missing unit in duration " + quote(orig));
                default -> throw new InstructionException("time: unknown unit " + quote(s.substring(unitStart, i))
                        + " in duration " + quote(orig));
            };
        }
        Duration d = Duration.ofNanos((long) nanos);
        return negative ? d.negated() : d;
    }

    private static InstructionException invalid(String s) {
        return new InstructionException("time: invalid duration " + quote(s));
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
