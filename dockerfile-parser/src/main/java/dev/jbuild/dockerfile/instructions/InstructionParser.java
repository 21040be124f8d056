package dev.jbuild.dockerfile.instructions;

import dev.jbuild.dockerfile.DockerfileException;
import dev.jbuild.dockerfile.ast.GoText;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.HeredocWords;
import dev.jbuild.dockerfile.ast.Node;
import dev.jbuild.dockerfile.instructions.Flags.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns syntax nodes into typed {@link Instruction}s, checking what BuildKit checks: argument
 * counts, the flags each instruction accepts and their values, stage names, HEALTHCHECK options,
 * ONBUILD triggers. Errors name the file and line and say how to fix the instruction.
 */
public final class InstructionParser {
    public static final List<String> KEYWORDS = List.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV",
            "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL",
            "USER", "VOLUME", "WORKDIR");
    private static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");
    private static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^\\s*ONBUILD\\s*");

    private final String fileName;

    public InstructionParser(String fileName) {
        this.fileName = fileName;
    }

    public Instruction parse(Node node) throws DockerfileException {
        try {
            return parseOrThrow(node);
        } catch (InstructionException e) {
            throw new DockerfileException(fileName, node.startLine(), e.getMessage());
        }
    }

    private Instruction parseOrThrow(Node n) throws InstructionException, DockerfileException {
        String kw = n.keyword().toUpperCase(Locale.ROOT);
        int line = n.startLine();
        String src = GoText.trimSpace(n.original());
        List<String> a = n.args();
        return switch (kw) {
            case "FROM" -> from(n, line, src);
            case "RUN" -> run(n, line, src);
            case "CMD" -> {
                noFlags(n, kw);
                yield new Instruction.Cmd(line, src, commandLine(n, kw));
            }
            case "ENTRYPOINT" -> {
                noFlags(n, kw);
                yield new Instruction.Entrypoint(line, src, commandLine(n, kw));
            }
            case "LABEL" -> new Instruction.Label(line, src, keyValues(n, kw));
            case "ENV" -> new Instruction.Env(line, src, keyValues(n, kw));
            case "MAINTAINER" -> new Instruction.Maintainer(line, src, exactlyOne(n, kw));
            case "EXPOSE" -> {
                noFlags(n, kw);
                yield new Instruction.Expose(line, src, atLeastOne(a, kw));
            }
            case "COPY", "ADD" -> copy(n, line, src, kw.equals("ADD"));
            case "VOLUME" -> volume(n, line, src);
            case "USER" -> new Instruction.User(line, src, exactlyOne(n, kw));
            case "WORKDIR" -> new Instruction.Workdir(line, src, exactlyOne(n, kw));
            case "STOPSIGNAL" -> new Instruction.StopSignal(line, src, exactlyOne(n, kw));
            case "ARG" -> arg(n, line, src);
            case "ONBUILD" -> onbuild(n, line, src);
            case "HEALTHCHECK" -> healthcheck(n, line, src);
            case "SHELL" -> shell(n, line, src);
            default -> throw new InstructionException(unknownInstruction(n.keyword()));
        };
    }

    private static String unknownInstruction(String keyword) {
        String msg = "unknown instruction \"" + keyword.toUpperCase(Locale.ROOT) + "\"";
        return Suggest.closest(keyword, KEYWORDS).map(s -> msg + " (did you mean " + s + "?)").orElse(msg);
    }

    private Instruction from(Node n, int line, String src) throws InstructionException {
        Flags f = new Flags("FROM").accept("platform", Kind.STRING).parse(n.flags());
        List<String> a = n.args();
        Optional<String> name = Optional.empty();
        if (a.size() == 3 && a.get(1).equalsIgnoreCase("as")) {
            String lower = a.get(2).toLowerCase(Locale.ROOT);
            if (!STAGE_NAME.matcher(lower).matches()) {
                throw new InstructionException("invalid name for build stage: \"" + a.get(2)
                        + "\", name can't start with a number or contain symbols");
            }
            name = Optional.of(lower);
        } else if (a.size() != 1) {
            throw new InstructionException("FROM requires either one or three arguments (FROM image [AS name])");
        }
        return new Instruction.From(line, src, a.get(0), name, f.string("platform"));
    }

    private Instruction run(Node n, int line, String src) throws InstructionException {
        Flags f = new Flags("RUN").accept("mount", Kind.REPEATED).accept("network", Kind.STRING)
                .accept("security", Kind.STRING).parse(n.flags());
        List<String> mounts = f.repeated("mount");
        for (String m : mounts) {
            try {
                RunMount.checkFrom(m);
                if (!RunMount.usesVariables(m)) {
                    RunMount.parse(m, v -> v); // checked now, so the error names this line before any build
                }
            } catch (InstructionException e) {
                throw new InstructionException("--mount=" + m + ": " + e.getMessage());
            }
        }
        Optional<String> network = f.string("network");
        if (network.isPresent() && !List.of("default", "none", "host").contains(network.get())) {
            throw new InstructionException("unsupported network mode \"" + network.get()
                    + "\" (use default, none or host)");
        }
        Optional<String> security = f.string("security");
        if (security.isPresent() && !List.of("sandbox", "insecure").contains(security.get())) {
            throw new InstructionException("unsupported security mode \"" + security.get()
                    + "\" (use sandbox or insecure)");
        }
        return new Instruction.Run(line, src, commandLine(n, "RUN"), n.heredocs(), mounts, network, security);
    }

    private static Instruction.CommandLine commandLine(Node n, String kw) throws InstructionException {
        if (!n.json() && n.args().isEmpty()) {
            throw new InstructionException(kw + " requires at least one argument");
        }
        return new Instruction.CommandLine(n.args(), !n.json());
    }

    private static List<Instruction.KeyValue> keyValues(Node n, String kw) throws InstructionException {
        noFlags(n, kw);
        List<String> a = n.args();
        if (a.isEmpty()) {
            throw new InstructionException(kw + " requires at least one argument");
        }
        List<Instruction.KeyValue> out = new ArrayList<>();
        for (int i = 0; i + 2 < a.size(); i += 3) {
            if (a.get(i).isEmpty()) {
                throw new InstructionException(kw + " names can not be blank");
            }
            out.add(new Instruction.KeyValue(a.get(i), a.get(i + 1), a.get(i + 2).isEmpty()));
        }
        return out;
    }

    private Instruction copy(Node n, int line, String src, boolean add) throws InstructionException {
        String kw = add ? "ADD" : "COPY";
        Flags f = new Flags(kw).accept("chown", Kind.STRING).accept("chmod", Kind.STRING)
                .accept("link", Kind.BOOL).accept("exclude", Kind.REPEATED);
        if (add) {
            f.accept("keep-git-dir", Kind.BOOL).accept("checksum", Kind.STRING).accept("unpack", Kind.BOOL);
        } else {
            f.accept("from", Kind.STRING).accept("parents", Kind.BOOL);
        }
        f.parse(n.flags());
        List<String> a = n.args();
        if (a.size() < 2) {
            throw new InstructionException(kw + " requires at least two arguments, but only " + a.size()
                    + " was provided. Destination could not be determined.");
        }
        String dest = a.get(a.size() - 1);
        if (asHeredoc(dest) != null) {
            throw new InstructionException(kw + " cannot accept a heredoc as a destination");
        }
        List<String> sources = new ArrayList<>();
        List<Instruction.InlineFile> inline = new ArrayList<>();
        for (String s : a.subList(0, a.size() - 1)) {
            Heredoc declared = asHeredoc(s);
            if (declared == null) {
                sources.add(s);
                continue;
            }
            Heredoc body = n.heredocs().stream().filter(h -> h.name().equals(declared.name())).findFirst()
                    .orElse(declared);
            inline.add(new Instruction.InlineFile(declared.name(), body.effectiveContent(), declared.expand()));
        }
        return new Instruction.Copy(line, GoText.trimSpace(n.original()), add, sources, inline, dest, f.string("from"),
                f.string("chown"), f.string("chmod"), f.bool("link"), f.bool("parents"), f.repeated("exclude"),
                f.string("checksum"), f.bool("keep-git-dir"), f.optionalBool("unpack"));
    }

    private static Heredoc asHeredoc(String word) {
        return HeredocWords.parseWord(word).orElse(null);
    }

    private Instruction volume(Node n, int line, String src) throws InstructionException {
        noFlags(n, "VOLUME");
        List<String> paths = new ArrayList<>();
        for (String v : atLeastOne(n.args(), "VOLUME")) {
            String path = GoText.trimSpace(v);
            if (path.isEmpty()) {
                throw new InstructionException("VOLUME specified can not be an empty string");
            }
            paths.add(path);
        }
        return new Instruction.Volume(line, src, paths);
    }

    private Instruction arg(Node n, int line, String src) throws InstructionException {
        noFlags(n, "ARG");
        List<Instruction.ArgDefinition> defs = new ArrayList<>();
        for (String word : atLeastOne(n.args(), "ARG")) {
            int eq = word.indexOf('=');
            if (eq == 0) {
                throw new InstructionException("ARG names can not be blank");
            }
            defs.add(eq < 0 ? new Instruction.ArgDefinition(word, Optional.empty())
                    : new Instruction.ArgDefinition(word.substring(0, eq), Optional.of(word.substring(eq + 1))));
        }
        return new Instruction.Arg(line, src, defs);
    }

    private Instruction onbuild(Node n, int line, String src) throws InstructionException, DockerfileException {
        noFlags(n, "ONBUILD");
        Node trigger = n.child().orElseThrow(() -> new InstructionException("ONBUILD requires at least one argument"));
        String kw = trigger.keyword().toUpperCase(Locale.ROOT);
        switch (kw) {
            case "ONBUILD" -> throw new InstructionException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "FROM", "MAINTAINER" -> throw new InstructionException(kw + " isn't allowed as an ONBUILD trigger");
            default -> {
            }
        }
        Node withDocs = new Node(trigger.keyword(), trigger.flags(), trigger.args(), trigger.json(), trigger.child(),
                n.heredocs(), trigger.original(), line, n.endLine(), List.of());
        StringBuilder expression = new StringBuilder(ONBUILD_PREFIX.matcher(n.original()).replaceFirst(""));
        for (Heredoc h : n.heredocs()) {
            expression.append('\n').append(h.content()).append(h.name());
        }
        return new Instruction.Onbuild(line, src, expression.toString(), parse(withDocs));
    }

    private Instruction healthcheck(Node n, int line, String src) throws InstructionException {
        List<String> a = atLeastOne(n.args(), "HEALTHCHECK");
        String type = a.get(0).toUpperCase(Locale.ROOT);
        List<String> rest = a.subList(1, a.size());
        if (type.equals("NONE")) {
            if (!rest.isEmpty()) {
                throw new InstructionException("HEALTHCHECK NONE takes no arguments");
            }
            noFlags(n, "HEALTHCHECK NONE");
            return new Instruction.Healthcheck(line, src, List.of("NONE"), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty());
        }
        Flags f = new Flags("HEALTHCHECK").accept("interval", Kind.STRING).accept("timeout", Kind.STRING)
                .accept("start-period", Kind.STRING).accept("start-interval", Kind.STRING)
                .accept("retries", Kind.STRING).parse(n.flags());
        if (!type.equals("CMD")) {
            throw new InstructionException("Unknown type \"" + a.get(0) + "\" in HEALTHCHECK (try CMD)");
        }
        if (rest.isEmpty()) {
            throw new InstructionException("Missing command after HEALTHCHECK CMD");
        }
        List<String> test = new ArrayList<>();
        test.add(n.json() ? "CMD" : "CMD-SHELL");
        test.addAll(rest);
        Optional<Integer> retries = Optional.empty();
        if (f.string("retries").isPresent()) {
            try {
                int r = Integer.parseInt(f.string("retries").get());
                if (r < 0) {
                    throw new InstructionException("--retries cannot be negative (" + r + ")");
                }
                retries = Optional.of(r);
            } catch (NumberFormatException e) {
                throw new InstructionException("invalid --retries value \"" + f.string("retries").get() + "\"");
            }
        }
        return new Instruction.Healthcheck(line, src, test, interval(f, "interval"), interval(f, "timeout"),
                interval(f, "start-period"), interval(f, "start-interval"), retries);
    }

    private static Optional<Duration> interval(Flags f, String name) throws InstructionException {
        Optional<String> v = f.string(name);
        if (v.isEmpty() || v.get().isEmpty()) {
            return Optional.empty();
        }
        Duration d = GoDuration.parse(v.get());
        if (d.isZero()) {
            return Optional.empty();
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new InstructionException("Interval \"" + name + "\" cannot be less than 1ms");
        }
        return Optional.of(d);
    }

    private Instruction shell(Node n, int line, String src) throws InstructionException {
        noFlags(n, "SHELL");
        if (n.args().isEmpty()) {
            throw new InstructionException("SHELL requires at least one argument");
        }
        if (!n.json()) {
            throw new InstructionException("SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]");
        }
        return new Instruction.Shell(line, src, n.args());
    }

    private static String exactlyOne(Node n, String kw) throws InstructionException {
        noFlags(n, kw);
        if (n.args().size() != 1) {
            throw new InstructionException(kw + " requires exactly one argument");
        }
        return n.args().get(0);
    }

    private static List<String> atLeastOne(List<String> a, String kw) throws InstructionException {
        if (a.isEmpty()) {
            throw new InstructionException(kw + " requires at least one argument");
        }
        return a;
    }

    private static void noFlags(Node n, String kw) throws InstructionException {
        new Flags(kw).parse(n.flags());
    }
}
