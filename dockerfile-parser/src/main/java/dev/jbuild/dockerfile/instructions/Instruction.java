package dev.jbuild.dockerfile.instructions;

import dev.jbuild.dockerfile.ast.Heredoc;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A typed, validated Dockerfile instruction. Values are as written (not yet expanded) until a
 * {@link StageScope} expands the instructions the Dockerfile reference says are expanded.
 */
public sealed interface Instruction {

    /** The 1-based line the instruction starts on. */
    int line();

    /** The instruction as written, continuations joined; used in logs and history. */
    String source();

    /** A key and a value of ENV or LABEL; {@code legacy} for the {@code KEY value} form. */
    record KeyValue(String key, String value, boolean legacy) {
    }

    /** One name of an ARG, with its default if it has one. */
    record ArgDefinition(String name, Optional<String> defaultValue) {
    }

    /**
     * The command of RUN, CMD or ENTRYPOINT: exec-form arguments, or one shell-form string to be run
     * by the stage's SHELL ({@code prependShell}).
     */
    record CommandLine(List<String> args, boolean prependShell) {
        public CommandLine {
            args = List.copyOf(args);
        }
    }

    /** A file COPY or ADD creates from a heredoc. */
    record InlineFile(String name, String content, boolean expand) {
    }

    record From(int line, String source, String baseName, Optional<String> stageName,
                Optional<String> platform) implements Instruction {
    }

    /**
     * RUN. {@code mountSpecs} are the raw {@code --mount} values; parse them with
     * {@link dev.jbuild.dockerfile.plan.StageScope#mounts} once variables are known.
     */
    record Run(int line, String source, CommandLine command, List<Heredoc> heredocs, List<String> mountSpecs,
               Optional<String> network, Optional<String> security) implements Instruction {
        public Run {
            heredocs = List.copyOf(heredocs);
            mountSpecs = List.copyOf(mountSpecs);
        }
    }

    record Cmd(int line, String source, CommandLine command) implements Instruction {
    }

    record Entrypoint(int line, String source, CommandLine command) implements Instruction {
    }

    record Label(int line, String source, List<KeyValue> labels) implements Instruction {
        public Label {
            labels = List.copyOf(labels);
        }
    }

    record Maintainer(int line, String source, String maintainer) implements Instruction {
    }

    record Expose(int line, String source, List<String> ports) implements Instruction {
        public Expose {
            ports = List.copyOf(ports);
        }
    }

    record Env(int line, String source, List<KeyValue> variables) implements Instruction {
        public Env {
            variables = List.copyOf(variables);
        }
    }

    /** COPY, or ADD when {@code add} is set; the ADD-only options are empty or false for COPY. */
    record Copy(int line, String source, boolean add, List<String> sources, List<InlineFile> inlineFiles,
                String destination, Optional<String> from, Optional<String> chown, Optional<String> chmod,
                boolean link, boolean parents, List<String> excludes, Optional<String> checksum,
                boolean keepGitDir, Optional<Boolean> unpack) implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            inlineFiles = List.copyOf(inlineFiles);
            excludes = List.copyOf(excludes);
        }
    }

    record Volume(int line, String source, List<String> paths) implements Instruction {
        public Volume {
            paths = List.copyOf(paths);
        }
    }

    record User(int line, String source, String user) implements Instruction {
    }

    record Workdir(int line, String source, String path) implements Instruction {
    }

    record Arg(int line, String source, List<ArgDefinition> args) implements Instruction {
        public Arg {
            args = List.copyOf(args);
        }
    }

    /** ONBUILD: the trigger is kept as text for the image config and parsed for validation. */
    record Onbuild(int line, String source, String expression, Instruction trigger) implements Instruction {
    }

    record StopSignal(int line, String source, String signal) implements Instruction {
    }

    /** HEALTHCHECK; {@code test} is {@code ["NONE"]}, {@code ["CMD", …]} or {@code ["CMD-SHELL", cmd]}. */
    record Healthcheck(int line, String source, List<String> test, Optional<Duration> interval,
                       Optional<Duration> timeout, Optional<Duration> startPeriod,
                       Optional<Duration> startInterval, Optional<Integer> retries) implements Instruction {
        public Healthcheck {
            test = List.copyOf(test);
        }
    }

    record Shell(int line, String source, List<String> shell) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }
    }
}
