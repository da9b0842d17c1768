package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.ClientTraffic;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where addresses go on repair and failure: FAILBACK=no (INACTIVE members) and standby members. */
@Timeout(120)
class FailbackAndStandbyTest extends E2eBase {

    @Test
    void failbackNoLeavesTheRepairedMemberInactiveUntilAnotherFails() {
        testbed();
        start(tutorialConfig().mpathd(mpathd(FDT_MS, false)));
        awaitAllOk(Duration.ofSeconds(15));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        startTraffic(DATA);

        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + GROUP) + "$", Duration.ofSeconds(3));
        Await.until("data address off m1", Duration.ofSeconds(3), () -> {
            List<String> h = kernelHolders(DATA);
            return h.size() == 1 && !h.get(0).equals(m(1));
        });
        String host = kernelHolder(DATA);
        int hostN = host.equals(m(2)) ? 2 : 3;

        mark = daemon.mark();
        tb.plugCable(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$",
                Duration.ofMillis(2L * FDT_MS).plus(SLACK));
        // FAILBACK=no: m1 becomes INACTIVE and takes nothing back
        Await.until(() -> "m1 inactive: " + daemon.ipmpstat("-i"), Duration.ofSeconds(2),
                () -> "no".equals(row(1).get("ACTIVE")));
        assertRow(1, "no", "i------", "up", "ok", "ok");
        assertTrue(daemon.findLog(mark, "Successfully failed back").isEmpty(), daemon.log());
        assertEquals(List.of(host), kernelHolders(DATA), "the address stays on " + host);
        String g = daemon.ipmpstat("-g").out();
        assertTrue(g.contains("(" + m(1) + ")"), "m1 listed as inactive: " + g);

        // the member now hosting the address fails: the inactive m1 is the first choice
        mark = daemon.mark();
        tb.pullCable(hostN);
        daemon.awaitLog(mark, q("IP interface failure detected on " + host + " of group " + GROUP) + "$", Duration.ofSeconds(3));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(3));
        assertRow(1, "yes", null, "up", "ok", "ok");
        assertTrue(row(1).get("FLAGS").charAt(0) == '-', "m1 no longer inactive: " + daemon.ipmpstat("-i"));
        ClientTraffic.Report r = measureAndStop("FAILBACK=no: m1 pulled, plugged (stays inactive), " + host + " pulled");
        assertTrue(r.pingsLost() <= 40, "two link failovers: " + r);
        tb.plugCable(hostN);
        daemon.stop();
    }

    @Test
    void standbyMemberCarriesDataOnlyWhileAnotherIsFailed() {
        testbed();
        start(tutorialConfig()
                .file("hostname." + m(3), "192.0.2.13/24 deprecated -failover group " + GROUP + " standby up"));
        awaitAllOk(Duration.ofSeconds(15));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        assertRow(3, "no", "is-----", "up", "ok", "ok");
        assertTrue(daemon.ipmpstat("-g").out().contains("(" + m(3) + ")"), daemon.ipmpstat("-g").out());
        startTraffic(DATA);

        int mark = daemon.mark();
        tb.pullCable(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + GROUP) + "$", Duration.ofSeconds(3));
        // the standby is the first choice, although m2 is as good and hosts nothing either
        awaitKernelOn(DATA, 3, Duration.ofSeconds(3));
        awaitIpmpstatOn(DATA, 3, Duration.ofSeconds(2));
        assertEquals("yes", row(3).get("ACTIVE"), daemon.ipmpstat("-i").out());
        assertEquals('-', row(3).get("FLAGS").charAt(0), daemon.ipmpstat("-i").out());
        assertEquals('s', row(3).get("FLAGS").charAt(1), daemon.ipmpstat("-i").out());
        ClientTraffic.Report r = measureAndStop("standby: m1 pulled, " + DATA + " to standby " + m(3));
        assertTrue(r.pingsLost() <= 20, r.toString());

        startTraffic(DATA);
        mark = daemon.mark();
        tb.plugCable(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$",
                Duration.ofMillis(2L * FDT_MS).plus(SLACK));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        Await.until(() -> "standby inactive again: " + daemon.ipmpstat("-i"), Duration.ofSeconds(2),
                () -> row(3).get("FLAGS").equals("is-----"));
        assertRow(3, "no", "is-----", "up", "ok", "ok");
        ClientTraffic.Report back = measureAndStop("standby: m1 plugged, failback from " + m(3));
        assertTrue(back.pingsLost() <= 20, back.toString());
        daemon.stop();
    }
}
