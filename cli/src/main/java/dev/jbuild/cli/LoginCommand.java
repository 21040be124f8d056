package dev.jbuild.cli;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.registry.CredentialSource;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.registry.auth.Credentials;
import dev.jbuild.registry.auth.DockerConfig;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbuild login REGISTRY}: checks credentials against the registry, then saves them in
 * docker's config.json (through its credential helper when one is configured), exactly where
 * {@code docker login} would.
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Log in to a registry: the credentials are checked, then saved where docker keeps them",
                "($DOCKER_CONFIG/config.json or ~/.docker/config.json, or its credential helper)."},
        footer = {"", "Examples:", "  echo \"$TOKEN\" | jbuild login -u me --password-stdin ghcr.io",
                "  jbuild login localhost:5000"})
final class LoginCommand implements Callable<Integer> {
    @Mixin
    RegistryMixin registry;

    @Parameters(index = "0", arity = "0..1", paramLabel = "REGISTRY", description = "The registry (default: docker.io).")
    String server;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The user name.")
    String username;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
            description = "The password (insecure: it shows in the process list; prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password or token from standard input.")
    boolean passwordStdin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String host = registryName(server);
        if (password != null && passwordStdin) {
            throw new UserError("--password and --password-stdin exclude each other");
        }
        Console console = System.console();
        if (username == null) {
            if (passwordStdin || console == null) {
                throw new UserError("give a user name with -u (no terminal to ask on)");
            }
            username = console.readLine("Username: ");
        }
        if (passwordStdin) {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        } else if (password == null) {
            if (console == null) {
                throw new UserError("give the password with --password-stdin (no terminal to ask on)");
            }
            char[] typed = console.readPassword("Password: ");
            password = typed == null ? "" : new String(typed);
        } else {
            spec.commandLine().getErr().println("jbuild: WARNING! Using --password via the CLI is insecure. "
                    + "Use --password-stdin.");
        }
        if (username == null || username.isBlank() || password == null || password.isEmpty()) {
            throw new UserError("a user name and a password are needed");
        }
        Credentials creds = Credentials.basic(username.trim(), password);
        CredentialSource only = r -> Optional.of(creds);
        RegistryOptions options = registry.clients(spec.commandLine().getErr()).options().withCredentials(only);
        try {
            RegistryClient.open(host, options).ping();
        } catch (RegistryException e) {
            if (e.isUnauthorized()) {
                throw new UserError("login to " + host + " failed: the registry refused the user name or password");
            }
            throw e;
        }
        DockerConfig.load().store(host, creds);
        spec.commandLine().getOut().println("Login Succeeded");
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** A registry named alone ({@code ghcr.io}) or by URL ({@code https://ghcr.io/}), as docker accepts. */
    static String registryName(String text) {
        if (text == null || text.isBlank()) {
            return ImageReference.DOCKER_HUB;
        }
        String h = text.trim().replaceFirst("^https?://", "");
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        if (h.equals("index.docker.io") || h.equals("registry-1.docker.io") || h.equals("registry.hub.docker.com")) {
            return ImageReference.DOCKER_HUB;
        }
        if (h.isEmpty()) {
            throw new UserError("not a registry: " + text);
        }
        return h;
    }
}
