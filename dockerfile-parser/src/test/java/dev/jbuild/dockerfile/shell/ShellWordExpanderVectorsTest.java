package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs the BuildKit-derived vectors in {@code testdata/expansion}. */
class ShellWordExpanderVectorsTest {

    static List<Vector> wordVectors() {
        return Vector.load("vectors.tsv");
    }

    static List<Vector> wordsVectors() {
        return Vector.load("words.tsv");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wordVectors")
    void expand(Vector v) throws ExpansionException {
        ShellWordExpander expander = new ShellWordExpander(v.escape());
        if (v.expectsError()) {
            ExpansionException e = assertThrows(ExpansionException.class, () -> expander.expand(v.input(), v.lookup()));
            assertTrue(e.getMessage().contains(v.expectedError()),
                    () -> "message " + e.getMessage() + " lacks " + v.expectedError());
        } else {
            assertEquals(v.expected(), expander.expand(v.input(), v.lookup()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wordsVectors")
    void expandWords(Vector v) throws ExpansionException {
        ShellWordExpander expander = new ShellWordExpander(v.escape());
        if (v.expectsError()) {
            ExpansionException e = assertThrows(ExpansionException.class, () -> expander.expandWords(v.input(), v.lookup()));
            assertTrue(e.getMessage().contains(v.expectedError()),
                    () -> "message " + e.getMessage() + " lacks " + v.expectedError());
        } else {
            assertEquals(v.expectedWords(), expander.expandWords(v.input(), v.lookup()));
        }
    }

    @Test
    void enoughVectors() {
        int total = wordVectors().size() + wordsVectors().size();
        assertTrue(total >= 170, "only " + total + " vectors");
    }
}
