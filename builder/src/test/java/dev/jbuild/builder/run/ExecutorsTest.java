package dev.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.builder.BuildException;
import dev.jbuild.testkit.Required;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Choosing the executor by name or by what is installed. */
class ExecutorsTest {
    private static final Path STATE = Path.of("/nonexistent/state");

    @Test
    void unknownNameListsWhatIsAvailable() {
        BuildException e = assertThrows(BuildException.class, () -> Executors.choose(Optional.of("docker"), STATE));
        assertTrue(e.getMessage().contains("\"docker\""), e.getMessage());
        assertTrue(e.getMessage().contains(Executors.available().isEmpty() ? "no executor"
                : "available here: " + String.join(", ", Executors.available())), e.getMessage());
    }

    @Test
    void missingRuntimeIsNamed() {
        String missing = Executors.which("crun").isEmpty() ? "crun" : Executors.which("runc").isEmpty() ? "runc" : null;
        if (missing == null) {
            Required.skipOrFail("both runc and crun are installed");
        }
        BuildException e = assertThrows(BuildException.class, () -> Executors.choose(Optional.of(missing), STATE));
        assertTrue(e.getMessage().contains(missing + " is not installed"), e.getMessage());
    }

    @Test
    void namedAndDefaultExecutors() throws Exception {
        Required.tools("runc", "unshare", "setpriv", "nsenter");
        assertEquals("runc", Executors.choose(Optional.empty(), STATE).name());
        assertEquals("runc", Executors.choose(Optional.of("runc"), STATE).name());
        assertEquals("unshare", Executors.choose(Optional.of("unshare"), STATE).name());
    }
}
