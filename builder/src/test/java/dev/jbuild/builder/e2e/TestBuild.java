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
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.store.LocalStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One build of a context directory's Dockerfile the way {@code jbuild build} runs it, with runc,
 * no registry and a fixed SOURCE_DATE_EPOCH, for the tests of the cache and of parallel stages;
 * checks the store's hygiene after it.
 */
record TestBuild(Descriptor manifest, StepRecorder steps) {
    Digest image() {
        return manifest.digest();
    }

    static TestBuild run(LocalStore store, Path dir, Map<String, String> args, boolean noCache, int jobs,
                         List<ImageReference> tags) throws Exception {
        return run(store, dir, args, noCache, jobs, tags, new StepRecorder());
    }

    /** A build reporting to {@code recorder}, which keeps what it saw also when the build fails. */
    static TestBuild run(LocalStore store, Path dir, Map<String, String> args, boolean noCache, int jobs,
                         List<ImageReference> tags, StepRecorder recorder) throws Exception {
        Path dockerfile = dir.resolve("Dockerfile");
        Dockerfile df = Dockerfile.read(dockerfile);
        BuildPlan plan = Planner.plan(df, new PlanOptions(Optional.empty(), args, Platform.host(), Platform.host()));
        BuildRequest request = new BuildRequest(df, plan, dir.toAbsolutePath(), IgnoreFiles.load(dir, dockerfile), args,
                BuildRequest.PullPolicy.NEVER, Compression.GZIP, Map.of(), false, Optional.of("runc"),
                OptionalLong.empty(), OptionalDouble.empty(), Map.of(), tags,
                Optional.of(Instant.ofEpochSecond(1710000000)), noCache, Set.of(), jobs);
        Engine.Result r = new Engine(store, () -> {
            throw new IllegalStateException("no registry here");
        }, recorder).build(request);
        StoreHygiene.assertClean(store.root());
        return new TestBuild(r.manifest(), recorder);
    }
}
