package ipmpd.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsSettingsTest {

    private static InetSocketAddress listen(String v) throws Exception {
        return MetricsSettings.parse(Map.of(MetricsSettings.LISTEN, v)).orElseThrow().listen();
    }

    private static String refused(String v) {
        return assertThrows(MetricsSettings.SettingsException.class, () -> listen(v)).getMessage();
    }

    @Test
    void offUnlessSet() throws Exception {
        assertTrue(MetricsSettings.parse(Map.of()).isEmpty());
        assertTrue(MetricsSettings.parse(Map.of(MetricsSettings.LISTEN, " ")).isEmpty());
    }

    @Test
    void addressAndPort() throws Exception {
        assertEquals(new InetSocketAddress("127.0.0.1", 9830), listen("127.0.0.1:9830"));
        assertEquals(new InetSocketAddress("0.0.0.0", 0), listen(" 0.0.0.0:0 "));
        assertEquals(new InetSocketAddress("::1", 9830), listen("[::1]:9830"));
        assertEquals(new InetSocketAddress("::", 65535), listen("[::]:65535"));
    }

    @Test
    void badValuesSaySo() {
        assertEquals("metrics.listen: expected ADDRESS:PORT, not 9830", refused("9830"));
        assertEquals("metrics.listen: an IPv6 address goes in brackets: [ADDRESS]:PORT, not ::1:9830",
                refused("::1:9830"));
        assertEquals("metrics.listen: expected [IPV6-ADDRESS]:PORT, not [::1]", refused("[::1]"));
        assertEquals("metrics.listen: 127.0.0.1 in brackets is not an IPv6 address", refused("[127.0.0.1]:1"));
        assertEquals("metrics.listen: localhost is not an IP address (e.g. 127.0.0.1:9830 or [::]:9830)",
                refused("localhost:9830"));
        assertEquals("metrics.listen: no address (e.g. 127.0.0.1:9830 or [::]:9830)", refused(":9830"));
        assertEquals("metrics.listen: bad port 65536 (0 to 65535)", refused("127.0.0.1:65536"));
        assertEquals("metrics.listen: bad port http (0 to 65535)", refused("127.0.0.1:http"));
        assertEquals("metrics.listen: bad port +80 (0 to 65535)", refused("127.0.0.1:+80"));
        assertEquals("metrics.listen: bad port (none) (0 to 65535)", refused("127.0.0.1:"));
    }
}
