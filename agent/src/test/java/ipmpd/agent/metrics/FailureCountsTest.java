package ipmpd.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ipmpd.engine.EngineListener.Detection;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureCountsTest {

    @Test
    void countsFailuresPerGroupAndInterfaceWithTheTimeOfTheLatest() {
        AtomicLong clock = new AtomicLong(1000);
        FailureCounts c = new FailureCounts(clock::get);
        assertNull(c.of("prod", "eth0"));
        c.interfaceFailed("eth0", "prod", Detection.LINK);
        clock.set(5000);
        c.interfaceFailed("eth0", "prod", Detection.PROBE_IPV4);
        c.interfaceRepaired("eth0", "prod", Detection.PROBE_IPV4);
        assertEquals(new FailureCounts.Failures(2, 5000), c.of("prod", "eth0"));
        assertNull(c.of("prod", "eth1"));
        assertNull(c.of("other", "eth0"), "counted per group the interface was in");
        c.interfaceFailed("eth2", null, Detection.LINK);
        assertEquals(new FailureCounts.Failures(1, 5000), c.of("", "eth2"));
        assertEquals(new FailureCounts.Failures(1, 5000), c.of(null, "eth2"));
    }
}
