package dev.jbuild.builder.e2e;

import dev.jbuild.builder.BuildRequest;
import dev.jbuild.builder.Engine;
import dev.jbuild.dockerfile.Dockerfile;
import dev.jbuild.dockerfile.ignore.IgnoreFiles;
import dev.jbuild.dockerfile.plan.BuildPlan;
import dev.jbuild.dockerfile.plan.PlanOptions;
import dev.jbuild.dockerfile.plan.Planner;
import dev.jbuild.dockerfile.plan.Platform;
import dev.jbuild.layer.Compression;
import dev.jbuild.oci.store.LocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Builds a case the way {@code jbuild build} does (parse, plan, ignore file, {@link Engine}), with
 * no registry: every base image must be in the store. Checks the store's hygiene after each build,
 * whether it succeeded or not.
 */
final class CaseBuilder {
    private final LocalStore store;
    private final CaseServer server;

    CaseBuilder(LocalStore store, CaseServer server) {
        this.store = store;
        this.server = server;
    }

    /**
     * Builds {@code c} ({@link BuildCase#builds()} times) with {@code isolation}, and with
     * {@code writeEveryCopy} through {@link Engine#writingEveryCopy()}; the outcome of the last build.
     */
    Expectations.Outcome build(BuildCase c, String isolation, boolean writeEveryCopy, Path scratch) throws Exception {
        Path context = c.prepareContext(scratch.resolve("context"));
        Map<String, Path> secrets = new LinkedHashMap<>();
        for (Map.Entry<String, String> s : c.secrets().entrySet()) {
            Path f = scratch.resolve("secret-" + s.getKey());
            Files.writeString(f, s.getValue(), StandardCharsets.UTF_8);
            secrets.put(s.getKey(), f);
        }
        Map<String, String> args = new LinkedHashMap<>(c.buildArgs());
        if (c.usesHttp()) {
            args.put("HTTP_BASE", server.base(c.name()));
        }
        Expectations.Outcome last = null;
        for (int i = 0; i < c.builds(); i++) {
            last = buildOnce(c, isolation, writeEveryCopy, context, args, secrets, scratch.resolve("image-" + i));
        }
        return last;
    }

    private Expectations.Outcome buildOnce(BuildCase c, String isolation, boolean writeEveryCopy, Path context,
                                           Map<String, String> args, Map<String, Path> secrets, Path scratch)
            throws Exception {
        StepRecorder recorder = new StepRecorder();
        Throwable failure = null;
        Engine.Result result = null;
        try {
            Path dockerfile = context.resolve("Dockerfile");
            Dockerfile df = Dockerfile.read(dockerfile);
            BuildPlan plan = Planner.plan(df, new PlanOptions(c.target(), args, Platform.host(), Platform.host()));
            BuildRequest request = new BuildRequest(df, plan, context.toAbsolutePath(),
                    IgnoreFiles.load(context, dockerfile), args, BuildRequest.PullPolicy.NEVER, Compression.GZIP,
                    Map.of(), c.networkNone(), Optional.of(isolation), OptionalLong.empty(), OptionalDouble.empty(),
                    secrets, List.of(), c.sourceDateEpoch(), true, Set.of(), writeEveryCopy ? 1 : 2);
            Engine engine = new Engine(store, () -> {
                throw new IllegalStateException("the e2e cases use no registry");
            }, recorder);
            result = (writeEveryCopy ? engine.writingEveryCopy() : engine).build(request);
        } catch (Exception e) {
            failure = e;
        }
        // Whatever happened, nothing may be left mounted, running or half-written.
        StoreHygiene.assertClean(store.root());
        Files.createDirectories(scratch);
        return new Expectations.Outcome(result == null ? null : new ImageTree(store, result.manifest(), scratch),
                failure, recorder.output);
    }
}
