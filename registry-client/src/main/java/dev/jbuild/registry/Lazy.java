package dev.jbuild.registry;

import java.io.IOException;

/** A value made on first use, once, by a maker that may fail with an {@link IOException}. */
final class Lazy<T> {
    @FunctionalInterface
    interface Maker<T> {
        T make() throws IOException;
    }

    private final Maker<T> maker;
    private volatile T value;

    Lazy(Maker<T> maker) {
        this.maker = maker;
    }

    T get() throws IOException {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = maker.make();
                    value = v;
                }
            }
        }
        return v;
    }
}
