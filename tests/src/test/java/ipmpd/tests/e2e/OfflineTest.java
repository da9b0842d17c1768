package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import ipmpd.tests.testbed.ClientTraffic;
import ipmpd.tests.testbed.IpmpdProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** if_mpadm -d / -r against the running daemon, the real tool included. */
@Timeout(120)
class OfflineTest extends E2eBase {

    @Test
    void offlineMovesAddressesRefusesTheLastMemberAndUndoFailsBack() {
        startTutorialWithTraffic();

        IpmpdProcess.ToolResult d1 = daemon.ifMpadm("-d", m(1));
        assertEquals(0, d1.exit(), d1.toString());
        Await.until("data address off m1", Duration.ofSeconds(3), () -> {
            List<String> h = kernelHolders(DATA);
            return h.size() == 1 && !h.get(0).equals(m(1));
        });
        assertRow(1, "no", null, "up", null, "offline");
        assertEquals(0, daemon.ifMpadm("-d", m(2)).exit());
        awaitKernelOn(DATA, 3, Duration.ofSeconds(3));
        assertRow(2, "no", null, "up", null, "offline");

        // the real launcher, from the root namespace, through $IPMPD_SOCKET
        IpmpdProcess.ToolResult refused = daemon.launcher("if_mpadm", "-d", m(3));
        assertEquals(1, refused.exit(), refused.toString());
        assertEquals("if_mpadm: fatal: cannot offline " + m(3)
                + ": no other functioning interfaces are in its IPMP group\n", refused.err(), refused.toString());
        assertEquals("", refused.out());
        assertRow(3, "yes", null, "up", "ok", "ok");
        IpmpdProcess.ToolResult again = daemon.ifMpadm("-d", m(1));
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("interface " + m(1) + " is already offline"), again.toString());

        IpmpdProcess.ToolResult r1 = daemon.launcher("if_mpadm", "-r", m(1));
        assertEquals(0, r1.exit(), r1.toString());
        awaitKernelOn(DATA, 1, Duration.ofSeconds(3));
        assertEquals(0, daemon.ifMpadm("-r", m(2)).exit());
        Await.until(() -> "all online: " + daemon.ipmpstat("-i"), Duration.ofSeconds(3),
                () -> daemon.interfaces().values().stream().allMatch(r -> r.get("STATE").equals("ok")));
        IpmpdProcess.ToolResult notOff = daemon.ifMpadm("-r", m(3));
        assertEquals(1, notOff.exit());
        assertTrue(notOff.err().contains("interface " + m(3) + " is not offline"), notOff.toString());
        ClientTraffic.Report r = measureAndStop("offline m1, m2; refused m3; undo m1, m2");
        assertTrue(r.pingsLost() <= 20, "planned moves lose (almost) nothing: " + r);
        daemon.stop();
    }
}
