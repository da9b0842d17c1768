package ipmpd.agent;

import ipmpd.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus endpoint of an in-process daemon (loopback platform, group g0 of tst0 and tst1):
 * what /metrics shows follows the engine (a link pulled: the member failed, its failure counted
 * and stamped, the group degraded), promtool accepts the text format, OpenMetrics is served when
 * asked for, and other paths and methods are refused.
 */
class DaemonMetricsTest {
    private DaemonFixture f;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        f = new DaemonFixture();
        f.write("mpathd", DaemonFixture.MPATHD);
        f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
        f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
        f.write("agent.conf", "metrics.listen=127.0.0.1:0\n");
        f.start(Map.of("routers", "192.0.2.1"));
    }

    @AfterEach
    void stop() throws IOException {
        f.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + f.daemon.metrics().address().getPort() + path);
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = get("/metrics", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        return r.body();
    }

    /** The samples of a text exposition: series (name and labels as written) to value. */
    static Map<String, String> samples(String exposition) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : exposition.lines().toList()) {
            if (!l.startsWith("#") && !l.isBlank()) {
                int sp = l.lastIndexOf(' ');
                m.put(l.substring(0, sp), l.substring(sp + 1));
            }
        }
        return m;
    }

    private static java.util.Set<String> missing(java.util.Set<String> wanted, java.util.Set<String> have) {
        java.util.Set<String> m = new java.util.TreeSet<>(wanted);
        m.removeAll(have);
        return m;
    }

    private static double value(Map<String, String> samples, String series) {
        String v = samples.get(series);
        assertNotNull(v, series + " in " + samples.keySet());
        return Double.parseDouble(v);
    }

    private boolean scrapeShows(String series, String value) {
        try {
            return value.equals(samples(scrape()).get(series));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void metricsFollowTheEngineAndAPulledLinkIsCounted() throws Exception {
        f.awaitProbesOk();
        String tst0 = "{group=\"g0\",interface=\"tst0\"}";
        Await.until("probes answered and a round-trip time in /metrics", () -> {
            Map<String, String> now = samples(get0());
            return now.containsKey("ipmpd_target_rtt_seconds{group=\"g0\",interface=\"tst0\",target=\"192.0.2.1\"}")
                    && value(now, "ipmpd_member_probes_acked_total" + tst0) >= 2;
        });
        Map<String, String> s = samples(scrape());
        assertEquals("1", s.get("ipmpd_member_probe_state{group=\"g0\",interface=\"tst0\",ipmpd_member_probe_state=\"ok\"}"));
        assertEquals("1", s.get("ipmpd_group_state{group=\"g0\",ipmpd_group_state=\"ok\"}"), s.toString());
        assertEquals("0", s.get("ipmpd_group_state{group=\"g0\",ipmpd_group_state=\"degraded\"}"));
        // FAILURE_DETECTION_TIME=700, or more if the machine is so loaded that the targets seem slow
        assertTrue(value(s, "ipmpd_group_failure_detection_time_seconds{group=\"g0\"}") >= 0.7, s.toString());
        assertEquals("2", s.get("ipmpd_group_members{group=\"g0\"}"));
        assertEquals("2", s.get("ipmpd_group_active_members{group=\"g0\"}"));
        assertEquals("1", s.get("ipmpd_member_state{group=\"g0\",interface=\"tst0\",ipmpd_member_state=\"ok\"}"));
        assertEquals("1", s.get("ipmpd_member_link_state{group=\"g0\",interface=\"tst0\",ipmpd_member_link_state=\"up\"}"));
        assertEquals("1", s.get("ipmpd_member_active" + tst0));
        assertEquals("0", s.get("ipmpd_member_failures_total" + tst0));
        assertNull(s.get("ipmpd_member_last_failure_timestamp_seconds" + tst0), "no failure yet");
        assertNull(s.get("ipmpd_member_last_failure_cause{group=\"g0\",interface=\"tst0\",ipmpd_member_last_failure_cause=\"link\"}"));
        assertEquals("0", s.get("ipmpd_group_failovers_total{group=\"g0\"}"));
        assertNull(s.get("ipmpd_group_last_failover_timestamp_seconds{group=\"g0\"}"), "no failover yet");
        assertTrue(value(s, "ipmpd_member_probes_sent_total" + tst0) >= value(s, "ipmpd_member_probes_acked_total" + tst0),
                s.toString());
        double rtt = value(s, "ipmpd_target_rtt_seconds{group=\"g0\",interface=\"tst0\",target=\"192.0.2.1\"}");
        assertTrue(rtt > 0 && rtt < 10, "RTT in seconds (the loopback platform answers in 0.3 ms): " + rtt);
        assertTrue(value(s, "process_start_time_seconds") > 1.5e9);

        // probe counters read live: they go on growing while nothing else changes
        double sent = value(s, "ipmpd_member_probes_sent_total" + tst0);
        Await.until("more probes counted", () -> value(samples(get0()), "ipmpd_member_probes_sent_total" + tst0) > sent);

        long before = System.currentTimeMillis();
        f.platform().setLink("tst0", false);
        Await.until("tst0 failed in /metrics", () -> scrapeShows("ipmpd_member_state{group=\"g0\",interface=\"tst0\",ipmpd_member_state=\"failed\"}", "1"));
        s = samples(scrape());
        assertEquals("1", s.get("ipmpd_member_failures_total" + tst0), s.toString());
        assertEquals("0", s.get("ipmpd_member_failures_total{group=\"g0\",interface=\"tst1\"}"));
        double at = value(s, "ipmpd_member_last_failure_timestamp_seconds" + tst0);
        assertTrue(at * 1000 >= before - 1 && at * 1000 <= System.currentTimeMillis() + 1, "failure time " + at);
        assertEquals("1", s.get("ipmpd_member_last_failure_cause{group=\"g0\",interface=\"tst0\",ipmpd_member_last_failure_cause=\"link\"}"));
        assertEquals("0", s.get("ipmpd_member_last_failure_cause{group=\"g0\",interface=\"tst0\",ipmpd_member_last_failure_cause=\"probeIPv4\"}"));
        // tst0's data address 192.0.2.10 failed over to tst1: one failover of g0, for the link
        assertEquals("1", s.get("ipmpd_group_failovers_total{group=\"g0\"}"), s.toString());
        double failoverAt = value(s, "ipmpd_group_last_failover_timestamp_seconds{group=\"g0\"}");
        assertTrue(failoverAt * 1000 >= before - 1 && failoverAt * 1000 <= System.currentTimeMillis() + 1,
                "failover time " + failoverAt);
        assertEquals("1", s.get("ipmpd_group_last_failover_reason{group=\"g0\",ipmpd_group_last_failover_reason=\"link\"}"));
        assertEquals("1", s.get("ipmpd_member_link_state{group=\"g0\",interface=\"tst0\",ipmpd_member_link_state=\"down\"}"));
        assertEquals("0", s.get("ipmpd_member_active" + tst0));
        assertEquals("1", s.get("ipmpd_group_state{group=\"g0\",ipmpd_group_state=\"degraded\"}"));
        assertEquals("1", s.get("ipmpd_group_active_members{group=\"g0\"}"));

        f.platform().setLink("tst0", true);
        Await.until("tst0 repaired in /metrics", () -> scrapeShows("ipmpd_member_state{group=\"g0\",interface=\"tst0\",ipmpd_member_state=\"ok\"}", "1"));
        assertEquals("1", samples(scrape()).get("ipmpd_member_failures_total" + tst0), "a repair is no failure");
        f.platform().setLink("tst0", false);
        Await.until("second failure counted", () -> scrapeShows("ipmpd_member_failures_total" + tst0, "2"));
    }

    private String get0() {
        try {
            return scrape();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void promtoolAcceptsTheTextFormat() throws Exception {
        f.awaitProbesOk();
        f.platform().setLink("tst1", false);
        Await.until("tst1 failure counted", () -> scrapeShows("ipmpd_member_failures_total{group=\"g0\",interface=\"tst1\"}", "1"));
        String text = scrape();
        ProcessBuilder pb = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out + "\non:\n" + text);
        assertEquals("", out.strip(), "promtool's remarks on:\n" + text);
    }

    @Test
    void openMetricsWhenAskedFor() throws Exception {
        f.awaitProbesOk();
        Map<String, String> textBefore = samples(scrape());
        HttpResponse<String> r = get("/metrics",
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"); // what Prometheus 2 sends
        assertEquals(200, r.statusCode());
        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                r.headers().firstValue("Content-Type").orElse(""));
        String body = r.body();
        assertTrue(body.endsWith("# EOF\n"), body);
        List<String> lines = body.lines().toList();
        assertTrue(lines.contains("# TYPE ipmpd_member_failures counter"), body);
        assertTrue(lines.contains("# TYPE ipmpd_group_state stateset"), body);
        assertTrue(lines.contains("# UNIT ipmpd_target_rtt_seconds seconds"), body);
        assertTrue(lines.contains("ipmpd_member_failures_total{group=\"g0\",interface=\"tst0\"} 0"), body);
        // the same series as the text format: every series both text scrapes around it show, and
        // none that neither shows (a target's round-trip series may come or go in between)
        Map<String, String> om = samples(body);
        Map<String, String> textAfter = samples(scrape());
        java.util.Set<String> inBoth = new java.util.TreeSet<>(textBefore.keySet());
        inBoth.retainAll(textAfter.keySet());
        java.util.Set<String> inEither = new java.util.TreeSet<>(textBefore.keySet());
        inEither.addAll(textAfter.keySet());
        assertTrue(om.keySet().containsAll(inBoth), "missing from OpenMetrics: " + missing(inBoth, om.keySet()));
        assertTrue(inEither.containsAll(om.keySet()), "only in OpenMetrics: " + missing(om.keySet(), inEither));
        // q=0 refuses
        HttpResponse<String> refused = get("/metrics", "application/openmetrics-text;q=0,text/plain");
        assertTrue(refused.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertEquals(404, get("/nothing", null).statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertEquals(200, get("/", null).statusCode());
    }

    @Test
    void aBadOrTakenAddressLeavesTheEndpointOffAndFailoverRunning() throws Exception {
        int taken = f.daemon.metrics().address().getPort();
        for (String[] c : new String[][] {
                {"metrics.listen=127.0.0.1:" + taken, "Prometheus endpoint disabled: metrics: cannot listen on 127.0.0.1:" + taken + ": "},
                {"metrics.listen=localhost:9830", "Prometheus endpoint disabled: metrics.listen: localhost is not an IP address (e.g. 127.0.0.1:9830 or [::]:9830)"}}) {
            DaemonFixture other = new DaemonFixture();
            try {
                other.write("agent.conf", c[0] + "\n");
                other.start(Map.of());
                assertEquals(null, other.daemon.metrics(), c[0]);
                assertTrue(other.logged.stream().anyMatch(l -> l.startsWith(c[1])), other.logged.toString());
                assertTrue(other.daemon.socket() != null, "the daemon runs: its control socket is open");
            } finally {
                other.close();
            }
        }
    }

    /** The engine's reads, counting the snapshots taken; {@code published}: whether its statistics are. */
    private static final class CountingReads implements ipmpd.agent.metrics.EngineMetrics.EngineReads {
        final ipmpd.engine.Engine engine;
        final EngineLoop loop;
        final boolean published;
        final java.util.concurrent.atomic.AtomicInteger takes = new java.util.concurrent.atomic.AtomicInteger();

        CountingReads(EngineLoop loop, boolean published) throws Exception {
            this.loop = loop;
            this.engine = loop.call(loop::engine);
            this.published = published;
        }

        @Override
        public long modelGeneration() {
            return engine.modelGeneration();
        }

        @Override
        public ipmpd.engine.ProbeStatistics probeStatistics(String ifname) {
            return published ? engine.probeStatistics(ifname) : null;
        }

        @Override
        public ipmpd.agent.metrics.EngineMetrics.Taken take() throws Exception {
            takes.incrementAndGet();
            return loop.call(() -> new ipmpd.agent.metrics.EngineMetrics.Taken(engine.snapshot(), engine.modelGeneration()));
        }
    }

    private static Map<String, String> collect(ipmpd.agent.metrics.EngineMetrics m) throws Exception {
        ipmpd.agent.metrics.Exposition e = new ipmpd.agent.metrics.Exposition();
        m.collect(e);
        return samples(e.render(ipmpd.agent.metrics.Exposition.Format.TEXT));
    }

    @Test
    void scrapesWhileTheModelStandsStillTakeNoSnapshot() throws Exception {
        f.awaitProbesOk();
        CountingReads reads = new CountingReads(f.daemon.loop(), true);
        ipmpd.agent.metrics.EngineMetrics m = new ipmpd.agent.metrics.EngineMetrics(reads, System::currentTimeMillis);
        String sent = "ipmpd_member_probes_sent_total{group=\"g0\",interface=\"tst0\"}";
        // probes go on (statistics only); look for a window of scrapes in which the model did not change
        for (int attempt = 0; attempt < 50; attempt++) {
            long generation = reads.modelGeneration();
            int takes = reads.takes.get();
            double first = value(collect(m), sent);
            Await.until("a probe sent", () -> {
                ipmpd.engine.ProbeStatistics p = reads.probeStatistics("tst0");
                return p != null && p.probesSent() > first;
            });
            Map<String, String> last = collect(m);
            if (reads.modelGeneration() == generation) {
                assertTrue(reads.takes.get() - takes <= 1, "one snapshot at most for a model generation");
                assertTrue(value(last, sent) > first, "live probe counters without a snapshot: " + first + " then " + last);
                return;
            }
        }
        throw new AssertionError("the model changed between every two probes, 50 times in a row");
    }

    @Test
    void countersNeverGoBackWhenTheEngineHasNotPublishedThem() throws Exception {
        f.awaitProbesOk();
        ipmpd.agent.metrics.EngineMetrics live = new ipmpd.agent.metrics.EngineMetrics(
                new CountingReads(f.daemon.loop(), true), System::currentTimeMillis);
        CountingReads unpublished = new CountingReads(f.daemon.loop(), false);
        ipmpd.agent.metrics.EngineMetrics fallback = new ipmpd.agent.metrics.EngineMetrics(unpublished,
                System::currentTimeMillis);
        String acked = "ipmpd_member_probes_acked_total{group=\"g0\",interface=\"tst1\"}";
        collect(fallback); // the snapshot kept from now on (while the model stands still) holds older counters
        Await.until("probes answered", () -> {
            try {
                return value(collect(live), acked) >= 3;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        double published = value(collect(live), acked);
        int takes = unpublished.takes.get();
        double read = value(collect(fallback), acked);
        assertTrue(read >= published, "a fresh snapshot's counters (" + read + "), not the kept one's, after " + published);
        assertTrue(unpublished.takes.get() > takes, "a snapshot taken for the statistics");
    }

    @Test
    void closeStopsListening() throws Exception {
        URI u = uri("/metrics");
        f.daemon.close();
        try {
            http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("still answering after close");
        } catch (IOException expected) {
            // refused: nothing listens
        }
    }
}
