package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import ipmpd.agent.platform.InterfaceStatistics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IfCountersTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private final AtomicInteger reads = new AtomicInteger();
    private final List<String> logged = new ArrayList<>();
    private volatile boolean failing;

    private InterfaceStatistics stats(long inOctets) {
        return new InterfaceStatistics(1500, new byte[] {2, 0, 0, 0, 0, 7}, 10_000, "", false, false, inOctets,
                0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private IfCounters counters() {
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        return new IfCounters(() -> {
            if (failing) {
                throw new IOException("dump link statistics: no reply from the kernel within 5000 ms");
            }
            return Map.of(7, stats(100L * reads.incrementAndGet()));
        }, log, clock::get);
    }

    @Test
    void aSampleServesEveryReaderForUpToASecond() {
        IfCounters c = counters();
        assertEquals(100, c.of(7).inOctets());
        clock.addAndGet(IfCounters.MAX_AGE_NS - 1);
        assertEquals(100, c.of(7).inOctets(), "the same sample");
        assertSame(InterfaceStatistics.NONE, c.of(8), "an interface the platform does not know");
        assertEquals(1, reads.get());
        clock.addAndGet(1);
        assertEquals(200, c.of(7).inOctets(), "read again once the sample is a second old");
        assertEquals(2, reads.get());
    }

    @Test
    void aFailedReadKeepsTheLastSampleAndIsLoggedOnce() {
        IfCounters c = counters();
        assertEquals(100, c.of(7).inOctets());
        failing = true;
        for (int i = 0; i < 3; i++) {
            clock.addAndGet(IfCounters.MAX_AGE_NS);
            assertEquals(100, c.of(7).inOctets(), "counters do not fall back to 0");
        }
        assertEquals(1, logged.stream().filter(l -> l.contains("Cannot read the interface counters")).count(), logged.toString());
        failing = false;
        clock.addAndGet(IfCounters.MAX_AGE_NS);
        assertEquals(200, c.of(7).inOctets());
        assertTrue(logged.stream().anyMatch(l -> l.contains("Interface counters can be read again")), logged.toString());
    }
}
