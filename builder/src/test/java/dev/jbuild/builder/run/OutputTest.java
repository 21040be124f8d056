package dev.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines out of a process's pipes, and the tail kept for error messages. */
class OutputTest {
    private static List<String> pump(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectInput(Containers.NO_INPUT).start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        OutputPumps pumps = OutputPumps.start(p, (line, stream) -> lines.add(stream + ":" + line), "test");
        p.waitFor();
        pumps.drain();
        return lines;
    }

    @Test
    void splitsLinesStripsCarriageReturnsAndKeepsTheLastPartialLine() throws Exception {
        assertEquals(List.of("STDOUT:one", "STDOUT:two", "STDOUT:\uFFFD", "STDOUT:", "STDOUT:last"),
                pump("printf 'one\\r\\ntwo\\n\\377\\n\\nlast'"));
    }

    @Test
    void tagsStderr() throws Exception {
        assertEquals(List.of("STDERR:err"), pump("echo err >&2"));
    }

    @Test
    void cutsOverlongLines() throws Exception {
        List<String> lines = pump("head -c 70000 /dev/zero | tr '\\0' x");
        assertEquals(2, lines.size());
        assertEquals("STDOUT:".length() + OutputPumps.MAX_LINE, lines.get(0).length());
        assertEquals("STDOUT:".length() + 70000 - OutputPumps.MAX_LINE, lines.get(1).length());
    }

    @Test
    void tailBufferKeepsTheLastLines() {
        TailBuffer tail = new TailBuffer(3);
        for (String line : List.of("a", "b", "c", "d")) {
            tail.line(line, OutputSink.Stream.STDOUT);
        }
        tail.add("e");
        assertEquals(List.of("c", "d", "e"), tail.lines());
        assertThrows(IllegalArgumentException.class, () -> new TailBuffer(0));
    }
}
