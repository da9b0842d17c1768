package ipmpd.linux.platform;

import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnl;
import ipmpd.linux.platform.SourceSteering.Prefix;
import ipmpd.linux.platform.SourceSteering.RouteKey;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The main table as the member tables copy it ({@link SourceSteering#memberTableByKey}), split in
 * two parts:
 * <ul>
 * <li>{@link #shared}: the routes every member table holds unchanged, except the tables of the
 *     group they go through ({@link #through}). The same for all member tables, so it is computed
 *     once per synchronisation.</li>
 * <li>{@link #specific}: what one member's table holds besides them. That is the group's
 *     connected prefixes, and the routes through the group rewritten onto the member. It comes
 *     from the few routes through the group's interfaces (and any multipath ones), not from the
 *     whole main table.</li>
 * </ul>
 * A member table is exactly {@code specific} plus the shared routes not {@link #through} its group.
 * The two parts never share a key: a specific route goes through the member itself, a shared one
 * it keeps goes elsewhere. A synchronisation then compares each table with what changed in the
 * shared part since that table's last synchronisation, instead of rebuilding every table from the
 * whole main table. At 256 members, where a failover changes one route of the main table, the
 * rebuild was about 28 ms of the engine thread.
 */
final class MainTableSplit {
    private final List<RouteInfo> main;
    private final Map<RouteKey, RouteInfo> shared;
    /** Positions in {@link #main} of the single-path unicast routes, by interface. */
    private final Map<Integer, List<Integer>> unicastByOif = new HashMap<>();
    /** Positions in {@link #main} of the multipath routes (rewritten by each group they go through). */
    private final List<Integer> multipath = new ArrayList<>();

    private MainTableSplit(List<RouteInfo> main) {
        this.main = main;
        Map<RouteKey, RouteInfo> sharedRoutes = new LinkedHashMap<>();
        for (int i = 0; i < main.size(); i++) {
            RouteInfo r = main.get(i);
            if (!r.nexthops().isEmpty()) {
                multipath.add(i);
            } else if (r.type() == Rtnl.RTN_UNICAST) {
                unicastByOif.computeIfAbsent(r.oif(), k -> new ArrayList<>()).add(i);
            }
        }
        // memberTableByKey's order: direct routes, then gateway routes; the first of equal keys wins.
        for (int pass = 0; pass < 2; pass++) {
            for (RouteInfo r : main) {
                if (r.nexthops().isEmpty() && (r.gateway() == null) == (pass == 0) && copied(r)) {
                    RouteInfo copy = new RouteInfo(r.family(), r.dst(), r.dstLen(), r.gateway(), r.oif(), 0,
                            Rtnl.RTPROT_STATIC, r.type(), r.scope(), r.priority(), null,
                            r.onlink() ? Rtnl.RTNH_F_ONLINK : 0, List.of());
                    sharedRoutes.putIfAbsent(RouteKey.of(copy), copy);
                }
            }
        }
        this.shared = sharedRoutes;
    }

    static MainTableSplit of(List<RouteInfo> main) {
        return new MainTableSplit(List.copyOf(main));
    }

    /** Whether a single-path main route has a copy in member tables (memberTableByKey's filters). */
    private static boolean copied(RouteInfo r) {
        if (r.table() != Rtnl.RT_TABLE_MAIN) {
            return false;
        }
        boolean unicast = r.type() == Rtnl.RTN_UNICAST;
        if (unicast && r.oif() == 0) {
            return false;
        }
        if (!unicast && r.type() != Rtnl.RTN_BLACKHOLE && r.type() != Rtnl.RTN_UNREACHABLE
                && r.type() != Rtnl.RTN_PROHIBIT) {
            return false;
        }
        return !r.dst().isMulticastAddress() && r.protocol() != PrefixRoutes.RTPROT_IPMPD;
    }

    /** The shared routes (table 0), by key, in the order a table adds them. */
    Map<RouteKey, RouteInfo> shared() {
        return shared;
    }

    /** Whether a shared route goes through {@code group}: its tables hold it rewritten, not as it is. */
    static boolean through(RouteInfo shared, Set<Integer> group) {
        return shared.type() == Rtnl.RTN_UNICAST && group.contains(shared.oif());
    }

    /** What member {@code member}'s table holds besides the shared routes, by key, in the order it adds them. */
    Map<RouteKey, RouteInfo> specific(Set<Integer> group, int member, int table, Collection<Prefix> connected) {
        List<Integer> at = new ArrayList<>(multipath);
        for (int oif : group) {
            at.addAll(unicastByOif.getOrDefault(oif, List.of()));
        }
        at.sort(null);
        List<RouteInfo> routes = new ArrayList<>(at.size());
        for (int i : at) {
            routes.add(main.get(i));
        }
        return SourceSteering.memberTableByKey(routes, group, member, table, connected);
    }

    /** The shared route in table {@code table}. */
    static RouteInfo inTable(RouteInfo shared, int table) {
        return new RouteInfo(shared.family(), shared.dst(), shared.dstLen(), shared.gateway(), shared.oif(), table,
                shared.protocol(), shared.type(), shared.scope(), shared.priority(), shared.prefsrc(), shared.flags(),
                shared.nexthops());
    }

    /** The keys of shared routes that {@code newer} dropped and added relative to {@code older} (added in newer's order). */
    record Change(List<RouteKey> removed, List<RouteKey> added) {
        static Change between(Map<RouteKey, RouteInfo> older, Map<RouteKey, RouteInfo> newer) {
            List<RouteKey> removed = new ArrayList<>();
            List<RouteKey> added = new ArrayList<>();
            for (RouteKey k : older.keySet()) {
                if (!newer.containsKey(k)) {
                    removed.add(k);
                }
            }
            for (RouteKey k : newer.keySet()) {
                if (!older.containsKey(k)) {
                    added.add(k);
                }
            }
            return new Change(removed, added);
        }

        boolean none() {
            return removed.isEmpty() && added.isEmpty();
        }
    }
}
