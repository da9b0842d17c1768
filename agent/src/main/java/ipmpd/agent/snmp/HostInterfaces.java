package ipmpd.agent.snmp;

import ipmpd.agent.platform.InterfaceStatistics;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The host's interfaces as the platform's link dump shows them (through {@link IfCounters}, read
 * at most once a second), beyond those of the engine's model: the engine's snapshot has the
 * members of groups and the plumbed interfaces, not a NIC nobody configured yet. IPMP-MIB's
 * ipmpIfTable has a row for every interface that could join a group (every non-loopback one), so
 * a network can be built over SNMP from scratch; IF-MIB's ifTable one for every interface, as
 * snmpd has.
 */
final class HostInterfaces {
    static final HostInterfaces NONE = new HostInterfaces(null);

    private final IfCounters counters;

    HostInterfaces(IfCounters counters) {
        this.counters = counters;
    }

    /** Every interface of the host with a name, by index (loopback included). */
    Map<Integer, InterfaceStatistics> all() {
        Map<Integer, InterfaceStatistics> out = new TreeMap<>();
        if (counters == null) {
            return out;
        }
        counters.current().forEach((i, s) -> {
            if (i > 0 && s.name() != null && !s.name().isEmpty()) {
                out.put(i, s);
            }
        });
        return out;
    }

    /**
     * The non-loopback interfaces the snapshot does not have (by name and by index), as the
     * engine shows an interface outside any group: no group, no addresses, probing disabled.
     */
    List<InterfaceInfo> notIn(EngineSnapshot s) {
        Set<String> names = new HashSet<>();
        Set<Integer> indexes = new HashSet<>();
        for (InterfaceInfo i : s.interfaces()) {
            names.add(i.name());
            indexes.add(i.ifindex());
        }
        for (EngineSnapshot.IpmpInterfaceInfo i : s.ipmpInterfaces()) {
            // the IPMP interface's device is not a NIC that could join a group
            names.add(i.name());
            indexes.add(i.ifindex());
        }
        List<InterfaceInfo> out = new ArrayList<>();
        all().forEach((index, st) -> {
            if (!st.loopback() && !names.contains(st.name()) && !indexes.contains(index)) {
                out.add(unconfigured(index, st));
            }
        });
        return out;
    }

    /** The interface with this index: the snapshot's, else one of the host that could join a group; null if none. */
    InterfaceInfo byIndex(EngineSnapshot s, long ifindex) {
        for (InterfaceInfo i : s.interfaces()) {
            if (i.ifindex() == ifindex) {
                return i;
            }
        }
        for (InterfaceInfo i : notIn(s)) {
            if (i.ifindex() == ifindex) {
                return i;
            }
        }
        return null;
    }

    private static InterfaceInfo unconfigured(int index, InterfaceStatistics st) {
        EngineSnapshot.LinkState link = st.running() ? EngineSnapshot.LinkState.UP : EngineSnapshot.LinkState.DOWN;
        return new InterfaceInfo(st.name(), index, null, true, false, false, false, false, false, link,
                EngineSnapshot.ProbeState.DISABLED, EngineSnapshot.InterfaceState.OK, "-------", List.of(), 0, 0, 0, 0,
                0, List.of(), 0, false, 0, 0, null);
    }
}
