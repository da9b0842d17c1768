package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.sim.Scenario;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The flap guard of a member without test address (in.mpathd's phyint_repaired, LINK_UP_PERMIN 2). */
class FlapGuardTest {
    private static Scenario flapAt0And50And51() throws Exception {
        Scenario s = new Scenario();
        s.runAll(List.of("ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net1 plumb 192.0.2.20/24 group lan up",
                "link net0 down", "link net0 up", "wait 49s",
                "link net0 down", "wait 1s", "link net0 up", "wait 500ms",
                "link net0 down", "wait 500ms", "link net0 up"));
        return s;
    }

    @Test
    void aThirdLinkUpWithinAMinuteHoldsTheRepair() throws Exception {
        Scenario s = flapAt0And50And51();
        assertTrue(s.transcript().contains("@51.000 The link has come up on net0 more than 2 times in the last minute;"
                + " disabling repair until it stabilizes"), s.transcript());
    }

    @Test
    void theRepairWaitsUntilTheSecondLatestLinkUpIsAMinuteOld() throws Exception {
        Scenario s = flapAt0And50And51();
        s.run("wait 50s"); // @101: the first link-up is long gone, the one @50 is not
        assertFalse(s.transcript().contains("@60.000 IP interface repair detected on net0"), s.transcript());
        s.run("wait 10s");
        assertTrue(s.transcript().contains("@110.000 IP interface repair detected on net0 of group lan"),
                s.transcript());
    }
}
