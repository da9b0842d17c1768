package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tutorial's section 1.6.2: cable 4 between the switches is cut. m1 and m2 keep their links
 * but their probes die; only probe-based detection can see it. The data address moves to m3 and
 * comes back when cable 4 is mended.
 */
@Timeout(120)
class ProbeFailureTest extends E2eBase {

    @Test
    void interSwitchCableCutIsDetectedByProbes() {
        startTutorialWithTraffic();

        int mark = daemon.mark();
        Instant cut = Instant.now();
        tb.pullCable(4);
        Duration limit = Duration.ofMillis(FDT_MS).plus(SLACK);
        IpmpdProcess.LogLine f1 = daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + GROUP) + "$", limit);
        IpmpdProcess.LogLine f2 = daemon.awaitLog(mark, q("IP interface failure detected on " + m(2) + " of group " + GROUP) + "$", limit);
        long d1 = Duration.between(cut, f1.received()).toMillis();
        long d2 = Duration.between(cut, f2.received()).toMillis();
        System.out.printf("cable 4 cut: failure of m1 detected after %d ms, m2 after %d ms (FDT %d ms)%n", d1, d2, FDT_MS);
        assertTrue(d1 <= limit.toMillis() && d2 <= limit.toMillis(), d1 + " / " + d2 + " ms");
        assertTrue(daemon.findLog(mark, "The link has gone down").isEmpty(), "no link went down:\n" + daemon.log());
        assertTrue(daemon.findLog(mark, "All IP interfaces in group").isEmpty(), "not a group failure:\n" + daemon.log());
        awaitKernelOn(DATA, 3, Duration.ofSeconds(2));
        awaitIpmpstatOn(DATA, 3, Duration.ofSeconds(2));
        for (int n = 1; n <= 2; n++) {
            assertRow(n, "no", null, "up", "failed", "failed");
        }
        assertRow(3, "yes", null, "up", "ok", "ok");
        IpmpdProcess.ToolResult g = daemon.ipmpstat("-g");
        assertTrue(g.out().lines().anyMatch(l -> l.matches(GROUP + "\\s+" + GROUP + "\\s+degraded\\s+1\\.00s\\s+"
                + q(m(3)) + " \\[(" + q(m(2)) + " " + q(m(1)) + "|" + q(m(1)) + " " + q(m(2)) + ")\\]")), g.toString());
        ClientTraffic.Report failover = measureAndStop("cable 4 cut, " + DATA + " moved to " + m(3));
        // the outage lasts until the probes declare the failure: about one FDT of 10 ms pings
        assertTrue(failover.pingsLost() <= (FDT_MS + SLACK.toMillis()) / 10, "pings lost: " + failover);

        startTraffic(DATA);
        mark = daemon.mark();
        Instant mended = Instant.now();
        tb.plugCable(4);
        Duration repairLimit = Duration.ofMillis(2L * FDT_MS).plus(SLACK);
        IpmpdProcess.LogLine r1 = daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$", repairLimit);
        IpmpdProcess.LogLine r2 = daemon.awaitLog(mark, q("IP interface repair detected on " + m(2) + " of group " + GROUP) + "$", repairLimit);
        System.out.printf("cable 4 mended: repair of m1 after %d ms, m2 after %d ms%n",
                Duration.between(mended, r1.received()).toMillis(), Duration.between(mended, r2.received()).toMillis());
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        awaitIpmpstatOn(DATA, 1, Duration.ofSeconds(2));
        assertTrue(daemon.ipmpstat("-g").out().contains(" ok "), daemon.ipmpstat("-g").out());
        ClientTraffic.Report failback = measureAndStop("cable 4 mended, failback to " + m(1));
        assertTrue(failback.pingsLost() <= 20, "pings lost on failback: " + failback);
        daemon.stop();
    }
}
