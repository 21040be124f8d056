package dev.jbuild.dockerfile.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the fields of {@code ShellWordExpander.expandWords} while a word is scanned. Characters
 * that came from the source unquoted, or from a variable's value, split on whitespace; quoted text
 * and escaped characters do not. As in BuildKit, an empty field is never produced, so {@code ""}
 * alone yields no word at all.
 */
final class WordSplitter {

    private final List<String> words = new ArrayList<>();
    private final StringBuilder word = new StringBuilder();
    private boolean inWord;

    /** A character that splits if it is whitespace. */
    void addChar(int cp) {
        if (!GoText.isSpace(cp)) {
            addRawChar(cp);
        } else if (inWord && word.length() > 0) {
            words.add(word.toString());
            word.setLength(0);
            inWord = false;
        }
    }

    /** A character kept as it is, whitespace included. */
    void addRawChar(int cp) {
        word.appendCodePoint(cp);
        inWord = true;
    }

    /** A variable's value: each of its characters may split. */
    void addString(String s) {
        s.codePoints().forEach(this::addChar);
    }

    /** A quoted string, kept whole. */
    void addRawString(String s) {
        word.append(s);
        inWord = true;
    }

    List<String> finish() {
        if (word.length() > 0) {
            words.add(word.toString());
            word.setLength(0);
            inWord = false;
        }
        return List.copyOf(words);
    }
}
