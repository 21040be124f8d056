package dev.jbuild.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * A block of lines at the bottom of a terminal that is redrawn in place: each draw moves the
 * cursor back up to the block's first line, prints lines that are to stay (they scroll up out of
 * the block for good), then the new block, each over an erased line, and erases what is left of a
 * taller old block. The block's lines must fit the screen's width, or the count of lines to go back
 * up would be wrong; lines that stay may be any length.
 */
final class AnsiFrame {
    private final PrintWriter out;
    private int height;

    AnsiFrame(PrintWriter out) {
        this.out = out;
    }

    /** Replaces the block by {@code stay} (printed once, for good) followed by the new {@code block}. */
    void draw(List<String> stay, List<String> block) {
        StringBuilder b = new StringBuilder();
        b.append(Ansi.up(height));
        for (String line : stay) {
            b.append(Ansi.ERASE_LINE).append(line).append('\n');
        }
        for (String line : block) {
            b.append(Ansi.ERASE_LINE).append(line).append('\n');
        }
        if (stay.size() + block.size() < height) {
            b.append(Ansi.ERASE_BELOW);
        }
        height = block.size();
        out.print(b);
        out.flush();
    }

    /** Removes the block from the screen. */
    void clear() {
        draw(List.of(), List.of());
    }

    /** Leaves the block on the screen as it is: later output goes below it and never erases it. */
    void keep() {
        height = 0;
    }

    /** The number of lines of the block on the screen. */
    int height() {
        return height;
    }
}
