package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineListener.Detection;
import ipmpd.engine.EngineListener.FdtReason;
import ipmpd.engine.EngineListener.GroupEvent;
import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.sim.Scenario;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The engine's events say why: which detection, which group event, why the FDT changed, why an address moved. */
class EngineEventsTest {
    /** The events as one line each. */
    private static final class Recorder implements EngineListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void interfaceFailed(String ifname, String group, Detection how) {
            events.add("failed " + ifname + " " + how);
        }

        @Override
        public void interfaceRepaired(String ifname, String group, Detection how) {
            events.add("repaired " + ifname + " " + how);
        }

        @Override
        public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
            events.add("group " + group + " " + before + "->" + after + " " + event);
        }

        @Override
        public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
            events.add("moved " + Addresses.format(address) + " " + from + "->" + to + " " + reason);
        }

        @Override
        public void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                               Family family) {
            events.add("fdt " + group + " " + beforeMs + "->" + afterMs + " " + reason + " " + ifname + " " + family);
        }

        boolean saw(String event) {
            return events.contains(event);
        }
    }

    private static Scenario scenario(Recorder r, String... lines) throws Exception {
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0), 1, r);
        s.runAll(List.of(lines));
        return s;
    }

    @Test
    void probeFailureAndRepairSayWhichFamilysProbesDecided() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "host fe80::1 router",
                "ifconfig net0 inet6 plumb -failover group lan up", "ifconfig net0 inet6 addif 2001:db8::10/64 up",
                "ifconfig net1 inet6 plumb -failover group lan up", "wait 30s", "cut net0", "wait 30s");
        assertTrue(r.saw("failed net0 PROBE_IPV6"), r.events.toString());
        s.run("mend net0");
        s.run("wait 60s");
        assertTrue(r.saw("repaired net0 PROBE_IPV6"), r.events.toString());
    }

    @Test
    void undoOfflineIsARepairByTheAdministrator() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net1 plumb 192.0.2.20/24 group lan up", "wait 1s", "if_mpadm -d net0");
        assertTrue(r.saw("moved 192.0.2.10 net0->net1 OFFLINE"), r.events.toString());
        s.run("if_mpadm -r net0");
        assertTrue(r.saw("repaired net0 ADMIN"), r.events.toString());
        assertTrue(r.saw("moved 192.0.2.10 net1->net0 FAILBACK"), r.events.toString());
    }

    @Test
    void groupEventsAndMoveReasons() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net1 plumb 192.0.2.20/24 group lan up", "wait 1s");
        s.run("link net0 down");
        assertTrue(r.saw("failed net0 LINK"), r.events.toString());
        assertTrue(r.saw("moved 192.0.2.10 net0->net1 FAILOVER"), r.events.toString());
        assertTrue(r.saw("group lan OK->DEGRADED DEGRADED"), r.events.toString());
        s.run("link net1 down");
        assertTrue(r.saw("group lan DEGRADED->FAILED ALL_UNUSABLE"), r.events.toString());
        s.run("link net0 up");
        assertTrue(r.saw("group lan FAILED->DEGRADED AT_LEAST_ONE_USABLE"), r.events.toString());
        s.run("link net1 up");
        assertTrue(r.saw("group lan DEGRADED->OK ALL_USABLE"), r.events.toString());
        assertTrue(r.saw("moved 192.0.2.20 net0->net1 FAILBACK"), r.events.toString());

        s.run("if_mpadm -d net0");
        assertTrue(r.saw("moved 192.0.2.10 net0->net1 OFFLINE"), r.events.toString());
        s.run("if_mpadm -r net0");
        s.run("ifconfig net1 standby");
        assertTrue(r.events.stream().anyMatch(e -> e.startsWith("moved 192.0.2.20 net1->net0 STANDBY")),
                r.events.toString());
        s.run("ifconfig net1 -standby");
        s.run("link net0 down");
        s.run("ifconfig net0 group \"\""); // its own addresses come home from where they failed over
        assertTrue(r.saw("moved 192.0.2.10 net1->net0 MEMBERSHIP"), r.events.toString());
    }

    @Test
    void theFdtChangesForTheReasonsInMpathd() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "mpathd FAILURE_DETECTION_TIME=100", "host 192.0.2.1 router",
                "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net0 addif 192.0.2.11/24 deprecated -failover up", "wait 1s", "host 192.0.2.1 rtt 20ms",
                "wait 2s");
        assertTrue(r.events.stream().anyMatch(e -> e.startsWith("fdt lan 100->") && e.endsWith("CANNOT_MEET net0 INET")),
                r.events.toString());
        s.run("host 192.0.2.1 rtt 300us");
        s.run("wait 4m");
        assertTrue(r.events.stream().anyMatch(e -> e.endsWith("IMPROVED net0 INET")), r.events.toString());
        r.events.clear();
        s.run("mpathd FAILURE_DETECTION_TIME=5000");
        assertEquals(List.of("fdt lan 100->5000 CONFIGURED null null"), r.events);
    }
}
