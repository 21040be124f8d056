package dev.jbuild.oci.store;

import java.io.IOException;

/** Content that is not what its digest or size says: never stored. */
public final class BlobMismatchException extends IOException {
    public BlobMismatchException(String message) {
        super(message);
    }
}
