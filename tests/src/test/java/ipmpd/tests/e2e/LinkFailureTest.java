package ipmpd.tests.e2e;

import ipmpd.testkit.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tutorial's section 1.6.1 on real links: cable 1 pulled and plugged back. */
@Timeout(120)
class LinkFailureTest extends E2eBase {

    @Test
    void pulledCableFailsOverAndPluggedCableFailsBack() {
        startTutorialWithTraffic();

        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("The link has gone down on " + m(1)) + "$", Duration.ofSeconds(3));
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + GROUP) + "$",
                Duration.ofSeconds(3));
        String survivor = awaitMoved(DATA, Duration.ofSeconds(3));
        assertRow(1, "no", null, "down", null, "failed");
        assertTrue(daemon.interfaces().get(m(1)).get("PROBE").matches("failed|unknown"), daemon.ipmpstat("-i").out());
        String human = daemon.ipmpstat("-i").out();
        assertTrue(human.lines().anyMatch(l -> l.matches(q(m(1)) + "\\s+no\\s+" + GROUP + "\\s+\\S+\\s+down\\s+\\S+\\s+failed")),
                human);
        ClientTraffic.Report failover = measureAndStop("cable 1 pulled, " + DATA + " moved to " + survivor);
        assertTrue(failover.pingsLost() <= 20, "pings lost on a link failover: " + failover);

        startTraffic(DATA);
        mark = daemon.mark();
        tb.plugCable(1);
        IpmpdProcess.LogLine up = daemon.awaitLog(mark, q("The link has come up on " + m(1)) + "$", Duration.ofSeconds(3));
        // repair needs 10 answered probes (interval FDT/7): about 1.4 s, and at most 2 FDT with slack
        IpmpdProcess.LogLine repaired = daemon.awaitLog(mark,
                q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$", Duration.ofMillis(2 * FDT_MS).plus(SLACK));
        long repairMs = Duration.between(up.received(), repaired.received()).toMillis();
        // ten answered probes, one per interval (FDT/7) at a random point of it: never at once
        assertTrue(repairMs >= 9L * FDT_MS / 7 / 2, "repair " + repairMs + " ms after the link came up");
        System.out.println("repair " + repairMs + " ms after the link came up");
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        assertRow(1, "yes", null, "up", "ok", "ok");
        ClientTraffic.Report failback = measureAndStop("cable 1 plugged, failback to " + m(1));
        assertTrue(failback.pingsLost() <= 20, "pings lost on failback: " + failback);
        daemon.stop();
    }

    /** Waits until the data address left m1 for exactly one other member and returns it. */
    String awaitMoved(String address, Duration limit) {
        ipmpd.testkit.Await.until(() -> address + " moved off " + m(1) + ": " + kernelHolders(address) + "\n" + daemon.log(),
                limit, () -> {
                    List<String> h = kernelHolders(address);
                    return h.size() == 1 && !h.get(0).equals(m(1));
                });
        String to = kernelHolder(address);
        assertNotEquals(m(1), to);
        assertEquals(1, kernelHolders(address).size());
        return to;
    }
}
