package dev.jbuild.builder.run;

/**
 * Where a container's output goes, one line at a time as the process writes it (the progress
 * display shows it live). stdout and stderr are delivered interleaved as they arrive, each line
 * tagged with its stream; within one stream the order is kept. Calls are never concurrent, but
 * they come from threads other than the caller of {@link Executor#run}.
 */
@FunctionalInterface
public interface OutputSink {
    /** The stream a line came from. */
    enum Stream { STDOUT, STDERR }

    /** One line, without its line terminator, decoded as UTF-8 (invalid bytes replaced). */
    void line(String line, Stream stream);
}
