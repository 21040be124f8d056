package dev.jbuild.dockerfile.ast;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits ENV, LABEL and ARG text into words the way BuildKit's parser does: white space separates
 * words except inside quotes, and quotes and escape characters are kept in the word (they are
 * removed later, during expansion). A quoted empty string is still a word.
 */
final class Words {
    private Words() {
    }

    static List<String> split(String rest, char escape) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean blankOk = false;
        char quote = 0;
        int n = rest.length();
        for (int pos = 0; pos < n; pos++) {
            char ch = rest.charAt(pos);
            if (!inWord) {
                if (GoText.isSpace(ch)) {
                    continue;
                }
                inWord = true;
            }
            if (quote == 0) {
                if (GoText.isSpace(ch)) {
                    if (blankOk || word.length() > 0) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    blankOk = false;
                    inWord = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                }
                if (ch == escape) {
                    if (pos + 1 == n) {
                        continue; // an escape at the very end is dropped
                    }
                    word.append(ch);
                    ch = rest.charAt(++pos);
                }
                word.append(ch);
            } else {
                if (ch == quote) {
                    quote = 0;
                }
                // Inside single quotes the escape character is an ordinary character.
                if (ch == escape && quote != '\'') {
                    if (pos + 1 == n) {
                        quote = 0;
                        continue;
                    }
                    word.append(ch);
                    ch = rest.charAt(++pos);
                }
                word.append(ch);
            }
        }
        if (inWord && (blankOk || word.length() > 0)) {
            words.add(word.toString());
        }
        return words;
    }
}
