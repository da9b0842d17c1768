package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineListener.Detection;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.sim.Scenario;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Per-member failure counts and per-group failover counts, with time and cause, in the snapshot. */
class FailureAccountingTest {
    private static Scenario scenario(EngineListener l, String... lines) throws Exception {
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0), 1, l);
        s.runAll(List.of(lines));
        return s;
    }

    private static InterfaceInfo iface(Scenario s, String name) {
        return s.engine().snapshot().iface(name).orElseThrow();
    }

    private static GroupInfo group(Scenario s, String name) {
        return s.engine().snapshot().group(name).orElseThrow();
    }

    @Test
    void linkFailuresAreCountedWithTheirTimeAndCause() throws Exception {
        Scenario s = scenario(new EngineListener() { }, "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net1 plumb 192.0.2.20/24 group lan up", "wait 1s");
        assertEquals(0, iface(s, "net0").failureCount());
        assertNull(iface(s, "net0").lastFailureCause());
        assertEquals(0, group(s, "lan").failoverCount());
        assertNull(group(s, "lan").lastFailoverReason());

        long firstAt = s.clock().nanos();
        s.run("link net0 down");
        assertEquals(1, iface(s, "net0").failureCount());
        assertEquals(firstAt, iface(s, "net0").lastFailureNs());
        assertEquals(Detection.LINK, iface(s, "net0").lastFailureCause());
        assertEquals(1, group(s, "lan").failoverCount());
        assertEquals(firstAt, group(s, "lan").lastFailoverNs());
        assertEquals(Detection.LINK, group(s, "lan").lastFailoverReason());

        s.run("link net0 up");
        s.run("wait 30s");
        long secondAt = s.clock().nanos();
        s.run("link net0 down");
        assertEquals(2, iface(s, "net0").failureCount());
        assertEquals(secondAt, iface(s, "net0").lastFailureNs());
        assertEquals(0, iface(s, "net1").failureCount(), "the member that took over did not fail");
        assertEquals(2, group(s, "lan").failoverCount());
    }

    @Test
    void offlineIsAnAdministrativeFailoverButNoFailureAndUndoOfflineIsAnAdministrativeRepair() throws Exception {
        List<String> repairs = new ArrayList<>();
        Scenario s = scenario(new EngineListener() {
            @Override
            public void interfaceRepaired(String ifname, String group, Detection how) {
                repairs.add(ifname + " " + group + " " + how);
            }
        }, "ifconfig net0 plumb 192.0.2.10/24 group lan up", "ifconfig net1 plumb 192.0.2.20/24 group lan up",
                "wait 1s", "if_mpadm -d net0");
        assertEquals(0, iface(s, "net0").failureCount());
        assertEquals(1, group(s, "lan").failoverCount());
        assertEquals(Detection.ADMIN, group(s, "lan").lastFailoverReason());
        s.run("if_mpadm -r net0");
        assertEquals(List.of("net0 lan ADMIN"), repairs);
    }

    @Test
    void aMemberWithoutDataAddressesFailsWithoutAFailover() throws Exception {
        Scenario s = scenario(new EngineListener() { }, "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net1 plumb group lan", "wait 1s", "link net1 down");
        assertEquals(1, iface(s, "net1").failureCount());
        assertEquals(0, group(s, "lan").failoverCount());
    }

    @Test
    void probeFailuresNameTheirFamily() throws Exception {
        Scenario s = scenario(new EngineListener() { }, "host fe80::1 router",
                "ifconfig net0 inet6 plumb -failover group lan up", "ifconfig net0 inet6 addif 2001:db8::10/64 up",
                "ifconfig net1 inet6 plumb -failover group lan up", "wait 30s", "cut net0", "wait 30s");
        assertEquals(1, iface(s, "net0").failureCount());
        assertEquals(Detection.PROBE_IPV6, iface(s, "net0").lastFailureCause());
        assertEquals(Detection.PROBE_IPV6, group(s, "lan").lastFailoverReason());
        assertTrue(group(s, "lan").failoverCount() >= 1);
    }
}
