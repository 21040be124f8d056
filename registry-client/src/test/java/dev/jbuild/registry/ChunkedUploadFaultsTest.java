package dev.jbuild.registry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.requestMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.matching.MatchResult;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Chunked uploads against what registries really do: ECR's stale {@code Range}, GHCR's 4 MiB
 * chunk limit, {@code OCI-Chunk-Min-Length}, relative {@code Location}s, and PATCHes that fail
 * half way (resumed from the upload's status, not from scratch, and never replayed blindly).
 */
class ChunkedUploadFaultsTest extends FakeRegistryTest {
    private static final String UPLOADS = "/v2/app/blobs/uploads/";
    private static final String U1 = UPLOADS + "u1";
    private static final int CHUNK = 4096;
    private static final byte[] BLOB = FakeRegistry.bytes(10_240, 11);
    private static final Descriptor D = Descriptor.of(MediaTypes.OCI_LAYER, BLOB);

    private RegistryClient client(long threshold, int chunk) throws Exception {
        return FakeRegistry.client(registry, FakeRegistry.options(log).withChunking(threshold, chunk));
    }

    private static void upload(RegistryClient client, byte[] blob, Descriptor d) throws Exception {
        client.uploadBlob("app", d, offset -> new ByteArrayInputStream(blob, (int) offset, blob.length - (int) offset),
                Optional.empty(), TransferProgress.NONE);
    }

    /** POST answers 202 with an absolute Location; the final PUT with the digest answers 201. */
    private void sessionAt(String location) {
        registry.stubFor(post(UPLOADS).willReturn(aResponse().withStatus(202).withHeader("Location", location)
                .withHeader("Range", "0-0")));
        registry.stubFor(put(urlPathMatching(UPLOADS + "u[0-9]+")).withQueryParam("digest", equalTo(D.digest().toString()))
                .willReturn(aResponse().withStatus(201)));
    }

    private String absolute(String path) {
        return "http://localhost:" + registry.port() + path;
    }

    private static List<ServeEvent> patches() {
        return FakeRegistry.received(registry, "PATCH");
    }

    private static List<String> contentRanges(List<ServeEvent> events) {
        return events.stream().map(e -> e.getRequest().getHeader("Content-Range")).toList();
    }

    /** Every PATCH body is the slice of the blob its Content-Range names. */
    private static void assertBodiesMatchRanges(byte[] blob, List<ServeEvent> events) {
        for (ServeEvent e : events) {
            String[] r = e.getRequest().getHeader("Content-Range").split("-");
            int from = Integer.parseInt(r[0]);
            int to = Integer.parseInt(r[1]);
            assertArrayEquals(Arrays.copyOfRange(blob, from, to + 1), e.getRequest().getBody(),
                    "body of the PATCH for " + from + "-" + to);
        }
    }

    private static void assertFinishedWithDigestPut(Descriptor d) {
        registry.verify(1, putRequestedFor(urlPathMatching(UPLOADS + "u[0-9]+"))
                .withQueryParam("digest", equalTo(d.digest().toString())));
    }

    @Test
    void aBlobBelowTheThresholdGoesInOnePutWithItsLength() throws Exception {
        sessionAt(absolute(U1 + "?_state=a"));
        upload(client(1 << 20, CHUNK), BLOB, D);
        registry.verify(0, patchRequestedFor(urlPathMatching(".*")));
        List<ServeEvent> puts = FakeRegistry.received(registry, "PUT");
        assertEquals(1, puts.size());
        assertEquals(Integer.toString(BLOB.length), puts.get(0).getRequest().getHeader("Content-Length"));
        assertEquals("a", puts.get(0).getRequest().queryParameter("_state").firstValue());
        assertArrayEquals(BLOB, puts.get(0).getRequest().getBody());
    }

    @Test
    void aResetDuringTheOnePutIsRetriedWithTheWholeBody() throws Exception {
        sessionAt(absolute(U1));
        FakeRegistry.answerInTurn(registry, "put", () -> put(urlPathEqualTo(U1)),
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), aResponse().withStatus(201));
        upload(client(1 << 20, CHUNK), BLOB, D);
        List<ServeEvent> puts = FakeRegistry.received(registry, "PUT");
        assertEquals(2, puts.size());
        assertArrayEquals(BLOB, puts.get(1).getRequest().getBody());
    }

    @Test
    void aStaleRangeAfterEachPatchIsIgnoredAndTheClientKeepsItsOwnOffset() throws Exception {
        sessionAt(absolute(U1 + "?_state=a"));
        // ECR: every 202 says the registry holds only the first chunk.
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", absolute(U1 + "?_state=b")).withHeader("Range", "0-" + (CHUNK - 1))));
        upload(client(1024, CHUNK), BLOB, D);

        List<ServeEvent> p = patches();
        assertEquals(List.of("0-4095", "4096-8191", "8192-10239"), contentRanges(p));
        assertBodiesMatchRanges(BLOB, p);
        registry.verify(0, getRequestedFor(urlPathEqualTo(U1)));
        assertFinishedWithDigestPut(D);
    }

    @Test
    void aPatchThatFailsWith500IsResumedFromTheUploadsStatus() throws Exception {
        sessionAt(absolute(U1));
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", absolute(U1))));
        FakeRegistry.answerInTurn(registry, "second chunk", () -> patch(urlPathEqualTo(U1))
                .withHeader("Content-Range", equalTo("4096-8191")).atPriority(1),
                aResponse().withStatus(500), aResponse().withStatus(202).withHeader("Location", absolute(U1)));
        registry.stubFor(get(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(204)
                .withHeader("Location", absolute(U1)).withHeader("Range", "0-4095")));
        upload(client(1024, CHUNK), BLOB, D);

        List<ServeEvent> p = patches();
        // The failed chunk is sent once more because the status says the registry lacks it; the
        // transport itself never replays a PATCH.
        assertEquals(List.of("0-4095", "4096-8191", "4096-8191", "8192-10239"), contentRanges(p));
        assertBodiesMatchRanges(BLOB, p);
        registry.verify(1, getRequestedFor(urlPathEqualTo(U1)));
        assertFinishedWithDigestPut(D);
        assertTrue(log.warned("resuming there"), log.warnings.toString());
    }

    @Test
    void aPatchCutByAResetResumesWhereTheStatusSaysNotWhereTheClientWas() throws Exception {
        sessionAt(absolute(U1));
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", absolute(U1))));
        registry.stubFor(patch(urlPathEqualTo(U1)).withHeader("Content-Range", equalTo("4096-8191")).atPriority(1)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        // The registry kept part of the broken chunk.
        registry.stubFor(get(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(204)
                .withHeader("Location", absolute(U1)).withHeader("Range", "0-6143")));
        upload(client(1024, CHUNK), BLOB, D);

        List<ServeEvent> p = patches();
        assertEquals(List.of("0-4095", "4096-8191", "6144-10239"), contentRanges(p));
        assertBodiesMatchRanges(BLOB, p);
        registry.verify(1, getRequestedFor(urlPathEqualTo(U1)));
        assertFinishedWithDigestPut(D);
    }

    @Test
    void anEmptyUploadReportedAsZeroToZeroResumesAtTheStart() throws Exception {
        // registry:2 answers the status of an upload holding nothing with "Range: 0-0" (checked
        // against distribution 2.8.2): that must not be read as "one byte held".
        sessionAt(absolute(U1));
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", absolute(U1))));
        FakeRegistry.answerInTurn(registry, "first chunk", () -> patch(urlPathEqualTo(U1))
                .withHeader("Content-Range", equalTo("0-4095")).atPriority(1),
                aResponse().withStatus(503), aResponse().withStatus(202).withHeader("Location", absolute(U1)));
        registry.stubFor(get(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(204)
                .withHeader("Location", absolute(U1)).withHeader("Range", "0-0")));
        upload(client(1024, CHUNK), BLOB, D);

        List<ServeEvent> p = patches();
        assertEquals(List.of("0-4095", "0-4095", "4096-8191", "8192-10239"), contentRanges(p));
        assertBodiesMatchRanges(BLOB, p);
        assertFinishedWithDigestPut(D);
    }

    @Test
    void noChunkAboveFourMibReachesARegistryThatRefusesThem() throws Exception {
        byte[] big = FakeRegistry.bytes(9 * (1 << 20) + 5, 12);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, big);
        registry.stubFor(post(UPLOADS).willReturn(aResponse().withStatus(202).withHeader("Location", absolute(U1))));
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", absolute(U1))));
        // GHCR: 416 "exceeds the maximum permissible limit of 4.00MiB".
        registry.stubFor(requestMatching(r -> MatchResult.of(r.getMethod().getName().equals("PATCH")
                && r.getBody().length > RegistryOptions.MAX_CHUNK)).atPriority(1)
                .willReturn(aResponse().withStatus(416).withBody("{\"errors\":[{\"code\":\"SIZE_INVALID\","
                        + "\"message\":\"exceeds the maximum permissible limit of 4.00MiB\"}]}")));
        registry.stubFor(put(urlPathEqualTo(U1)).withQueryParam("digest", equalTo(d.digest().toString()))
                .willReturn(aResponse().withStatus(201)));
        upload(client(1 << 20, 8 << 20), big, d); // asked for 8 MiB chunks

        List<ServeEvent> p = patches();
        assertEquals(3, p.size(), contentRanges(p).toString());
        for (ServeEvent e : p) {
            assertTrue(e.getRequest().getBody().length <= RegistryOptions.MAX_CHUNK);
            assertEquals(202, e.getResponse().getStatus());
        }
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (ServeEvent e : p) {
            sent.write(e.getRequest().getBody());
        }
        assertArrayEquals(big, sent.toByteArray());
        registry.verify(1, putRequestedFor(urlPathEqualTo(U1)).withQueryParam("digest",
                equalTo(d.digest().toString())));
    }

    @Test
    void ociChunkMinLengthRaisesTheChunkSize() throws Exception {
        registry.stubFor(post(UPLOADS).willReturn(aResponse().withStatus(202).withHeader("Location", absolute(U1))
                .withHeader("OCI-Chunk-Min-Length", "6000")));
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", absolute(U1))));
        registry.stubFor(put(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(201)));
        upload(client(1024, 2048), BLOB, D);

        List<ServeEvent> p = patches();
        assertEquals(List.of("0-5999", "6000-10239"), contentRanges(p));
        assertBodiesMatchRanges(BLOB, p);
        assertFinishedWithDigestPut(D);
    }

    @Test
    void relativeLocationsAreFollowed() throws Exception {
        // An absolute path from the POST, then references relative to the PATCH's own URL.
        registry.stubFor(post(UPLOADS).willReturn(aResponse().withStatus(202)
                .withHeader("Location", U1 + "?_state=a")));
        registry.stubFor(patch(urlPathEqualTo(U1)).willReturn(aResponse().withStatus(202)
                .withHeader("Location", "u2?_state=b")));
        registry.stubFor(patch(urlPathEqualTo(UPLOADS + "u2")).willReturn(aResponse().withStatus(202)
                .withHeader("Location", "./u3?_state=c")));
        registry.stubFor(patch(urlPathEqualTo(UPLOADS + "u3")).willReturn(aResponse().withStatus(202)
                .withHeader("Location", UPLOADS + "u4?_state=d")));
        registry.stubFor(put(urlPathEqualTo(UPLOADS + "u4")).willReturn(aResponse().withStatus(201)));
        upload(client(1024, CHUNK), BLOB, D);

        List<ServeEvent> p = patches();
        assertEquals(List.of(U1 + "?_state=a", UPLOADS + "u2?_state=b", UPLOADS + "u3?_state=c"),
                p.stream().map(e -> e.getRequest().getUrl()).toList());
        assertBodiesMatchRanges(BLOB, p);
        registry.verify(1, putRequestedFor(urlPathEqualTo(UPLOADS + "u4")).withQueryParam("_state", equalTo("d"))
                .withQueryParam("digest", equalTo(D.digest().toString())));
    }
}
