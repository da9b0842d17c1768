package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * VLAN members (seeds 002/003: link failure is per physical link, probing per VLAN link). This
 * kernel has no 802.1Q, so the VLAN links are macvlans stacked on the host's veths m1 and m2: the
 * same code path (a stacked device whose carrier follows its lower device). Two groups, "a" and
 * "b", each with one VLAN-like link on m1 and one on m2.
 */
@Timeout(120)
class VlanMembersTest extends E2eBase {
    static final String DATA_A = "192.0.2.51";
    static final String DATA_B = "192.0.2.52";

    /** The VLAN-like link {@code vlan} ("a" or "b") on member n. */
    String vlan(String vlan, int n) {
        return tb.prefix() + "-" + vlan + n;
    }

    void stackVlans() {
        for (int n = 1; n <= 2; n++) {
            for (String v : List.of("a", "b")) {
                tb.ip(HOST, "link", "add", vlan(v, n), "link", m(n), "type", "macvlan", "mode", "bridge");
                tb.ip(HOST, "link", "set", vlan(v, n), "up");
            }
        }
    }

    @Test
    void lowerDeviceCarrierLossFailsEveryVlanMemberOnIt() {
        testbed();
        stackVlans();
        start(IpmpdProcess.builder(tb.ns(HOST))
                .mpathd(mpathd(FDT_MS, true))
                .file("hostname." + vlan("a", 1), "192.0.2.21/24 deprecated -failover group a up",
                        "addif " + DATA_A + "/24 up")
                .file("hostname." + vlan("a", 2), "192.0.2.22/24 deprecated -failover group a up")
                .file("hostname." + vlan("b", 1), "192.0.2.31/24 deprecated -failover group b up",
                        "addif " + DATA_B + "/24 up")
                .file("hostname." + vlan("b", 2), "192.0.2.32/24 deprecated -failover group b up"));
        List<String> all = List.of(vlan("a", 1), vlan("a", 2), vlan("b", 1), vlan("b", 2));
        daemon.awaitProbesAnswered(Duration.ofSeconds(20), 2, all.toArray(String[]::new));
        assertEquals(List.of(vlan("a", 1)), kernelHolders(DATA_A));
        assertEquals(List.of(vlan("b", 1)), kernelHolders(DATA_B));
        assertTrue(daemon.findAll(0, "share the physical link").isEmpty(), "each group spans two physical links\n"
                + daemon.log());

        int mark = daemon.mark();
        tb.pullCable(1); // m1, the lower device of a1 and b1, loses carrier
        for (String[] g : new String[][] {{vlan("a", 1), "a"}, {vlan("b", 1), "b"}}) {
            daemon.awaitLog(mark, q("IP interface failure detected on " + g[0] + " of group " + g[1]) + "$",
                    Duration.ofSeconds(5));
        }
        Await.until(() -> "data addresses on the VLAN links of m2: " + tb.ip(HOST, "-o", "addr") + daemon.log(),
                Duration.ofSeconds(5), () -> kernelHolders(DATA_A).equals(List.of(vlan("a", 2)))
                        && kernelHolders(DATA_B).equals(List.of(vlan("b", 2))));
        for (String v : List.of(vlan("a", 1), vlan("b", 1))) {
            assertEquals("down", daemon.interfaces().get(v).get("LINK"), daemon.ipmpstat("-i").out());
            assertEquals("failed", daemon.interfaces().get(v).get("STATE"), daemon.ipmpstat("-i").out());
        }
        for (String v : List.of(vlan("a", 2), vlan("b", 2))) {
            assertEquals("ok", daemon.interfaces().get(v).get("STATE"), daemon.ipmpstat("-i").out());
        }
        assertTrue(tb.ping(ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT, null, null, DATA_A, Duration.ofSeconds(5)));
        assertTrue(tb.ping(ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT, null, null, DATA_B, Duration.ofSeconds(5)));

        tb.plugCable(1);
        Await.until(() -> "data addresses home: " + tb.ip(HOST, "-o", "addr") + daemon.log(), Duration.ofSeconds(15),
                () -> kernelHolders(DATA_A).equals(List.of(vlan("a", 1)))
                        && kernelHolders(DATA_B).equals(List.of(vlan("b", 1))));
        daemon.stop();
    }

    @Test
    void twoMembersOnOnePhysicalLinkAreWarnedAbout() {
        testbed();
        stackVlans();
        start(IpmpdProcess.builder(tb.ns(HOST))
                .mpathd(mpathd(FDT_MS, true))
                .file("hostname." + vlan("a", 1), "192.0.2.21/24 deprecated -failover group same up")
                .file("hostname." + vlan("b", 1), "192.0.2.31/24 deprecated -failover group same up")
                .file("hostname." + vlan("a", 2), "192.0.2.22/24 deprecated -failover group other up")
                .file("hostname." + m(2), "192.0.2.12/24 deprecated -failover group other up"));
        // Both orders of joining name the shared link the same way.
        IpmpdProcess.LogLine l = daemon.awaitLog("of group same share the physical link " + q(m(1))
                + ": a failure of " + q(m(1)) + " fails both \\(no redundancy between them\\)$", Duration.ofSeconds(10));
        assertTrue(l.message().contains(vlan("a", 1)) && l.message().contains(vlan("b", 1)), l.message());
        // A VLAN link and its own lower device in one group: the same.
        daemon.awaitLog("of group other share the physical link " + q(m(2)) + ": ", Duration.ofSeconds(10));
        daemon.stop();
    }
}
