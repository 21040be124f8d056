package dev.jbuild.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bytes moved for one blob, for progress display. {@link #reset} says a transfer starts over (a
 * retried upload), so the count never runs past the blob's size.
 */
public interface TransferProgress {
    TransferProgress NONE = new TransferProgress() {
        @Override
        public void advance(long bytes) {
        }

        @Override
        public void reset() {
        }
    };

    void advance(long bytes);

    void reset();

    /** Reports bytes as they are read from {@code in}. */
    default InputStream counting(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    advance(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    advance(n);
                }
                return n;
            }
        };
    }
}
