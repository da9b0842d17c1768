package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.PrometheusServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Prometheus (the Debian package) scrapes the real daemon's /metrics every second on the
 * tutorial's testbed: through Prometheus's query API, the members are ok and probing, then cable 1
 * is pulled and m1's state, link state and failure count change, the group is degraded and the
 * SNMP traps are counted; plugged back, m1 is ok again and its failure stays counted.
 */
@Timeout(180)
class PrometheusTest extends E2eBase {
    private static final int METRICS_PORT = 9830;
    private static final int PROMETHEUS_PORT = 9090;
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private PrometheusServer prometheus;

    private String member(int n) {
        return "group=\"" + GROUP + "\",interface=\"" + m(n) + "\"";
    }

    private void await(String promql, double value) {
        prometheus.awaitValue(promql, value, LIMIT, () -> daemon.ipmpstat("-i").out() + "\n" + prometheus.output());
    }

    @Test
    void prometheusSeesAPulledCableAsAFailedMemberAndACountedFailure() {
        testbed();
        // with the SNMP agent (traps to a port where nothing listens) and the NETCONF server, whose counts show too
        start(tutorialConfig().file("agent.conf", "metrics.listen=127.0.0.1:" + METRICS_PORT,
                "snmp.listen=udp:127.0.0.1/1161", "snmp.trap.nowhere=udp:127.0.0.1/1162 v2c public trap",
                "netconf.listen=127.0.0.1:8830"));
        awaitAllOk(Duration.ofSeconds(15));
        prometheus = closeLater(PrometheusServer.start(tb.ns(HOST), PROMETHEUS_PORT,
                List.of("127.0.0.1:" + METRICS_PORT), LIMIT));

        await("up{job=\"ipmpd\"}", 1);
        for (int n = 1; n <= 3; n++) {
            await("ipmpd_member_state{" + member(n) + ",ipmpd_member_state=\"ok\"}", 1);
            await("ipmpd_member_failures_total{" + member(n) + "}", 0);
        }
        await("ipmpd_group_state{group=\"" + GROUP + "\",ipmpd_group_state=\"ok\"}", 1);
        // the configured FDT, or more when the targets are slow (a loaded machine)
        await("ipmpd_group_failure_detection_time_seconds{group=\"" + GROUP + "\"} >= bool " + FDT_MS / 1000.0, 1);
        await("ipmpd_member_probes_acked_total{" + member(2) + "} > bool 0", 1);
        await("count(ipmpd_target_rtt_seconds{" + member(2) + "} > 0)", 1);
        await("ipmpd_snmp_notifications_sent_total{kind=\"trap\"}", 1); // coldStart
        await("ipmpd_netconf_open_sessions", 0);
        Double lastFailure = prometheus.value("ipmpd_member_last_failure_timestamp_seconds{" + member(1) + "}");
        assertEquals(null, lastFailure, "no failure yet");

        long pulledAt = System.currentTimeMillis();
        tb.pullCable(1);
        await("ipmpd_member_state{" + member(1) + ",ipmpd_member_state=\"failed\"}", 1);
        await("ipmpd_member_failures_total{" + member(1) + "}", 1);
        await("ipmpd_member_link_state{" + member(1) + ",ipmpd_member_link_state=\"down\"}", 1);
        await("ipmpd_member_active{" + member(1) + "}", 0);
        await("ipmpd_group_state{group=\"" + GROUP + "\",ipmpd_group_state=\"degraded\"}", 1);
        assertEquals(0.0, prometheus.value("ipmpd_member_failures_total{" + member(2) + "}"));
        // linkDown, ipmpLinkDown, ipmpInterfaceFailed, ipmpAddressMoved, ipmpGroupStateChange after the coldStart
        await("ipmpd_snmp_notifications_sent_total{kind=\"trap\"} >= bool 6", 1);
        Double at = prometheus.value("ipmpd_member_last_failure_timestamp_seconds{" + member(1) + "}");
        assertNotNull(at, prometheus.query("{__name__=~\"ipmpd_member_last_failure.*\"}").toString());
        assertTrue(at * 1000 >= pulledAt - 1000 && at * 1000 <= System.currentTimeMillis(),
                "last failure " + at + " after the cable was pulled at " + pulledAt);

        tb.plugCable(1);
        await("ipmpd_member_state{" + member(1) + ",ipmpd_member_state=\"ok\"}", 1);
        await("ipmpd_group_state{group=\"" + GROUP + "\",ipmpd_group_state=\"ok\"}", 1);
        assertEquals(1.0, prometheus.value("ipmpd_member_failures_total{" + member(1) + "}"), "a repair is no failure");
        // every scrape succeeded, in OpenMetrics (what Prometheus asks for first): its parser accepted that format
        assertEquals(0.0, prometheus.value("count_over_time(up{job=\"ipmpd\"}[10m]) - sum_over_time(up{job=\"ipmpd\"}[10m])"));
        assertEquals(List.of("stateset"), prometheus.metadataTypes("ipmpd_group_state"));
        assertEquals(List.of("counter"), prometheus.metadataTypes("ipmpd_member_failures"));
        daemon.stop();
    }
}
