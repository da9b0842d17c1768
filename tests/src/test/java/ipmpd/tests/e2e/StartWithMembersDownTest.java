package ipmpd.tests.e2e;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.CLIENT;
import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 19 / seed 003: the daemon starts before the network is up (the shipped unit's
 * Before=network.target), with every member down. The hostname files' data address is kept and
 * placed as soon as a member can host it; the result is the same as a start with the members up.
 */
@Timeout(120)
class StartWithMembersDownTest extends E2eBase {

    /** Links administratively down at start: hostname.IF's "up" sets them up, as ifconfig does. */
    @Test
    void linksAdministrativelyDownAreSetUpByTheHostnameFiles() {
        testbed();
        for (int n = 1; n <= 3; n++) {
            tb.ip(HOST, "link", "set", m(n), "down");
        }
        start(tutorialConfig());
        for (int n = 1; n <= 3; n++) {
            daemon.awaitLog(q("Link " + m(n) + " was administratively down: set up (ifconfig " + m(n) + " up)") + "$",
                    Duration.ofSeconds(10));
        }
        assertFalse(daemon.log().contains("SIOCLIFADDIF"), daemon.log());
        awaitAllOk(Duration.ofSeconds(20));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(5));
        awaitIpmpstatOn(DATA, 1, Duration.ofSeconds(5));
        assertTrue(tb.ping(CLIENT, null, null, DATA, Duration.ofSeconds(5)), "client pings " + DATA + "\n" + daemon.log());
        daemon.hup();
        awaitKernelOn(DATA, 1, Duration.ofSeconds(5));
        awaitIpmpstatOn(DATA, 1, Duration.ofSeconds(5));

        // Set down behind the daemon's back: shown down, failed and 'd' (unit 0 follows the kernel's
        // IFF_UP), never UP/ok; ipmpadm IF up sets it up.
        tb.ip(HOST, "link", "set", m(2), "down");
        Await.until(() -> m(2) + " failed: " + daemon.ipmpstat("-i"), Duration.ofSeconds(5),
                () -> row(2).get("LINK").equals("down") && row(2).get("STATE").equals("failed"));
        Await.until(() -> m(2) + " shown down: " + daemon.ipmpadm(m(2)).out() + daemon.ipmpstat("-i"), Duration.ofSeconds(5),
                () -> !daemon.ipmpadm(m(2)).out().contains("<UP,") && row(2).get("FLAGS").contains("d"));
        String status = daemon.ipmpadm(m(2)).out();
        assertFalse(status.contains("RUNNING"), status);
        int mark = daemon.mark();
        IpmpdProcess.ToolResult up = daemon.ipmpadm(m(2), "up");
        assertTrue(up.ok(), up.toString());
        daemon.awaitLog(mark, q("Link " + m(2) + " was administratively down: set up (ifconfig " + m(2) + " up)") + "$",
                Duration.ofSeconds(5));
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(2) + " of group " + GROUP) + "$",
                Duration.ofMillis(2 * FDT_MS).plus(SLACK).plusSeconds(5));
        assertTrue(tb.ip(HOST, "-o", "link", "show", m(2)).contains("state UP"), tb.ip(HOST, "-o", "link", "show", m(2)));
        assertTrue(daemon.ipmpadm(m(2)).out().contains("<UP,"), daemon.ipmpadm(m(2)).out());
        awaitKernelOn("192.0.2.12", 2, Duration.ofSeconds(5));

        // Down and up again with ip(8): unit 0 follows the kernel both ways.
        tb.ip(HOST, "link", "set", m(3), "down");
        Await.until(() -> m(3) + " shown down: " + daemon.ipmpadm(m(3)).out(), Duration.ofSeconds(5),
                () -> !daemon.ipmpadm(m(3)).out().contains("<UP,") && row(3).get("STATE").equals("failed"));
        mark = daemon.mark();
        tb.ip(HOST, "link", "set", m(3), "up");
        daemon.awaitLog(mark, q("IP interface repair detected on " + m(3) + " of group " + GROUP) + "$",
                Duration.ofMillis(2 * FDT_MS).plus(SLACK).plusSeconds(5));
        assertTrue(daemon.ipmpadm(m(3)).out().contains("<UP,"), daemon.ipmpadm(m(3)).out());
        awaitKernelOn("192.0.2.13", 3, Duration.ofSeconds(5));
        daemon.stop();
    }

    /** Cables unplugged at start (a boot with the switch off), plugged in afterwards. */
    @Test
    void cablesUnpluggedAtStartThenPluggedIn() {
        testbed();
        for (int n = 1; n <= 3; n++) {
            tb.pullCable(n);
        }
        for (int n = 1; n <= 3; n++) {
            tb.awaitCarrier(n, false, Duration.ofSeconds(5));
        }
        start(tutorialConfig());
        daemon.awaitLog(q("All IP interfaces in group " + GROUP + " are now unusable") + "$", Duration.ofSeconds(10));
        assertFalse(daemon.log().contains("SIOCLIFADDIF"), daemon.log());
        // Kept in the model while no member can host it, and never shown on a working member.
        Await.until(() -> DATA + " in ipmpstat -a: " + daemon.ipmpstat("-a"), Duration.ofSeconds(5),
                () -> daemon.parsable("-a", "ADDRESS").stream().anyMatch(r -> r.get(0).equals(DATA)));
        for (int n = 1; n <= 3; n++) {
            assertEquals("down", row(n).get("LINK"), daemon.ipmpstat("-i").out());
            assertEquals("failed", row(n).get("STATE"), daemon.ipmpstat("-i").out());
        }

        // Only m2's cable first: the address goes there and answers.
        tb.plugCable(2);
        awaitKernelOn(DATA, 2, Duration.ofSeconds(10));
        awaitIpmpstatOn(DATA, 2, Duration.ofSeconds(5));
        assertTrue(tb.ping(CLIENT, null, null, DATA, Duration.ofSeconds(5)), "client pings " + DATA + " on m2\n" + daemon.log());

        // Then the others: it comes home to m1, as if the boot had found the links up.
        tb.plugCable(1);
        tb.plugCable(3);
        awaitAllOk(Duration.ofSeconds(20));
        awaitKernelOn(DATA, 1, Duration.ofSeconds(5));
        awaitIpmpstatOn(DATA, 1, Duration.ofSeconds(5));
        assertTrue(tb.ping(CLIENT, null, null, DATA, Duration.ofSeconds(5)), "client pings " + DATA + " on m1\n" + daemon.log());

        daemon.hup();
        awaitKernelOn(DATA, 1, Duration.ofSeconds(5));
        awaitIpmpstatOn(DATA, 1, Duration.ofSeconds(5));
        assertEquals(List.of(m(1)), kernelHolders(DATA));
        assertTrue(tb.ping(CLIENT, null, null, DATA, Duration.ofSeconds(5)), "client pings " + DATA + " after SIGHUP");
        daemon.stop();
    }
}
