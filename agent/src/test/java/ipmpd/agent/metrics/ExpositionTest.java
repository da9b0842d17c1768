package ipmpd.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The two exposition formats, written out whole, and what promtool says of the text format. */
class ExpositionTest {

    private static Exposition sample() {
        Exposition e = new Exposition();
        e.stateSet("ipmpd_group_state", "State of the group", List.of("ok", "degraded", "failed"))
                .state("degraded", "group", "prod");
        e.counter("ipmpd_member_failures_total", null, "Failures")
                .add(3, "group", "prod", "interface", "eth0")
                .add(0, "group", "prod", "interface", "eth1");
        e.gauge("ipmpd_target_rtt_seconds", "seconds", "Round-trip time")
                .add(0.000412, "group", "prod", "interface", "eth0", "target", "2001:db8::1");
        e.gauge("ipmpd_odd", null, "A help text with a \\ backslash,\na line feed and \"quotes\"")
                .add(1, "label", "back\\slash \"quoted\"\nnext line");
        e.gauge("ipmpd_empty", null, "A family without samples");
        return e;
    }

    @Test
    void textFormat() {
        assertEquals("""
                # HELP ipmpd_group_state State of the group
                # TYPE ipmpd_group_state gauge
                ipmpd_group_state{group="prod",ipmpd_group_state="ok"} 0
                ipmpd_group_state{group="prod",ipmpd_group_state="degraded"} 1
                ipmpd_group_state{group="prod",ipmpd_group_state="failed"} 0
                # HELP ipmpd_member_failures_total Failures
                # TYPE ipmpd_member_failures_total counter
                ipmpd_member_failures_total{group="prod",interface="eth0"} 3
                ipmpd_member_failures_total{group="prod",interface="eth1"} 0
                # HELP ipmpd_target_rtt_seconds Round-trip time
                # TYPE ipmpd_target_rtt_seconds gauge
                ipmpd_target_rtt_seconds{group="prod",interface="eth0",target="2001:db8::1"} 0.000412
                # HELP ipmpd_odd A help text with a \\\\ backslash,\\na line feed and "quotes"
                # TYPE ipmpd_odd gauge
                ipmpd_odd{label="back\\\\slash \\"quoted\\"\\nnext line"} 1
                # HELP ipmpd_empty A family without samples
                # TYPE ipmpd_empty gauge
                """, sample().render(Exposition.Format.TEXT));
    }

    @Test
    void openMetrics() {
        assertEquals("""
                # TYPE ipmpd_group_state stateset
                # HELP ipmpd_group_state State of the group
                ipmpd_group_state{group="prod",ipmpd_group_state="ok"} 0
                ipmpd_group_state{group="prod",ipmpd_group_state="degraded"} 1
                ipmpd_group_state{group="prod",ipmpd_group_state="failed"} 0
                # TYPE ipmpd_member_failures counter
                # HELP ipmpd_member_failures Failures
                ipmpd_member_failures_total{group="prod",interface="eth0"} 3
                ipmpd_member_failures_total{group="prod",interface="eth1"} 0
                # TYPE ipmpd_target_rtt_seconds gauge
                # UNIT ipmpd_target_rtt_seconds seconds
                # HELP ipmpd_target_rtt_seconds Round-trip time
                ipmpd_target_rtt_seconds{group="prod",interface="eth0",target="2001:db8::1"} 0.000412
                # TYPE ipmpd_odd gauge
                # HELP ipmpd_odd A help text with a \\\\ backslash,\\na line feed and \\"quotes\\"
                ipmpd_odd{label="back\\\\slash \\"quoted\\"\\nnext line"} 1
                # TYPE ipmpd_empty gauge
                # HELP ipmpd_empty A family without samples
                # EOF
                """, sample().render(Exposition.Format.OPENMETRICS));
    }

    @Test
    void numbersHaveNoExponent() {
        assertEquals("0", Exposition.number(0));
        assertEquals("1700000000", Exposition.number(1.7e9));
        assertEquals("1700000000.123", Exposition.number(1700000000.123));
        assertEquals("0.000000001", Exposition.number(1e-9));
        assertEquals("0.7", Exposition.number(700 / 1000.0));
        assertEquals("-2.5", Exposition.number(-2.5));
        assertEquals("NaN", Exposition.number(Double.NaN));
        assertEquals("+Inf", Exposition.number(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", Exposition.number(Double.NEGATIVE_INFINITY));
        assertFalse(Exposition.number(1e300).contains("E"));
    }

    @Test
    void badDeclarationsAndSamplesAreRefused() {
        Exposition e = new Exposition();
        assertThrows(IllegalArgumentException.class, () -> e.counter("ipmpd_failures", null, "no _total"));
        assertThrows(IllegalArgumentException.class, () -> e.gauge("ipmpd-dash", null, "bad name"));
        assertThrows(IllegalArgumentException.class, () -> e.gauge("ipmpd_rtt_ms", "seconds", "unit not in the name"));
        Exposition.Family g = e.gauge("ipmpd_ok", null, "fine");
        assertThrows(IllegalArgumentException.class, () -> e.gauge("ipmpd_ok", null, "twice"));
        assertThrows(IllegalArgumentException.class, () -> g.add(1, "odd"));
        assertThrows(IllegalArgumentException.class, () -> g.add(1, "bad-label", "x"));
        assertThrows(IllegalArgumentException.class, () -> g.add(1, "__reserved", "x"));
        assertThrows(IllegalArgumentException.class, () -> g.add(1, "group", null));
        assertThrows(IllegalStateException.class, () -> g.state("ok"));
        Exposition.Family s = e.stateSet("ipmpd_s", "states", List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> s.state("c"));
        assertThrows(IllegalStateException.class, () -> s.add(1));
        assertEquals("", new Exposition().render(Exposition.Format.TEXT));
        assertEquals("# EOF\n", new Exposition().render(Exposition.Format.OPENMETRICS));
    }

    @Test
    void acceptHeaders() {
        assertTrue(MetricsServer.wantsOpenMetrics("application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assertTrue(MetricsServer.wantsOpenMetrics("text/plain;q=0.5, Application/OpenMetrics-Text; q=0.9"));
        assertFalse(MetricsServer.wantsOpenMetrics("application/openmetrics-text;q=0"));
        assertFalse(MetricsServer.wantsOpenMetrics("text/plain;version=0.0.4"));
        assertFalse(MetricsServer.wantsOpenMetrics("*/*"));
        assertFalse(MetricsServer.wantsOpenMetrics(null));
        assertTrue(MetricsServer.acceptsGzip("gzip"));
        assertTrue(MetricsServer.acceptsGzip("deflate, gzip;q=1.0, *;q=0.5"));
        assertFalse(MetricsServer.acceptsGzip("identity"));
    }

    @Test
    void promtoolAcceptsTheTextFormat() throws Exception {
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        String text = sample().render(Exposition.Format.TEXT);
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, p.exitValue(), out + "\non:\n" + text);
        assertEquals("", out.strip(), "promtool's remarks on:\n" + text);
    }
}
