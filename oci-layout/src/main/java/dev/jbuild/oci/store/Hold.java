package dev.jbuild.oci.store;

import java.io.IOException;

/** A lock or lease on the store, released by {@link #close()}. */
public interface Hold extends AutoCloseable {
    @Override
    void close() throws IOException;
}
