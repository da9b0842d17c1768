package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.engine.EngineListener.ProbingChange;
import ipmpd.engine.EngineListener.TargetChange;
import ipmpd.sim.Scenario;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Probing disabled or enabled again, and probe targets lost, are reported with in.mpathd's reasons. */
class ProbingEventsTest {
    private static final class Recorder implements EngineListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void probingChanged(String ifname, String group, ProbingChange change, InetAddress address) {
            events.add("probing " + ifname + " " + group + " " + change
                    + (address == null ? "" : " " + Addresses.format(address)));
        }

        @Override
        public void probeTargetChanged(String ifname, String group, InetAddress target, TargetChange change) {
            events.add("target " + ifname + " " + group + " " + Addresses.format(target) + " " + change);
        }
    }

    private static Scenario scenario(Recorder r, String... lines) throws Exception {
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0), 1, r);
        s.runAll(List.of(lines));
        return s;
    }

    @Test
    void noTestAddressThenOneConfigured() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "host 192.0.2.1 router", "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "wait 25s");
        assertTrue(r.events.contains("probing net0 lan NO_TEST_ADDRESS"), r.events.toString());
        s.run("ifconfig net0 addif 192.0.2.11/24 deprecated -failover up");
        assertTrue(r.events.contains("probing net0 lan TEST_ADDRESS_CONFIGURED"), r.events.toString());
    }

    /** net0 and net1 both configured with test address 192.0.2.11: both stop probing, as in in.mpathd. */
    private static Scenario net1DuplicatesNet0sTestAddress(Recorder r) throws Exception {
        Scenario s = scenario(r, "host 192.0.2.1 router",
                "ifconfig net0 plumb 192.0.2.11/24 deprecated -failover group lan up",
                "ifconfig net1 plumb 192.0.2.11/24 deprecated -failover group lan up", "wait 1s");
        assertTrue(r.events.contains("probing net1 lan DUPLICATE_TEST_ADDRESS 192.0.2.11"), r.events.toString());
        assertTrue(r.events.contains("probing net0 lan DUPLICATE_TEST_ADDRESS 192.0.2.11"), r.events.toString());
        assertEquals(EngineSnapshot.ProbeState.DISABLED, s.engine().snapshot().iface("net0").orElseThrow().probe(), "the first holder stops too");
        return s;
    }

    @Test
    void aDuplicateTestAddressDisablesProbingUntilItIsUnique() throws Exception {
        Recorder r = new Recorder();
        Scenario s = net1DuplicatesNet0sTestAddress(r);
        s.run("ifconfig net1 192.0.2.21/24");
        s.run("wait 1s");
        assertTrue(r.events.contains("probing net1 lan TEST_ADDRESS_UNIQUE 192.0.2.11"), r.events.toString());
    }

    @Test
    void aDuplicateEndsWhenItsHolderDropsTheAddress() throws Exception {
        Recorder r = new Recorder();
        Scenario s = net1DuplicatesNet0sTestAddress(r);
        s.run("ifconfig net1 0.0.0.0");
        assertTrue(r.events.contains("probing net1 lan TEST_ADDRESS_UNIQUE 192.0.2.11"), r.events.toString());
        s.run("ifconfig net1 192.0.2.21/24 deprecated -failover up");
        s.run("wait 1s");
        assertEquals(1, r.events.stream().filter(e -> e.startsWith("probing net1 lan TEST_ADDRESS_UNIQUE")).count(),
                r.events.toString());
    }

    @Test
    void aDuplicateEndsWhenTheFirstHolderDropsItsTestAddress() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "host 192.0.2.1 router",
                "ifconfig net0 plumb 192.0.2.10/24 group lan up",
                "ifconfig net0 addif 192.0.2.11/24 deprecated -failover up",
                "ifconfig net1 plumb 192.0.2.11/24 deprecated -failover group lan up", "wait 1s");
        assertTrue(r.events.contains("probing net1 lan DUPLICATE_TEST_ADDRESS 192.0.2.11"), r.events.toString());
        s.run("ifconfig net0 removeif 192.0.2.11");
        assertTrue(r.events.contains("probing net1 lan TEST_ADDRESS_UNIQUE 192.0.2.11"), r.events.toString());
        assertTrue(s.transcript().contains(
                "Test address now configured on interface net1; enabling probe-based failure detection on it"),
                s.transcript());
    }

    @Test
    void aRouterThatStopsAnsweringIsDead() throws Exception {
        Recorder r = new Recorder();
        Scenario s = scenario(r, "host 192.0.2.1 router", "host 192.0.2.2 router",
                "ifconfig net0 plumb 192.0.2.11/24 deprecated -failover group lan up", "wait 30s",
                "host 192.0.2.1 down", "wait 30s");
        assertTrue(r.events.contains("target net0 lan 192.0.2.1 DEAD"), r.events.toString());
    }
}
