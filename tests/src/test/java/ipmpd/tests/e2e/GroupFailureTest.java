package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.ROUTER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The only target stops answering: every member fails at once, nothing moves. */
@Timeout(120)
class GroupFailureTest extends E2eBase {

    @Test
    void silentRouterIsAGroupFailureAndNothingMoves() {
        startTutorialWithTraffic();

        int mark = daemon.mark();
        tb.sysctl(ROUTER, "net.ipv4.icmp_echo_ignore_all=1");
        daemon.awaitLog(mark, q("All IP interfaces in group " + GROUP + " are now unusable") + "$",
                Duration.ofMillis(FDT_MS).plus(SLACK));
        assertTrue(daemon.findLog(mark, "Successfully failed over").isEmpty(), daemon.log());
        assertEquals(List.of(m(1)), kernelHolders(DATA), "the data address stays on m1");
        for (int n = 1; n <= 3; n++) {
            assertRow(n, "no", null, "up", "failed", "failed");
        }
        String g = daemon.ipmpstat("-g").out();
        assertTrue(g.lines().anyMatch(l -> l.matches(GROUP + "\\s+" + GROUP + "\\s+failed\\s+.*")), g);

        mark = daemon.mark();
        tb.sysctl(ROUTER, "net.ipv4.icmp_echo_ignore_all=0");
        IpmpdProcess.LogLine usable = daemon.awaitLog(mark, "At least 1 IP interface \\((" + q(m(1)) + "|" + q(m(2)) + "|"
                + q(m(3)) + ")\\) in group " + q(GROUP) + " is now usable$", Duration.ofMillis(2L * FDT_MS).plus(SLACK));
        System.out.println("group repair: " + usable.message());
        // the members repair one by one; those not yet repaired are answered again (recovering,
        // in.mpathd's failure_state), so they keep their addresses: nothing moves
        awaitAllOk(Duration.ofMillis(3L * FDT_MS).plus(SLACK));
        assertTrue(daemon.findLog(mark, "Successfully failed over").isEmpty(), daemon.log());
        assertTrue(daemon.ipmpstat("-g").out().contains(" ok "), daemon.ipmpstat("-g").out());
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        ClientTraffic.Report r = measureAndStop("group failure and repair, nothing moved");
        assertTrue(r.pingsLost() <= 20, "the data path never broke: " + r);
        daemon.stop();
    }
}
