package dev.jbuild.dockerfile.shell;

import java.util.List;
import java.util.Objects;

/**
 * Expands Dockerfile words exactly as BuildKit's {@code shell.Lex} does: {@code $V} and
 * {@code ${V}}; the modifiers {@code :-} {@code -} {@code :+} {@code +} {@code :?} {@code ?}
 * {@code #} {@code ##} {@code %} {@code %%} {@code /} {@code //}, whose word may itself contain
 * quotes and expansions; quote removal; and the escape character ({@code \} or, after
 * {@code # escape=`}, the backtick), which outside quotes makes the next character literal and
 * inside double quotes escapes only itself, {@code "} and {@code $}. A {@code $} not followed by a
 * name is literal. There is no command substitution, arithmetic, tilde or glob expansion.
 *
 * <p>Where BuildKit differs from a POSIX shell this follows BuildKit (see {@link ShellPattern} for
 * patterns). Instances are immutable and thread-safe.
 */
public final class ShellWordExpander {

    private final int escapeToken;

    /** @param escapeToken the Dockerfile escape character, {@code '\\'} or {@code '`'} */
    public ShellWordExpander(char escapeToken) {
        if (escapeToken != '\\' && escapeToken != '`') {
            throw new IllegalArgumentException("escape token must be '\\' or '`', not '" + escapeToken + "'");
        }
        this.escapeToken = escapeToken;
    }

    /** Expands one word: variables, quote removal, escapes. No field splitting: "a b" stays one word. */
    public String expand(String word, VariableLookup env) throws ExpansionException {
        return expandWithMatches(word, env).result();
    }

    /**
     * Same as {@link #expand}, also reporting which variable names were looked up and found or not
     * found (BuildKit's {@code ProcessWordWithMatches}), for build-arg cache keys and unused-arg
     * warnings.
     */
    public Expansion expandWithMatches(String word, VariableLookup env) throws ExpansionException {
        WordProcessor processor = processor(word, env);
        String result = run(processor, word).text();
        return new Expansion(result, processor.matched(), processor.unmatched());
    }

    /**
     * Expands and splits into words on whitespace that was unquoted in the source or came from a
     * variable's value, as BuildKit's {@code ProcessWords}. Note that a value substituted through a
     * modifier splits even if it was quoted inside the braces: {@code ${X:-"a b"}} is two words.
     * Empty words are dropped.
     */
    public List<String> expandWords(String words, VariableLookup env) throws ExpansionException {
        return run(processor(words, env), words).words();
    }

    /**
     * Expands the body of a heredoc that COPY or ADD writes (BuildKit's {@code ExpandRaw}): quotes
     * are ordinary characters, an unset variable stays as written, and the escape character is
     * always the backslash, whatever the Dockerfile's escape directive.
     */
    public static String expandHeredoc(String body, VariableLookup env) throws ExpansionException {
        Objects.requireNonNull(body, "body");
        return new WordProcessor('\\', env, body, true, true).run().text();
    }

    private WordProcessor processor(String word, VariableLookup env) {
        Objects.requireNonNull(word, "word");
        Objects.requireNonNull(env, "env");
        return new WordProcessor(escapeToken, env, word);
    }

    private static WordProcessor.Scanned run(WordProcessor processor, String word) throws ExpansionException {
        try {
            return processor.run();
        } catch (ExpansionException e) {
            throw new ExpansionException(
                    "failed to process " + GoText.quote(word) + ": " + e.getMessage(), e.getMessage());
        }
    }
}
