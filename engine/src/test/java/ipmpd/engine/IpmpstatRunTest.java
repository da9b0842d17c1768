package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.sim.Scenario;

import org.junit.jupiter.api.Test;

/** ipmpstat's order of checks, as the original makes them: the output fields before anything else. */
class IpmpstatRunTest {
    private final Scenario s = new Scenario();

    private String run(String... lines) throws Exception {
        return s.printedBy(lines);
    }

    @Test
    void probeFieldsAreCheckedBeforeWhetherAnythingProbes() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up");
        assertEquals("ipmpstat: no valid output fields\n", run("ipmpstat -P -o nope -p"));
        assertEquals("ipmpstat: warning: ignoring unknown output field: `nope'\n"
                + "ipmpstat: probe-based failure detection is disabled\n", run("ipmpstat -o time,nope -p"));
    }
}
