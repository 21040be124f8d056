package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The redraw in place: exactly which escape sequences go out as the block grows and shrinks. */
class AnsiFrameTest {
    static final String E = "\033[2K";

    private final StringWriter out = new StringWriter();
    private final AnsiFrame frame = new AnsiFrame(new PrintWriter(out));

    private String take() {
        String s = out.toString();
        out.getBuffer().setLength(0);
        return s;
    }

    @Test
    void theFirstDrawMovesNothing() {
        frame.draw(List.of(), List.of("a", "b"));
        assertEquals(E + "a\n" + E + "b\n", take());
        assertEquals(2, frame.height());
    }

    @Test
    void aGrowingBlockGoesBackUpByTheOldHeight() {
        frame.draw(List.of(), List.of("a", "b"));
        take();
        frame.draw(List.of(), List.of("a", "b", "c"));
        assertEquals("\033[2A" + E + "a\n" + E + "b\n" + E + "c\n", take());
        assertEquals(3, frame.height());
    }

    @Test
    void aShrinkingBlockErasesWhatIsLeftBelow() {
        frame.draw(List.of(), List.of("a", "b", "c"));
        take();
        frame.draw(List.of(), List.of("a"));
        assertEquals("\033[3A" + E + "a\n" + "\033[J", take());
        frame.draw(List.of(), List.of("x"));
        assertEquals("\033[1A" + E + "x\n", take());
    }

    @Test
    void linesThatStayArePrintedAboveAndNotCountedInTheBlock() {
        frame.draw(List.of(), List.of("run 1.0s", "  out"));
        take();
        frame.draw(List.of("# note", "done 1.2s"), List.of("next 0.1s"));
        assertEquals("\033[2A" + E + "# note\n" + E + "done 1.2s\n" + E + "next 0.1s\n", take());
        assertEquals(1, frame.height());
        frame.draw(List.of(), List.of("next 0.2s"));
        assertEquals("\033[1A" + E + "next 0.2s\n", take());
    }

    @Test
    void aKeptBlockIsNeverRedrawnAndClearErasesIt() {
        frame.draw(List.of(), List.of("a", "b"));
        frame.keep();
        take();
        frame.draw(List.of(), List.of("c"));
        assertEquals(E + "c\n", take());
        frame.clear();
        assertEquals("\033[1A\033[J", take());
        assertEquals(0, frame.height());
    }
}
