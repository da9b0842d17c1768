package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

/** A target's RTT estimate: a lone reply that would stretch the FDT is held back (in.mpathd's pi_set_crtt). */
class TargetRttTest {
    static final long MS = 1_000_000L;
    /** FDT 10 s: a probe interval of 10000 / 7 ms. */
    static final long INTERVAL = 10_000 * MS / 7;

    private static Target steady() throws Exception {
        Target t = new Target(InetAddress.getByName("192.0.2.1"), Target.Origin.ROUTER);
        for (int i = 0; i < 20; i++) {
            t.sample(1 * MS, INTERVAL);
        }
        return t;
    }

    @Test
    void oneSlowReplyAmongFastOnesChangesNothing() throws Exception {
        Target t = steady();
        long before = t.crttNs();
        t.sample(3000 * MS, INTERVAL);
        assertEquals(before, t.crttNs(), "a single 3 s reply is suspect and held back");
        t.sample(1 * MS, INTERVAL);
        assertTrue(t.crttNs() < INTERVAL / 4, "the held-back reply is dropped once a normal one comes: " + t.crttNs());
    }

    @Test
    void twoSlowRepliesInARowAreBelieved() throws Exception {
        Target t = steady();
        t.sample(3000 * MS, INTERVAL);
        t.sample(3000 * MS, INTERVAL);
        assertTrue(t.crttNs() > INTERVAL, "both slow replies count: " + t.crttNs());
    }

    @Test
    void aFirstReplyFasterThanTheIntervalCountsAtOnce() throws Exception {
        Target t = new Target(InetAddress.getByName("192.0.2.1"), Target.Origin.ROUTER);
        t.sample(20 * MS, INTERVAL);
        assertEquals(20 * MS, t.rttAvgNs());
        assertEquals(60 * MS, t.crttNs());
    }
}
