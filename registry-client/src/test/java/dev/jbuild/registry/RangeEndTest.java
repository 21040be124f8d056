package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link RegistryClient#rangeEnd}: the upload {@code Range} header as registries write it. */
class RangeEndTest {
    @Test
    void theLastByteHeld() {
        assertEquals(4095, RegistryClient.rangeEnd(Optional.of("0-4095")));
        assertEquals(99, RegistryClient.rangeEnd(Optional.of("bytes=0-99")));
        assertEquals(0, RegistryClient.rangeEnd(Optional.of(" 0-0 ")));
        assertEquals(10_000_000_000L, RegistryClient.rangeEnd(Optional.of("0-10000000000")));
    }

    @Test
    void noneOrUnreadable() {
        assertEquals(-1, RegistryClient.rangeEnd(Optional.empty()));
        assertEquals(-1, RegistryClient.rangeEnd(Optional.of("")));
        assertEquals(-1, RegistryClient.rangeEnd(Optional.of("5-10")), "a range not from 0 says nothing held");
        assertEquals(-1, RegistryClient.rangeEnd(Optional.of("0--1")));
        assertEquals(-1, RegistryClient.rangeEnd(Optional.of("bytes 0-9/10")));
    }
}
