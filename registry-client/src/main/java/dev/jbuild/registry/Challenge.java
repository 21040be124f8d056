package dev.jbuild.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme such as {@code Bearer}
 * or {@code Basic} and its parameters ({@code realm}, {@code service}, {@code scope},
 * {@code error}). A header may hold several challenges, separated by commas that are followed by a
 * new scheme token rather than by {@code name=value}.
 */
public record Challenge(String scheme, Map<String, String> params) {
    public Challenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        params = Map.copyOf(params);
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }

    public boolean isBearer() {
        return scheme.equals("bearer");
    }

    public boolean isBasic() {
        return scheme.equals("basic");
    }

    /** Parses every challenge of the header values; malformed parts are skipped, never fatal. */
    public static List<Challenge> parse(List<String> headerValues) {
        List<Challenge> out = new ArrayList<>();
        for (String h : headerValues) {
            parseOne(h, out);
        }
        return out;
    }

    private static void parseOne(String h, List<Challenge> out) {
        int i = 0;
        int n = h.length();
        while (i < n) {
            while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && isToken(h.charAt(i))) {
                i++;
            }
            if (i == start) {
                return;
            }
            String scheme = h.substring(start, i);
            Map<String, String> params = new LinkedHashMap<>();
            while (i < n) {
                int save = i;
                while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                    i++;
                }
                int ks = i;
                while (i < n && isToken(h.charAt(i))) {
                    i++;
                }
                String key = h.substring(ks, i);
                int j = i;
                while (j < n && h.charAt(j) == ' ') {
                    j++;
                }
                if (key.isEmpty() || j >= n || h.charAt(j) != '=') {
                    i = save; // the next scheme starts here
                    break;
                }
                i = j + 1;
                while (i < n && h.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && h.charAt(i) == '"') {
                    i++;
                    while (i < n && h.charAt(i) != '"') {
                        if (h.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(h.charAt(i++));
                    }
                    i++; // closing quote
                } else {
                    while (i < n && h.charAt(i) != ',' && h.charAt(i) != ' ') {
                        value.append(h.charAt(i++));
                    }
                }
                params.put(key.toLowerCase(Locale.ROOT), value.toString());
            }
            out.add(new Challenge(scheme, params));
            if (i == start) {
                return;
            }
        }
    }

    private static boolean isToken(char c) {
        return c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={} ".indexOf(c) < 0;
    }
}
