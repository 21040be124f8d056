package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * A blob upload in PATCH chunks with {@code Content-Range}, for blobs too large to risk in one
 * request. Chunks are at most {@link RegistryOptions#MAX_CHUNK} (GHCR refuses larger ones) unless
 * the registry's {@code OCI-Chunk-Min-Length} asks for more. A PATCH is never repeated blindly —
 * some registries append whatever arrives whatever its {@code Content-Range} says — so after a
 * failure the upload's status ({@code GET} on its location, {@code Range: 0-N}) says where to go
 * on. After a successful PATCH the client's own offset is trusted over the answer's {@code Range},
 * which some registries (ECR) leave stale.
 */
final class ChunkedUpload {
    private final HttpTransport http;
    private final String repository;
    private final Descriptor blob;
    private final RegistryClient.BlobSource source;
    private final String what;
    private final TransferProgress progress;
    private final long chunk;
    private String location;

    ChunkedUpload(HttpTransport http, String repository, Descriptor blob, RegistryClient.BlobSource source,
            RegistryClient.UploadSession session, String what, TransferProgress progress) {
        this.http = http;
        this.repository = repository;
        this.blob = blob;
        this.source = source;
        this.what = what;
        this.progress = progress;
        this.location = session.location();
        // Assumption checked in RegistryOptions: chunkSize >= 1.
        long size = Math.min(http.options().chunkSize(), RegistryOptions.MAX_CHUNK);
        this.chunk = Math.max(size, session.minChunk().orElse(0));
    }

    void run() throws IOException {
        long offset = 0;
        int recoveries = 0;
        int allowed = http.options().retry().attempts();
        // One read of the source for the whole upload (a ranged GET when it is another registry);
        // reopened only where a failed chunk makes the upload go on.
        InputStream in = source.open(0);
        try {
            while (offset < blob.size()) {
                long length = Math.min(chunk, blob.size() - offset);
                try {
                    patch(offset, length, in);
                    offset += length;
                    progress.advance(length);
                } catch (IOException e) {
                    if (++recoveries >= allowed) {
                        throw e;
                    }
                    long resumeAt = status();
                    http.options().log().warn(http.registry() + ": " + what + ": chunk at " + offset + " failed ("
                            + HttpTransport.describe(e) + "); the registry holds " + resumeAt + " bytes, resuming there");
                    progress.reset();
                    progress.advance(resumeAt);
                    offset = resumeAt;
                    in.close();
                    in = source.open(offset);
                }
            }
        } finally {
            in.close();
        }
        HttpTransport.Request put = new HttpTransport.Request("PUT", RegistryClient.withDigest(location, blob.digest()),
                Map.of("Content-Type", "application/octet-stream"), Optional.of(HttpTransport.Body.of(new byte[0])),
                RegistryClient.push(repository), false, what + " (finish)");
        try (HttpTransport.Response r = http.send(put)) {
            if (r.status() != 201) {
                throw http.error(r, put);
            }
        }
    }

    private void patch(long offset, long length, InputStream in) throws IOException {
        // Not replayable: a repeated PATCH could append the chunk twice; see the class comment.
        HttpTransport.Body body = HttpTransport.Body.streamed(() -> new Window(in, length), length, false);
        HttpTransport.Request req = new HttpTransport.Request("PATCH", location,
                Map.of("Content-Type", "application/octet-stream",
                        "Content-Range", offset + "-" + (offset + length - 1)),
                Optional.of(body), RegistryClient.push(repository), false, what + " (chunk at " + offset + ")");
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() != 202) {
                throw http.error(r, req);
            }
            location = r.location().orElse(location);
        }
    }

    /** How many bytes the registry holds for this upload, from its status; moves to its newest location. */
    private long status() throws IOException {
        HttpTransport.Request req = HttpTransport.Request.get(location, RegistryClient.push(repository),
                what + " (status)");
        try (HttpTransport.Response r = http.send(req)) {
            if (r.status() != 204 && r.status() != 200) {
                throw http.error(r, req);
            }
            location = r.location().orElse(location);
            long end = RegistryClient.rangeEnd(r.header("Range"));
            // registry:2 reports an upload holding nothing as "0-0", the same as one holding one
            // byte. Nothing held is by far the likelier (a first chunk that failed outright), and
            // resuming at 1 would corrupt the blob, so "0-0" means start again from 0.
            return end <= 0 ? 0 : end + 1;
        }
    }

    /** The next {@code length} bytes of a stream that stays open for the next chunk. */
    private static final class Window extends InputStream {
        private final InputStream in;
        private long left;

        Window(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new IOException("the blob's source ended " + left + " bytes early");
            }
            left -= n;
            return n;
        }

        @Override
        public void close() {
            // the stream belongs to the upload, not to this chunk
        }
    }
}
