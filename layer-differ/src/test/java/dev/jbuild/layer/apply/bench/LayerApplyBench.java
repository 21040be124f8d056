package dev.jbuild.layer.apply.bench;

import dev.jbuild.layer.apply.ApplyMode;
import dev.jbuild.layer.apply.ApplyOptions;
import dev.jbuild.layer.apply.ApplyResult;
import dev.jbuild.layer.apply.LayerApplier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Applies one layer blob into a fresh directory and prints the wall time in seconds on the first
 * line ({@code seconds=…}), then what was applied. Run by {@code bench/layer-apply.sh}, not by the
 * test suite (timings are never asserted in tests). Arguments: blob, target, and optionally
 * {@code flat} or {@code overlay}.
 */
public final class LayerApplyBench {
    private LayerApplyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path blob = Path.of(args[0]);
        Path target = Path.of(args[1]);
        ApplyMode mode = args.length > 2 && args[2].equals("overlay") ? ApplyMode.OVERLAY : ApplyMode.FLAT;
        long t0 = System.nanoTime();
        ApplyResult r;
        try (InputStream in = Files.newInputStream(blob)) {
            r = LayerApplier.apply(in, target, mode, ApplyOptions.defaults());
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("seconds=%.3f%n", s);
        System.out.printf("%s %s: %d entries, %d files, %d dirs, %d bytes of tar, %s%n", mode, r.compression(),
                r.entries(), r.files(), r.directories(), r.tarSize(), r.diffId());
    }
}
