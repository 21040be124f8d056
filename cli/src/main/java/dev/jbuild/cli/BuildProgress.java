package dev.jbuild.cli;

import dev.jbuild.builder.BuildListener;
import java.io.PrintWriter;

/**
 * Where a build's progress goes, chosen by {@code --progress}: a live display on a terminal
 * ({@link TtyBuildLog}), plain lines ({@link BuildLog}) or nothing. Closing it when the build has
 * ended, well or not, leaves the display's last state on the screen and the output of any failed
 * step below it; what is reported after that (the image's digest) prints as a plain line.
 */
interface BuildProgress extends BuildListener, AutoCloseable {

    @Override
    void close();

    static BuildProgress open(ProgressMode mode, PrintWriter err, Terminal terminal) {
        return switch (mode) {
            case TTY -> new TtyBuildLog(err, terminal);
            case PLAIN -> new BuildLog(err, false);
            case QUIET -> new BuildLog(err, true);
        };
    }
}
