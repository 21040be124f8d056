package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Shared pieces of the WireMock fault tests: a WireMock server standing in for a registry on
 * loopback (so plain HTTP is allowed, as docker allows it), fast retry options, and a log that
 * keeps what it is told.
 */
final class FakeRegistry {
    /** Four tries, millisecond backoff: retries are exercised without slowing the build. */
    static final RetryPolicy FAST = new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(2));

    private FakeRegistry() {
    }

    static WireMockServer start() {
        WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")
                .notifier(new ConsoleNotifier(false)).containerThreads(20).jettyStopTimeout(0L));
        server.start();
        return server;
    }

    /** The registry name a user would write for the server: {@code localhost:PORT}. */
    static String name(WireMockServer server) {
        return "localhost:" + server.port();
    }

    static RegistryOptions options(RegistryLog log) {
        return RegistryOptions.defaults().withEnv(java.util.Map.of()).withCertDirs(List.of()).withRetry(FAST)
                .withIdleTimeout(Duration.ofSeconds(10)).withLog(log);
    }

    static RegistryClient client(WireMockServer server, RegistryOptions options) throws IOException {
        return RegistryClient.open(name(server), options);
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Answers {@code request} with each response in turn, then the last one for ever. */
    static void answerInTurn(WireMockServer server, String scenario, Supplier<MappingBuilder> request,
            ResponseDefinitionBuilder... responses) {
        for (int i = 0; i < responses.length; i++) {
            ScenarioMappingBuilder m = request.get().inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "turn " + i);
            if (i + 1 < responses.length) {
                m = m.willSetStateTo("turn " + (i + 1));
            }
            server.stubFor(m.willReturn(responses[i]));
        }
    }

    /** Requests the server received, oldest first, that satisfy {@code p}. */
    static List<ServeEvent> received(WireMockServer server, Predicate<ServeEvent> p) {
        List<ServeEvent> all = new ArrayList<>(server.getAllServeEvents());
        java.util.Collections.reverse(all); // WireMock lists the newest first
        return all.stream().filter(p).collect(Collectors.toList());
    }

    static List<ServeEvent> received(WireMockServer server, String method) {
        return received(server, e -> e.getRequest().getMethod().getName().equals(method));
    }

    /** A log that records every line, for assertions on what users are told and what is never printed. */
    static final class RecordingLog implements RegistryLog {
        final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> debug = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void warn(String message) {
            warnings.add(message);
        }

        @Override
        public void debug(String message) {
            debug.add(message);
        }

        List<String> all() {
            List<String> l = new ArrayList<>(warnings);
            l.addAll(debug);
            return l;
        }

        boolean warned(String part) {
            return warnings.stream().anyMatch(w -> w.contains(part));
        }
    }
}
