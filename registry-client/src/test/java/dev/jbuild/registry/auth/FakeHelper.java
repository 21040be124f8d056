package dev.jbuild.registry.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A docker credential helper as a small shell script, keeping each server's JSON in a file named
 * by the hex of the server URL, so tests exercise the real process protocol without a keychain.
 */
final class FakeHelper {
    private static final String SCRIPT = """
            #!/bin/sh
            store='@STORE@'
            echo "$1" >> "$store/calls"
            input=$(cat)
            key() { printf %s "$1" | od -An -tx1 | tr -d ' \\n'; }
            case "$1" in
              get|erase)
                f="$store/$(key "$input")"
                if [ ! -f "$f" ]; then
                  echo "credentials not found in native keychain"
                  exit 1
                fi
                if [ "$1" = get ]; then cat "$f"; else rm -f "$f"; fi
                ;;
              store)
                url=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
                printf %s "$input" > "$store/$(key "$url")"
                ;;
              list)
                echo '{}'
                ;;
              *)
                echo "unknown action $1" >&2
                exit 2
                ;;
            esac
            """;

    final Path dir;
    final Path store;
    final Path executable;

    private FakeHelper(Path dir, Path store, Path executable) {
        this.dir = dir;
        this.store = store;
        this.executable = executable;
    }

    /** Writes {@code docker-credential-NAME} into {@code binDir}, with its store next to it. */
    static FakeHelper create(Path binDir, String name) throws IOException {
        Files.createDirectories(binDir);
        Path store = Files.createDirectories(binDir.resolveSibling("store-" + name));
        return new FakeHelper(binDir, store, script(binDir, name, SCRIPT.replace("@STORE@", store.toString())));
    }

    static Path script(Path binDir, String name, String body) throws IOException {
        Files.createDirectories(binDir);
        Path exe = binDir.resolve(CredentialHelper.PREFIX + name);
        Files.writeString(exe, body, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
        return exe;
    }

    CredentialHelper helper() {
        return new CredentialHelper(executable);
    }

    /** The actions the helper was run with, in order. */
    List<String> calls() throws IOException {
        Path calls = store.resolve("calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }
}
