package dev.jbuild.dockerfile.ast;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the heredocs an instruction line declares ({@code <<EOF}, {@code <<-EOF}, {@code 3<<"EOF"}),
 * as BuildKit does: the line is split into shell words with quotes and escapes kept, and each
 * word of the form {@code [n]<<[-]WORD} is a heredoc. Quoting any part of WORD turns expansion of
 * the body off.
 */
public final class HeredocWords {
    private static final Pattern HEREDOC = Pattern.compile("^(\\d*)<<(-?)([^<]*)$");

    private HeredocWords() {
    }

    /** The heredocs declared in the line, with empty bodies. */
    static List<Heredoc> declared(String line) {
        List<Heredoc> docs = new ArrayList<>();
        for (String word : rawWords(line)) {
            Heredoc h = parse(word);
            if (h != null) {
                docs.add(h);
            }
        }
        return docs;
    }

    /** The heredoc a single argument word declares ({@code <<EOF}), if it is one; its body is empty. */
    public static Optional<Heredoc> parseWord(String word) {
        return Optional.ofNullable(parse(word));
    }

    private static Heredoc parse(String word) {
        Matcher m = HEREDOC.matcher(word);
        if (!m.matches() || m.group(3).isEmpty()) {
            return null;
        }
        String raw = m.group(3);
        String name = unquote(raw);
        if (name == null || name.isEmpty()) {
            return null;
        }
        boolean expand = quoteCount(name) == quoteCount(raw);
        int fd = m.group(1).isEmpty() ? 0 : Integer.parseInt(m.group(1).length() > 9 ? "0" : m.group(1));
        return new Heredoc(name, fd, expand, m.group(2).equals("-"), "");
    }

    private static int quoteCount(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\'' || s.charAt(i) == '"') {
                n++;
            }
        }
        return n;
    }

    /** Shell quote removal on one word; null when it would not be exactly one word. */
    private static String unquote(String s) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    out.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < s.length() && "\"\\$".indexOf(s.charAt(i + 1)) >= 0) {
                    out.append(s.charAt(++i));
                } else {
                    out.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\' && i + 1 < s.length()) {
                out.append(s.charAt(++i));
            } else if (GoText.isSpace(c)) {
                return null;
            } else {
                out.append(c);
            }
        }
        return quote == 0 ? out.toString() : null;
    }

    /** Splits on unquoted white space, keeping quotes, escapes and {@code ${…}} groups intact. */
    private static List<String> rawWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        int braces = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == 0 && braces == 0 && GoText.isSpace(c)) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                continue;
            }
            word.append(c);
            if (c == '\\' && quote != '\'' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
            } else if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '$' && i + 1 < line.length() && line.charAt(i + 1) == '{') {
                braces++;
                word.append(line.charAt(++i));
            } else if (c == '}' && braces > 0) {
                braces--;
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }
}
