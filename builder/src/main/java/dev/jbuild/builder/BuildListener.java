package dev.jbuild.builder;

import java.time.Duration;

/**
 * What a build reports as it goes, for the progress display: each step as it starts and ends,
 * the output of RUN commands line by line, and notes (pulling a base image, writing an output).
 */
public interface BuildListener {

    /** One step: {@code [stage n/total] INSTRUCTION}; {@code stage} is empty in a one-stage build. */
    record Step(String stage, int number, int total, String text) {
        @Override
        public String toString() {
            return tag() + " " + text;
        }

        /** {@code [stage n/total]}, what names the step in every line it prints. */
        public String tag() {
            return "[" + (stage.isEmpty() ? "" : stage + " ") + number + "/" + total + "]";
        }
    }

    void stepStarted(Step step);

    /** A line a RUN command printed, on its standard output or error. */
    void output(Step step, String line);

    void stepFinished(Step step, Duration took);

    /** The step's result came from the build cache: nothing ran (it still finishes). */
    void stepCached(Step step);

    /**
     * The step failed, and the build's error says why; a display marks it and shows its output.
     * Not reported for a step stopped because another stage failed first (its thread was
     * interrupted), so that a display can tell the failure from the steps it cancelled.
     */
    default void stepFailed(Step step) {
    }

    void note(String text);

    /** Reports nothing. */
    BuildListener QUIET = new BuildListener() {
        @Override
        public void stepStarted(Step step) {
        }

        @Override
        public void output(Step step, String line) {
        }

        @Override
        public void stepFinished(Step step, Duration took) {
        }

        @Override
        public void stepCached(Step step) {
        }

        @Override
        public void note(String text) {
        }
    };
}
