package ipmpd.agent;

import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.GroupState;
import ipmpd.engine.ProbeEvent;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's side of {@code -d}: debug lines for the categories probes (each probe resolved),
 * targets (a member's probe targets changed) and phyint (link, failure, repair, group state,
 * addresses moved, FDT). Called on the engine thread; does nothing for a category that is off.
 */
final class DebugTrace implements EngineListener {
    private final IpmpdLog log;
    private final EngineLoop loop;
    /** The targets last reported, per member and family (engine thread only). */
    private final Map<String, List<String>> targets = new HashMap<>();

    DebugTrace(IpmpdLog log, EngineLoop loop) {
        this.log = log;
        this.loop = loop;
    }

    @Override
    public void probeResolved(ProbeEvent e) {
        if (log.debugging(IpmpdLog.Category.PROBES)) {
            log.debug(IpmpdLog.Category.PROBES, e.ifname() + " probe " + e.id() + " to " + e.target().getHostAddress()
                    + (e.acked() ? " acknowledged, rtt " + micros(e.netRttNs()) + " (smoothed " + micros(e.rttAvgNs())
                    + ", deviation " + micros(e.rttDevNs()) + ")" : " lost"));
        }
        if (log.debugging(IpmpdLog.Category.TARGETS)) {
            reportTargetChanges();
        }
    }

    /** Compares each member's targets with those last reported (debug only: a snapshot per probe). */
    private void reportTargetChanges() {
        EngineSnapshot s = loop.engine().snapshot();
        for (EngineSnapshot.InterfaceInfo i : s.interfaces()) {
            for (EngineSnapshot.TargetSet t : i.targetSets()) {
                String key = i.name() + " " + t.family();
                List<String> now = t.targets().stream().map(x -> x.address().getHostAddress()
                        + " (" + x.origin() + ", " + x.status() + ")").toList();
                List<String> before = targets.put(key, now);
                if (!now.equals(before)) {
                    log.debug(IpmpdLog.Category.TARGETS, key + " " + t.mode() + " targets: "
                            + (now.isEmpty() ? "none" : String.join(", ", now)));
                }
            }
        }
    }

    @Override
    public void linkChanged(String ifname, boolean up) {
        log.debug(IpmpdLog.Category.PHYINT, ifname + " link " + (up ? "up" : "down"));
    }

    @Override
    public void interfaceFailed(String ifname, String group, Detection how) {
        log.debug(IpmpdLog.Category.PHYINT, ifname + " failed in group " + group + " (" + how + ")");
    }

    @Override
    public void interfaceRepaired(String ifname, String group, Detection how) {
        log.debug(IpmpdLog.Category.PHYINT, ifname + " repaired in group " + group + " (" + how + ")");
    }

    @Override
    public void groupStateChanged(String group, GroupState before, GroupState after, EngineListener.GroupEvent event) {
        log.debug(IpmpdLog.Category.PHYINT, "group " + group + " " + before + " -> " + after + " (" + event + ")");
    }

    @Override
    public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
        log.debug(IpmpdLog.Category.PHYINT, address.getHostAddress() + " moved " + from + " -> " + to + " in group "
                + group + " (" + reason + ")");
    }

    @Override
    public void fdtChanged(String group, long beforeMs, long afterMs, EngineListener.FdtReason reason, String ifname,
                           ipmpd.engine.Family family) {
        log.debug(IpmpdLog.Category.PHYINT, "group " + group + " FDT " + beforeMs + " ms -> " + afterMs + " ms ("
                + reason + (ifname == null ? "" : ", " + ifname) + ")");
    }

    private static String micros(long ns) {
        return ns < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.2f ms", ns / 1e6);
    }
}
