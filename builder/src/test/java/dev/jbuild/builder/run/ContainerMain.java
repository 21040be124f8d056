package dev.jbuild.builder.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A separate JVM for {@link ContainerLifecycleTest}: runs {@code echo started; sleep 100} with the
 * named executor, printing the container id and the output, until the test kills the JVM.
 * Arguments: executor, rootfs, state root, work dir.
 */
public final class ContainerMain {
    private ContainerMain() {
    }

    public static void main(String[] args) throws Exception {
        Executor executor = Executors.choose(java.util.Optional.of(args[0]), Path.of(args[2]));
        String id = Containers.newId();
        System.out.println("id " + id);
        System.out.flush();
        ExecSpec spec = new ExecSpec(Path.of(args[1]), List.of("/bin/sh", "-c", "echo started; sleep 100"),
                Map.of("PATH", "/bin"), "/", 0, 0, List.of(), false, "main", List.of(), Limits.defaults(),
                Path.of(args[3]), id);
        executor.run(spec, (line, stream) -> {
            System.out.println(line);
            System.out.flush();
        });
    }
}
