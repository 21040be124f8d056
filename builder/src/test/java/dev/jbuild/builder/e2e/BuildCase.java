package dev.jbuild.builder.e2e;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One directory of {@code testdata/build/}: its Dockerfile and context, the options of
 * {@code build.properties} and the {@code expect} file (the format is in
 * {@code testdata/build/README.md}). The files the harness reads are not part of the context.
 */
record BuildCase(String name, Path dir, Properties props, Expectations expect) {
    /** SOURCE_DATE_EPOCH of every case that does not set its own: fixed times, so executors can be compared. */
    static final Instant DEFAULT_EPOCH = Instant.ofEpochSecond(1710000000);

    /** Files of a case directory that are for the harness, not for the build context. */
    private static final Set<String> HARNESS_FILES = Set.of("build.properties", "expect", "prepare.sh", "http");

    static List<BuildCase> all(Path casesDir) throws IOException {
        List<BuildCase> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(casesDir)) {
            for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
                out.add(load(dir));
            }
        }
        return out;
    }

    static BuildCase load(Path dir) throws IOException {
        Properties p = new Properties();
        Path props = dir.resolve("build.properties");
        if (Files.exists(props)) {
            try (Reader r = Files.newBufferedReader(props, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        Path expect = dir.resolve("expect");
        if (!Files.exists(expect)) {
            throw new IOException(dir + ": a case needs an expect file");
        }
        String name = dir.getFileName().toString();
        return new BuildCase(name, dir, p, Expectations.parse(name, Files.readAllLines(expect, StandardCharsets.UTF_8)));
    }

    /** The {@code build-arg.NAME=VALUE} lines, sorted by name (Properties keeps no order). */
    Map<String, String> buildArgs() {
        Map<String, String> out = new LinkedHashMap<>();
        props.stringPropertyNames().stream().sorted().filter(k -> k.startsWith("build-arg."))
                .forEach(k -> out.put(k.substring("build-arg.".length()), props.getProperty(k)));
        return out;
    }

    /** {@code secret.ID=CONTENT}: the secrets, whose content is written to files outside the context. */
    Map<String, String> secrets() {
        Map<String, String> out = new LinkedHashMap<>();
        props.stringPropertyNames().stream().sorted().filter(k -> k.startsWith("secret."))
                .forEach(k -> out.put(k.substring("secret.".length()), props.getProperty(k)));
        return out;
    }

    Optional<String> target() {
        return Optional.ofNullable(props.getProperty("target"));
    }

    boolean networkNone() {
        return "none".equals(props.getProperty("network"));
    }

    /** As the CLI: a SOURCE_DATE_EPOCH build arg wins; else {@code source-date-epoch}; else the default. */
    Optional<Instant> sourceDateEpoch() {
        String v = buildArgs().getOrDefault("SOURCE_DATE_EPOCH", props.getProperty("source-date-epoch"));
        if (v == null) {
            return Optional.of(DEFAULT_EPOCH);
        }
        return v.equals("none") ? Optional.empty() : Optional.of(Instant.ofEpochSecond(Long.parseLong(v.trim())));
    }

    /** How many times to build it in a row (a cache mount must persist); the checks see the last build. */
    int builds() {
        return Integer.parseInt(props.getProperty("builds", "1"));
    }

    /** Whether two builds in a row must give the same manifest digest. */
    boolean rebuildIdentical() {
        return "identical".equals(props.getProperty("rebuild"));
    }

    /** Why this case cannot give the same digest under another executor, if it cannot. */
    Optional<String> equivalenceSkip() {
        return Optional.ofNullable(props.getProperty("equivalence-skip"));
    }

    boolean usesHttp() {
        return Files.isDirectory(dir.resolve("http"));
    }

    /**
     * Copies the case directory, less the harness files, to {@code target}, then runs its
     * {@code prepare.sh} there: it makes what git cannot store (owners, hardlinks, setuid bits,
     * fixed mtimes, archives).
     */
    Path prepareContext(Path target) throws IOException, InterruptedException {
        copyTree(dir, target, true);
        Path prepare = dir.resolve("prepare.sh");
        if (Files.exists(prepare)) {
            Process p = new ProcessBuilder("bash", "-eu", prepare.toString()).directory(target.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException(name + "/prepare.sh failed: " + out);
            }
        }
        return target;
    }

    private static void copyTree(Path from, Path to, boolean caseDir) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (caseDir && HARNESS_FILES.contains(n)) {
                    continue;
                }
                Path dest = to.resolve(n);
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    copyTree(p, dest, false);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
