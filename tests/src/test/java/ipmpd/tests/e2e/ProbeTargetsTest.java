package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.ROUTER;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.TutorialTestbed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Target selection from the routing table (mode "routes"), with a router that ignores echo to
 * 224.0.0.1 as Linux does by default, so multicast discovery cannot stand in for it.
 */
@Timeout(120)
class ProbeTargetsTest extends E2eBase {

    @Test
    void defaultRouterIsTheTarget() {
        testbed(TutorialTestbed.builder().defaultRouteVia(1));
        tb.sysctl(ROUTER, "net.ipv4.icmp_echo_ignore_broadcasts=1");
        start(tutorialConfig());
        awaitRoutesMode();
        daemon.stop();
    }

    /**
     * The tutorial testbed's default route has one next hop per member (RTA_MULTIPATH): its
     * router is every member's target.
     */
    @Test
    void multipathDefaultRouterIsTheTarget() {
        testbed();
        tb.sysctl(ROUTER, "net.ipv4.icmp_echo_ignore_broadcasts=1");
        start(tutorialConfig());
        awaitRoutesMode();
        daemon.stop();
    }

    private void awaitRoutesMode() {
        Await.until(() -> "routes mode, target 192.0.2.1: " + daemon.ipmpstat("-t").out() + daemon.ipmpstat("-i").out(),
                Duration.ofSeconds(10), () -> {
                    List<List<String>> rows = daemon.parsable("-t", "INTERFACE,MODE,TARGETS");
                    return rows.size() == 3 && rows.stream().allMatch(r -> r.get(1).equals("routes")
                            && r.get(2).equals(TutorialTestbed.ROUTER_V4));
                });
        awaitAllOk(Duration.ofSeconds(10));
        assertEquals(3, daemon.interfaces().size());
    }
}
