package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.engine.EngineListener.ConfigChange;
import ipmpd.engine.EngineListener.Detection;
import ipmpd.engine.EngineListener.GroupEvent;
import ipmpd.sim.Scenario;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Configuration changes of members are reported, before what follows from them. */
class ConfigChangeEventsTest {
    private static final class Recorder implements EngineListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void memberConfigChanged(String ifname, String group, ConfigChange change) {
            events.add("config " + ifname + " " + group + " " + change);
        }

        @Override
        public void interfaceRepaired(String ifname, String group, Detection how) {
            events.add("repaired " + ifname + " " + how);
        }

        @Override
        public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
            events.add("group " + group + " " + event);
        }

        @Override
        public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
            events.add("moved " + Addresses.format(address) + " " + from + "->" + to + " " + reason);
        }
    }

    @Test
    void joinStandbyOfflineAndLeaveAreReportedFirst() throws Exception {
        Recorder r = new Recorder();
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0), 1, r);
        s.runAll(List.of("ifconfig net0 plumb 192.0.2.10/24 group lan up", "ifconfig net1 plumb 192.0.2.20/24 up",
                "wait 1s"));
        r.events.clear();
        s.run("ifconfig net1 group lan");
        assertEquals("config net1 lan JOINED", r.events.get(0), r.events.toString());

        r.events.clear();
        s.run("if_mpadm -d net1");
        assertEquals(List.of("config net1 lan OFFLINE", "moved 192.0.2.20 net1->net0 OFFLINE", "group lan DEGRADED"),
                r.events);

        r.events.clear();
        s.run("if_mpadm -r net1");
        assertEquals(List.of("config net1 lan ONLINE", "repaired net1 ADMIN", "moved 192.0.2.20 net0->net1 FAILBACK",
                "group lan ALL_USABLE"), r.events);

        r.events.clear();
        s.run("ifconfig net1 standby");
        assertEquals("config net1 lan STANDBY", r.events.get(0), r.events.toString());
        r.events.clear();
        s.run("ifconfig net1 -standby");
        assertEquals("config net1 lan NOT_STANDBY", r.events.get(0), r.events.toString());

        r.events.clear();
        s.run("ifconfig net1 group \"\"");
        assertEquals("config net1 lan LEFT", r.events.get(0), r.events.toString());
    }
}
