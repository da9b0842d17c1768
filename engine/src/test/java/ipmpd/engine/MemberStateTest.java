package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineListener.Detection;
import ipmpd.sim.Scenario;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The rows of {@link MemberState}'s state/event table, driven through the simulator: the state, and
 * the separate facts (administrative offline, duplicate hardware address, how a failure was found).
 */
class MemberStateTest {
    private static Scenario group() throws Exception {
        Scenario s = new Scenario();
        s.runAll(List.of(
                "host 192.0.2.1 router",
                "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net0 addif 192.0.2.11/24 deprecated -failover up",
                "ifconfig net1 plumb 192.0.2.20/24 group lan up",
                "ifconfig net1 addif 192.0.2.21/24 deprecated -failover up",
                "ifconfig net2 plumb 192.0.2.30/24 group lan up",
                "wait 30s"));
        return s;
    }

    private static Phyint member(Scenario s, String name) {
        return s.engine().membership.phyints.get(name);
    }

    @Test
    void linkDownFailsARunningMemberAndLinkUpRepairsOneWithoutTargets() throws Exception {
        Scenario s = group();
        Phyint net2 = member(s, "net2");
        assertEquals(MemberState.RUNNING, net2.state);
        s.run("link net2 down");
        assertEquals(MemberState.FAILED, net2.state);
        assertEquals(Detection.LINK, net2.failedBy);
        s.run("link net2 up");
        assertEquals(MemberState.RUNNING, net2.state, "no test address: the link repairs it");
        assertNull(net2.failedBy);
    }

    @Test
    void lostProbesFailAMemberAndAnsweredOnesRepairIt() throws Exception {
        Scenario s = group();
        Phyint net1 = member(s, "net1");
        s.run("cut net1");
        s.run("wait 30s");
        assertEquals(MemberState.FAILED, net1.state);
        assertEquals(Detection.PROBE_IPV4, net1.failedBy);
        s.run("mend net1");
        s.run("wait 60s");
        assertEquals(MemberState.RUNNING, net1.state);
    }

    @Test
    void offlineIsAStateWithItsReasonAsASeparateFact() throws Exception {
        Scenario s = group();
        Phyint net2 = member(s, "net2");
        s.run("if_mpadm -d net2");
        assertEquals(MemberState.OFFLINE, net2.state);
        assertTrue(net2.adminOffline);
        assertFalse(net2.hwDup);
        assertEquals("offline", s.engine().snapshot().iface("net2").orElseThrow().state().name().toLowerCase());
        s.run("if_mpadm -r net2");
        assertEquals(MemberState.RUNNING, net2.state);
        assertFalse(net2.adminOffline);
    }

    @Test
    void aFailedMemberOfflinedKeepsItsFailureUntilOnline() throws Exception {
        Scenario s = group();
        Phyint net2 = member(s, "net2");
        s.run("link net2 down");
        s.run("if_mpadm -d net2");
        assertEquals(MemberState.OFFLINE, net2.state);
        assertTrue(net2.failed(), "the FAILED flag stays under OFFLINE");
        assertTrue((s.engine().snapshot().iface("net2").orElseThrow().flags(Family.INET) & Flags.FAILED) != 0);
        s.run("link net2 up");
        assertEquals(MemberState.OFFLINE, net2.state, "no repair while offline");
        s.run("if_mpadm -r net2");
        assertEquals(MemberState.RUNNING, net2.state);
        assertFalse(net2.failed());
    }

    @Test
    void aDuplicateHardwareAddressOfflinesWithItsOwnFact() throws Exception {
        Scenario s = group();
        Phyint net1 = member(s, "net1");
        s.run("mac net0 0:3:ba:11:22:33");
        s.run("mac net1 0:3:ba:11:22:33");
        assertEquals(MemberState.OFFLINE, net1.state);
        assertTrue(net1.hwDup);
        assertFalse(net1.adminOffline, "not an administrator's offline");
        s.run("mac net1 0:3:ba:11:22:34");
        assertEquals(MemberState.RUNNING, net1.state);
        assertFalse(net1.hwDup);
    }

    @Test
    void noTargetsIsRunningWhileProbingFindsNoTarget() throws Exception {
        Scenario s = new Scenario();
        s.runAll(List.of(
                "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net0 addif 192.0.2.11/24 deprecated -failover up",
                "wait 30s"));
        Phyint net0 = member(s, "net0");
        assertEquals(MemberState.RUNNING, net0.state);
        assertEquals(MemberState.NO_TARGETS, net0.condition());
        assertEquals("UNKNOWN", s.engine().snapshot().iface("net0").orElseThrow().state().name());
    }
}
