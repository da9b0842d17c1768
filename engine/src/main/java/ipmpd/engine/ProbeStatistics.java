package ipmpd.engine;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The probe counters and round-trip times of one interface at one moment, as {@link EngineSnapshot}
 * shows them (the interface's counters over both families, its RTT from the first active target
 * that has one, each target's RTT). {@link Engine#probeStatistics(String)} answers one on the
 * engine's thread, {@link Engine#takeStatisticsChanges()} says whose may have changed, so the
 * daemon can publish them to other threads without a snapshot of the whole model.
 *
 * @param targets round-trip times by target address (of probing families)
 */
public record ProbeStatistics(long probesSent, long probesAcked, long probesLost, long rttAvgNs, long rttDevNs,
                              Map<InetAddress, TargetRtt> targets) {

    /** A target's smoothed round-trip time and deviation (0 before its first reply). */
    public record TargetRtt(long rttAvgNs, long rttDevNs) {
    }

    static ProbeStatistics of(Phyint p) {
        return of(p, true);
    }

    /** Without the targets' round-trip times: for the snapshot, which shows them with each target. */
    static ProbeStatistics countersOf(Phyint p) {
        return of(p, false);
    }

    private static ProbeStatistics of(Phyint p, boolean withTargets) {
        long sent = 0;
        long acked = 0;
        long lost = 0;
        long rttAvg = 0;
        long rttDev = 0;
        Map<InetAddress, TargetRtt> targets = withTargets ? new HashMap<>(4) : null;
        for (Instance i : p.instances()) {
            Prober pr = i.prober;
            if (pr.running) {
                for (Target t : withTargets ? pr.targets : List.<Target>of()) {
                    targets.put(t.address, new TargetRtt(t.rttAvgNs(), t.rttDevNs()));
                }
                List<Target> act = pr.active();
                if (rttAvg == 0 && !act.isEmpty() && act.get(0).hasRtt) {
                    rttAvg = act.get(0).rttAvgNs();
                    rttDev = act.get(0).rttDevNs();
                }
            }
            sent += pr.sent;
            acked += pr.acked;
            lost += pr.lost;
        }
        return new ProbeStatistics(sent, acked, lost, rttAvg, rttDev, withTargets ? Map.copyOf(targets) : Map.of());
    }
}
