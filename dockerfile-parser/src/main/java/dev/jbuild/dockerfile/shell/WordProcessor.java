package dev.jbuild.dockerfile.shell;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One expansion of one word: the recursive scanner behind {@link ShellWordExpander}, mirroring
 * BuildKit's {@code shellWord} step for step, because its quirks are the specification (the word of
 * a modifier is expanded before the variable is looked at; {@code #}, {@code %} and {@code /} keep
 * their escape characters for the pattern; an error met at end of input inside {@code ${} becomes
 * "missing '}'"). Single use and not thread-safe.
 */
final class WordProcessor {

    private static final int EOF = RuneScanner.EOF;
    private static final String MISSING_BRACE = "syntax error: missing '}'";

    /** Text and fields of one scanned stretch. */
    record Scanned(String text, List<String> words) {
    }

    private final int escapeToken;
    private final VariableLookup env;
    private final RuneScanner in;
    private final Set<String> matched = new LinkedHashSet<>();
    private final Set<String> unmatched = new LinkedHashSet<>();
    /** Whether escape characters are kept (inside patterns) rather than removed. */
    private boolean rawEscapes;
    /** Quotes are ordinary characters (BuildKit's SkipProcessQuotes, for heredoc bodies). */
    private final boolean skipQuotes;
    /** {@code $V} and {@code ${V}} of an unset V stay as written (BuildKit's SkipUnsetEnv). */
    private final boolean keepUnset;

    WordProcessor(int escapeToken, VariableLookup env, String word) {
        this(escapeToken, env, word, false, false);
    }

    WordProcessor(int escapeToken, VariableLookup env, String word, boolean skipQuotes, boolean keepUnset) {
        this.escapeToken = escapeToken;
        this.env = env;
        this.in = new RuneScanner(word);
        this.skipQuotes = skipQuotes;
        this.keepUnset = keepUnset;
    }

    Scanned run() throws ExpansionException {
        return scanUntil(EOF, false);
    }

    Set<String> matched() {
        return matched;
    }

    Set<String> unmatched() {
        return unmatched;
    }

    /** Scans up to and past {@code stop}, or to the end when stop is EOF. */
    private Scanned scanUntil(int stop, boolean raw) throws ExpansionException {
        boolean saved = rawEscapes;
        rawEscapes = raw;
        try {
            return scan(stop);
        } finally {
            rawEscapes = saved;
        }
    }

    private Scanned scan(int stop) throws ExpansionException {
        StringBuilder result = new StringBuilder();
        WordSplitter words = new WordSplitter();
        while (in.peek() != EOF) {
            int ch = in.peek();
            if (stop != EOF && ch == stop) {
                in.next();
                return new Scanned(result.toString(), words.finish());
            }
            if (ch == '$') {
                String value = dollar();
                result.append(value);
                words.addString(value);
            } else if ((ch == '\'' || ch == '"') && !skipQuotes) {
                String text = ch == '\'' ? singleQuoted() : doubleQuoted();
                result.append(text);
                words.addRawString(text);
            } else {
                in.next();
                if (ch == escapeToken) {
                    if (rawEscapes) {
                        words.addRawChar(ch);
                        result.appendCodePoint(ch);
                    }
                    ch = in.next();
                    if (ch == EOF) {
                        break; // a trailing escape character is dropped
                    }
                    words.addRawChar(ch);
                } else {
                    words.addChar(ch);
                }
                result.appendCodePoint(ch);
            }
        }
        if (stop != EOF) {
            throw new ExpansionException(
                    "unexpected end of statement while looking for matching " + GoText.runeString(stop));
        }
        return new Scanned(result.toString(), words.finish());
    }

    private String singleQuoted() throws ExpansionException {
        in.next();
        StringBuilder result = new StringBuilder();
        for (int ch = in.next(); ch != '\''; ch = in.next()) {
            if (ch == EOF) {
                throw new ExpansionException(
                        "unexpected end of statement while looking for matching single-quote");
            }
            result.appendCodePoint(ch);
        }
        return result.toString();
    }

    private String doubleQuoted() throws ExpansionException {
        in.next();
        StringBuilder result = new StringBuilder();
        while (true) {
            int peek = in.peek();
            if (peek == EOF) {
                throw new ExpansionException(
                        "unexpected end of statement while looking for matching double-quote");
            }
            if (peek == '"') {
                in.next();
                return result.toString();
            }
            if (peek == '$') {
                result.append(dollar());
                continue;
            }
            int ch = in.next();
            if (ch == escapeToken) {
                if (rawEscapes) {
                    result.appendCodePoint(ch);
                }
                int after = in.peek();
                if (after == EOF) {
                    continue;
                }
                // Only these are escapable; before anything else the escape character is literal.
                if (after == '"' || after == '$' || after == escapeToken) {
                    ch = in.next();
                }
            }
            result.appendCodePoint(ch);
        }
    }

    private String dollar() throws ExpansionException {
        in.next();
        if (in.peek() != '{') {
            String name = name();
            return name.isEmpty() ? "$" : lookup(name).orElse(keepUnset ? "$" + name : "");
        }
        in.next();
        int first = in.peek();
        if (first == EOF) {
            throw new ExpansionException(MISSING_BRACE);
        }
        if (first == '{' || first == '}' || first == ':') {
            throw new ExpansionException("syntax error: bad substitution");
        }
        String name = name();
        int op = in.next();
        String modifier = GoText.runeString(op);
        if (op == '}') {
            return lookup(name).orElse(keepUnset ? "${" + name + "}" : "");
        }
        if (op == '/') {
            return substitute(name);
        }
        boolean nullIsUnset = op == ':';
        if (nullIsUnset) {
            // Whatever follows the colon is the operator, so ${V:#p} is ${V#p}.
            op = in.next();
            modifier += GoText.runeString(op);
        } else if (op != '+' && op != '-' && op != '?' && op != '#' && op != '%') {
            throw unsupported(modifier);
        }
        String word = scanOperand('}', op == '#' || op == '%', MISSING_BRACE);
        Optional<String> value = lookup(name);
        boolean absent = value.isEmpty() || (nullIsUnset && value.get().isEmpty());
        switch (op) {
            case '-':
                return absent ? word : value.get();
            case '+':
                return absent ? "" : word;
            case '?':
                if (value.isEmpty()) {
                    throw new ExpansionException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                }
                if (absent) {
                    throw new ExpansionException(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                }
                return value.get();
            case '#':
            case '%':
                // The test is on the expanded word, so ${V#"#"} is greedy with an empty pattern.
                boolean greedy = !word.isEmpty() && word.charAt(0) == op;
                String pattern = greedy ? word.substring(1) : word;
                return op == '#'
                        ? ShellPattern.trimPrefix(pattern, value.orElse(""), greedy)
                        : ShellPattern.trimSuffix(pattern, value.orElse(""), greedy);
            default:
                throw unsupported(modifier);
        }
    }

    /** {@code ${V/p/r}} and {@code ${V//p/r}}, after the first slash. */
    private String substitute(String name) throws ExpansionException {
        boolean all = in.peek() == '/';
        if (all) {
            in.next();
        }
        String pattern = scanOperand('/', true, "syntax error: missing '/' in ${}");
        String replacement = scanOperand('}', true, MISSING_BRACE);
        String value = lookup(name).orElse("");
        ShellPattern compiled;
        try {
            compiled = ShellPattern.compile(pattern, true);
        } catch (ExpansionException e) {
            throw new ExpansionException(
                    "invalid pattern (" + pattern + ") in substitution: " + e.getMessage());
        }
        return all ? compiled.replaceAll(value, replacement) : compiled.replaceFirst(value, replacement);
    }

    /** The word, pattern or replacement inside braces; any failure at end of input is reported as {@code eofMessage}. */
    private String scanOperand(int stop, boolean raw, String eofMessage) throws ExpansionException {
        try {
            return scanUntil(stop, raw).text();
        } catch (ExpansionException e) {
            if (in.peek() == EOF) {
                throw new ExpansionException(eofMessage);
            }
            throw e;
        }
    }

    /**
     * A variable name: letters, digits and underscores (Unicode ones too); or a run of digits
     * ({@code $10} is one name); or one special parameter character, which is looked up like any
     * name and is normally unset, so {@code $$} and {@code $@} expand to nothing.
     */
    private String name() {
        StringBuilder name = new StringBuilder();
        while (in.peek() != EOF) {
            int ch = in.peek();
            if (name.length() == 0 && Character.isDigit(ch)) {
                while (in.peek() != EOF && Character.isDigit(in.peek())) {
                    name.appendCodePoint(in.next());
                }
                return name.toString();
            }
            if (name.length() == 0 && isSpecialParameter(ch)) {
                return Character.toString(in.next());
            }
            if (!GoText.isNameChar(ch)) {
                break;
            }
            name.appendCodePoint(in.next());
        }
        return name.toString();
    }

    private static boolean isSpecialParameter(int ch) {
        return switch (ch) {
            case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
            default -> false;
        };
    }

    private Optional<String> lookup(String name) {
        Optional<String> value = Objects.requireNonNullElse(env.get(name), Optional.empty());
        (value.isPresent() ? matched : unmatched).add(name);
        return value;
    }

    private static ExpansionException unsupported(String modifier) {
        return new ExpansionException("unsupported modifier (" + modifier + ") in substitution");
    }
}
