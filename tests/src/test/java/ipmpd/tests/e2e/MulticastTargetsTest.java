package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No default route: targets are found by echo to all hosts (224.0.0.1, ff02::1). Only the router
 * answers (the client ignores multicast echo; the host's own members are not targets).
 */
@Timeout(120)
class MulticastTargetsTest extends E2eBase {

    @Test
    void targetsAreDiscoveredByMulticastAndAPathCutIsStillDetected() {
        testbed(TutorialTestbed.builder().defaultRoute(false));
        start(tutorialConfig()
                .file("hostname6." + m(1), "-failover group " + GROUP + " up")
                .file("hostname6." + m(2), "-failover group " + GROUP + " up")
                .file("hostname6." + m(3), "-failover group " + GROUP + " up"));
        awaitAllOk(Duration.ofSeconds(20));
        String t = daemon.ipmpstat("-t").out();
        Await.until(() -> "multicast targets: " + daemon.ipmpstat("-t").out(), Duration.ofSeconds(10), () -> {
            List<List<String>> rows = daemon.parsable("-t", "INTERFACE,MODE,TESTADDR,TARGETS");
            return rows.size() == 6 && rows.stream().allMatch(r -> r.get(1).equals("multicast")
                    && (r.get(3).equals(TutorialTestbed.ROUTER_V4) || r.get(3).equals(TutorialTestbed.ROUTER_LL)));
        });
        t = daemon.ipmpstat("-t").out();
        System.out.println(t);
        assertTrue(t.lines().anyMatch(l -> l.matches(q(m(1)) + "\\s+multicast\\s+192\\.0\\.2\\.11\\s+192\\.0\\.2\\.1")), t);

        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        startTraffic(DATA);
        int mark = daemon.mark();
        tb.cutPath(1);
        daemon.awaitLog(mark, q("IP interface failure detected on " + m(1) + " of group " + GROUP) + "$",
                Duration.ofMillis(FDT_MS).plus(SLACK));
        assertTrue(daemon.findLog(mark, "The link has gone down").isEmpty(), daemon.log());
        assertRow(1, "no", null, "up", "failed", "failed");
        Await.until("data address off m1", Duration.ofSeconds(3), () -> {
            List<String> h = kernelHolders(DATA);
            return h.size() == 1 && !h.get(0).equals(m(1));
        });
        ClientTraffic.Report r = measureAndStop("multicast targets, path to m1 cut");
        assertTrue(r.pingsLost() <= (FDT_MS + SLACK.toMillis()) / 10, r.toString());

        mark = daemon.mark();
        tb.mendPath(1);
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(1) + " of group " + GROUP) + "$",
                Duration.ofMillis(2L * FDT_MS).plus(SLACK));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(2));
        assertEquals("multicast", daemon.parsable("-t", "INTERFACE,MODE").stream()
                .filter(row -> row.get(0).equals(m(1))).findFirst().orElseThrow().get(1));
        daemon.stop();
    }
}
