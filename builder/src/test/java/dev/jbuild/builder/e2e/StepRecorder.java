package dev.jbuild.builder.e2e;

import dev.jbuild.builder.BuildListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** A listener that keeps what the tests look at: RUN output lines, notes, and which steps ran or were cached. */
final class StepRecorder implements BuildListener {
    final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final Set<Integer> started = Collections.synchronizedSet(new TreeSet<>());
    private final Set<Integer> cached = Collections.synchronizedSet(new TreeSet<>());
    /** The steps that ended (ran to the end or came from the cache), as {@code [stage n/total]}. */
    final Set<String> finished = Collections.synchronizedSet(new TreeSet<>());
    /** The steps reported as failed, as {@code [stage n/total]}. */
    final Set<String> failed = Collections.synchronizedSet(new TreeSet<>());
    /** The build's notes ({@code # ...} lines), in order. */
    final List<String> notes = Collections.synchronizedList(new ArrayList<>());

    /** The numbers of the steps that ran rather than coming from the cache. */
    Set<Integer> ran() {
        Set<Integer> ran = new TreeSet<>(started);
        ran.removeAll(cached);
        return ran;
    }

    @Override
    public void stepStarted(Step step) {
        started.add(step.number());
    }

    @Override
    public void output(Step step, String line) {
        output.add(line);
    }

    @Override
    public void stepFinished(Step step, Duration took) {
        finished.add(step.tag());
    }

    @Override
    public void stepFailed(Step step) {
        failed.add(step.tag());
    }

    @Override
    public void stepCached(Step step) {
        cached.add(step.number());
    }

    @Override
    public void note(String text) {
        notes.add(text);
    }
}
