package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.sim.Scenario;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A changed FAILURE_DETECTION_TIME takes effect at once: after Prober.restartTimer() the probes
 * follow the new interval from now, not after the old (long) interval runs out. Here the test
 * restarts the timer itself, as the engine must for every running prober whose group's FDT
 * changed (a SIGHUP, SNMP or NETCONF change of the configuration; the FDT adaptation).
 */
class FdtChangeTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void loweringTheFdtFrom600000MsProbesAtTheNewIntervalAtOnce(long seed) throws Exception {
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0).withFdt(600_000), seed);
        s.run("host 192.0.2.1 router");
        s.run("ifconfig net0 plumb 192.0.2.10/24 group prod up");
        s.run("ifconfig net0 addif 192.0.2.11/24 deprecated -failover up");
        s.run("wait 3m");
        Engine e = s.engine();
        e.applyConfig(e.config().withFdt(10_000));
        Prober prober = e.membership.phyints.get("net0").v4.prober;
        long sentBefore = prober.sent;
        prober.restartTimer();
        // The first probe within two new intervals (base spread over one, send in its second half).
        s.run("wait " + (2 * EngineConfig.probeIntervalNs(10_000) / 1_000_000 + 1) + "ms");
        assertTrue(prober.sent > sentBefore, "no probe within two intervals of 10 s / 7");
        // Then one per interval: 10 s more give 7 probes, give or take the random spread.
        long afterFirst = prober.sent;
        s.run("wait 10s");
        long n = prober.sent - afterFirst;
        assertTrue(n >= 6 && n <= 8, n + " probes in 10 s at FDT 10 s");
        // A path cut is now detected within the new FDT (net0 is alone: its group becomes unusable).
        double cutAt = s.clock().nanos() / 1e9;
        s.run("cut net0");
        s.run("wait 10s");
        double failed = ProbeTimingTest.firstAfter(s.transcript(), cutAt, "All IP interfaces in group prod are now unusable");
        assertTrue(failed - cutAt <= 10.0, "detected " + (failed - cutAt) + " s after the cut");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void restartingAStoppedProberDoesNothing(long seed) throws Exception {
        Scenario s = new Scenario(EngineConfig.defaults().withQuietPeriod(0), seed);
        s.run("ifconfig net0 plumb 192.0.2.10/24 group prod up");
        Prober prober = s.engine().membership.phyints.get("net0").v4.prober;
        prober.restartTimer();
        s.run("wait 30s");
        assertEquals(0, prober.sent);
    }
}
