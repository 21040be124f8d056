package dev.jbuild.registry;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The life of the WireMock registry the fault tests share: started once per test class, emptied
 * of stubs and requests before each test, stopped after the class; and a log that records what
 * the client says.
 */
abstract class FakeRegistryTest {
    static WireMockServer registry;

    final FakeRegistry.RecordingLog log = new FakeRegistry.RecordingLog();

    @BeforeAll
    static void startRegistry() {
        registry = FakeRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        registry.stop();
    }

    @BeforeEach
    void resetRegistry() {
        registry.resetAll();
    }
}
