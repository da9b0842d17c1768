package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.FailoverDestination.Kind;
import ipmpd.sim.Scenario;

import java.util.Set;

import org.junit.jupiter.api.Test;

/** in.mpathd's get_failover_dst() and the failure_state() rules, on live engine state. */
class FailoverRulesTest {
    private final Scenario s = new Scenario();

    private Group group(String name) {
        return s.engine().membership.groups.get(name);
    }

    private Phyint member(String name) {
        return s.engine().membership.phyints.get(name);
    }

    private void run(String... lines) throws Exception {
        for (String l : lines) {
            s.run(l);
        }
    }

    @Test
    void tiesGoToTheNewestMemberAndSparesComeFirst() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up",
                "ifconfig net2 plumb 192.0.2.30/24 group prod up");
        Set<Family> v4 = Set.of(Family.INET);
        assertEquals("net2", FailoverDestination.choose(group("prod"), member("net0"), v4, Kind.FAILURE).name,
                "one data address each: the newest member");
        run("ifconfig net2 addif 192.0.2.31/24 up");
        assertEquals("net1", FailoverDestination.choose(group("prod"), member("net0"), v4, Kind.FAILURE).name,
                "fewest UP data addresses");
        run("ifconfig net3 plumb 192.0.2.40/24 deprecated -failover group prod standby up");
        assertEquals("net3", FailoverDestination.choose(group("prod"), member("net0"), v4, Kind.FAILURE).name,
                "a spare first");
        assertEquals("net1", FailoverDestination.choose(group("prod"), member("net3"), v4, Kind.FROM_STANDBY).name,
                "from a standby: no preference for spares, the fewest addresses (ties to the newest)");
        // a member lacking a family the source has is never chosen
        run("ifconfig net0 inet6 plumb up", "ifconfig net2 inet6 plumb up");
        assertEquals("net2", FailoverDestination.choose(group("prod"), member("net0"),
                Set.of(Family.INET, Family.INET6), Kind.FAILURE).name);
    }

    @Test
    void leavingFallsBackToAFailedMemberOtherKindsToNothing() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up",
                "ifconfig net2 plumb 192.0.2.30/24 group prod up",
                "link net0 down", "link net1 down");
        Set<Family> v4 = Set.of(Family.INET);
        assertNull(FailoverDestination.choose(group("prod"), member("net2"), v4, Kind.FAILURE));
        assertEquals("net0", FailoverDestination.choose(group("prod"), member("net2"), v4, Kind.LEAVING).name,
                "in.mpathd's last choice: the last failed member seen, newest first, so the oldest");
        run("link net1 up");
        assertEquals("net1", FailoverDestination.choose(group("prod"), member("net2"), v4, Kind.LEAVING).name);
        run("if_mpadm -d net2");
        assertTrue(member("net2").offline());
        assertEquals("net0", FailoverDestination.choose(group("prod"), member("net1"), v4, Kind.LEAVING).name,
                "never an offline member, even as the last choice");
    }

    @Test
    void aLoneProbingMemberIsAlone() throws Exception {
        run("host 192.0.2.1 router",
                "ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net0 addif 192.0.2.11/24 deprecated -failover up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up", "wait 5s");
        assertTrue(FailureState.alone(group("prod"), member("net0")), "net1 has no test address");
        run("ifconfig net1 addif 192.0.2.21/24 deprecated -failover up", "wait 5s");
        assertFalse(FailureState.alone(group("prod"), member("net0")));
    }

    @Test
    void afterAGroupFailureOnlyTheMembersStillLosingProbesAreNotRecovering() throws Exception {
        run("host 192.0.2.1 router");
        for (int k = 0; k < 3; k++) {
            run("ifconfig net" + k + " plumb 192.0.2." + (10 * k + 10) + "/24 group prod up",
                    "ifconfig net" + k + " addif 192.0.2." + (10 * k + 11) + "/24 deprecated -failover up");
        }
        run("wait 30s", "host 192.0.2.1 down", "wait 15s");
        for (int k = 0; k < 3; k++) {
            assertTrue(member("net" + k).failed());
            assertFalse(FailureState.recovering(member("net" + k)), "all still losing probes");
        }
        run("cut net2", "host 192.0.2.1 up", "wait 3s");
        assertTrue(member("net0").failed() && member("net1").failed(), "not yet 10 replies");
        assertTrue(FailureState.recovering(member("net0")));
        assertTrue(FailureState.recovering(member("net1")));
        assertFalse(FailureState.recovering(member("net2")), "its path is still cut");
        run("link net1 down");
        assertFalse(FailureState.recovering(member("net1")), "link down");
    }
}
