package dev.jbuild.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that shapes how jbuild talks to registries.
 *
 * @param credentials where logins come from (docker's config.json in the CLI)
 * @param insecureRegistries registries that may be reached over plain HTTP or HTTPS without
 *     certificate checks, as docker lists them ({@code host}, {@code host:port}, with or without a
 *     scheme, or an address range); loopback hosts may use plain HTTP anyway, but their
 *     certificates are checked when they speak TLS
 * @param certDirs directories holding {@code <host>/*.crt} CA certificates and
 *     {@code NAME.cert}/{@code NAME.key} client certificates, as {@code /etc/docker/certs.d} does
 * @param env the environment, for {@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}
 * @param idleTimeout how long a request may go without any bytes moving before it is abandoned
 *     (a slow transfer is fine, a stalled one is not)
 * @param retry the retry policy for resets, 408, 429 and 5xx
 * @param blobConcurrency blobs in flight per image
 * @param chunkThreshold blobs up to this size are uploaded in one PUT; larger ones in chunks
 *     ({@link #DEFAULT_CHUNK_THRESHOLD})
 * @param chunkSize the size of a PATCH chunk (raised to a registry's {@code OCI-Chunk-Min-Length})
 * @param log warnings and request traces
 */
public record RegistryOptions(CredentialSource credentials, Set<String> insecureRegistries, List<Path> certDirs,
        Map<String, String> env, Duration idleTimeout, RetryPolicy retry, int blobConcurrency, long chunkThreshold,
        int chunkSize, RegistryLog log) {
    public static final int MAX_CHUNK = 4 << 20;

    /**
     * Blobs up to 512 MiB go in one PUT: on a fast link each 4 MiB chunk costs a round trip and the
     * registry's bookkeeping (measured: a 448 MB image pushes in 1.2 s in one PUT per blob, 2.1 s in
     * chunks, on loopback), and a PUT of this size is retried whole. Larger blobs, where a failure
     * late in the transfer would cost most, go in chunks that resume where the registry stopped.
     */
    public static final long DEFAULT_CHUNK_THRESHOLD = 512L << 20;

    public RegistryOptions {
        Objects.requireNonNull(credentials, "credentials");
        insecureRegistries = Set.copyOf(insecureRegistries);
        certDirs = List.copyOf(certDirs);
        env = Map.copyOf(env);
        if (blobConcurrency < 1) {
            throw new IllegalArgumentException("blob concurrency must be at least 1");
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
    }

    /** Anonymous, docker's certificate directories, the process environment, 4 blobs at a time. */
    public static RegistryOptions defaults() {
        String home = System.getProperty("user.home");
        return new RegistryOptions(CredentialSource.ANONYMOUS, Set.of(),
                List.of(Path.of("/etc/docker/certs.d"), Path.of(home, ".config", "jbuild", "certs.d")), System.getenv(),
                Duration.ofSeconds(60), RetryPolicy.DEFAULT, 4, DEFAULT_CHUNK_THRESHOLD, MAX_CHUNK, RegistryLog.SILENT);
    }

    public RegistryOptions withCredentials(CredentialSource c) {
        return new RegistryOptions(c, insecureRegistries, certDirs, env, idleTimeout, retry, blobConcurrency,
                chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withInsecureRegistries(Set<String> hosts) {
        return new RegistryOptions(credentials, hosts, certDirs, env, idleTimeout, retry, blobConcurrency,
                chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withCertDirs(List<Path> dirs) {
        return new RegistryOptions(credentials, insecureRegistries, dirs, env, idleTimeout, retry, blobConcurrency,
                chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withEnv(Map<String, String> newEnv) {
        return new RegistryOptions(credentials, insecureRegistries, certDirs, newEnv, idleTimeout, retry,
                blobConcurrency, chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withIdleTimeout(Duration d) {
        return new RegistryOptions(credentials, insecureRegistries, certDirs, env, d, retry, blobConcurrency,
                chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withRetry(RetryPolicy r) {
        return new RegistryOptions(credentials, insecureRegistries, certDirs, env, idleTimeout, r, blobConcurrency,
                chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withBlobConcurrency(int n) {
        return new RegistryOptions(credentials, insecureRegistries, certDirs, env, idleTimeout, retry, n,
                chunkThreshold, chunkSize, log);
    }

    public RegistryOptions withChunking(long threshold, int size) {
        return new RegistryOptions(credentials, insecureRegistries, certDirs, env, idleTimeout, retry, blobConcurrency,
                threshold, size, log);
    }

    public RegistryOptions withLog(RegistryLog l) {
        return new RegistryOptions(credentials, insecureRegistries, certDirs, env, idleTimeout, retry, blobConcurrency,
                chunkThreshold, chunkSize, l);
    }
}
