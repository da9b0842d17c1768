package ipmpd.linux.platform;

import ipmpd.linux.Errno;
import ipmpd.linux.LibC;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;
import ipmpd.linux.platform.SourceSteering.Prefix;
import ipmpd.linux.platform.SourceSteering.RouteKey;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Outbound load spreading: one table per group, which the rules of the group's data addresses
 * point at. It is a member table ({@link SourceSteering#memberTableByKey}) whose routes through
 * the group go through a nexthop group over the group's outbound (ACTIVE) members instead of one
 * member. With {@code fib_multipath_hash_policy=1} the kernel picks the next hop from a layer-4
 * hash, so each flow stays on one member (a connected socket also caches its route) and different
 * flows spread. Each next hop is a member itself, so each member resolves its neighbours itself.
 *
 * <p>Why nexthop objects and not RTA_MULTIPATH routes: since Linux 6.16 a multipath route prefers
 * the next hop whose device holds the packet's source address (all traffic of a data address then
 * left through the member holding it), and IPv6 refuses device-only multipath routes. Nexthop
 * groups have neither limit. A group prefers next hops whose neighbour is resolved, so a member
 * takes its share of flows through a gateway once it has resolved the gateway (the first flows
 * hashed to it do that). Gateway next hops are marked on-link: the group is one link.
 *
 * <p>Engine thread only. Failures are logged once per distinct message and retried by the next
 * synchronisation.
 */
final class SpreadTables {
    private final Rtnetlink rt;
    private final Consumer<String> log;
    private final Map<String, String> reported = new HashMap<>();
    /** What each table holds, as written or read, by table number. */
    private final Map<Integer, Map<RouteKey, RouteInfo>> tables = new HashMap<>();
    /** Nexthop object ids are ours from here on ("IP" in the high bytes). */
    static final int NEXTHOP_BASE = 0x49500000;
    private int nextNexthopId = NEXTHOP_BASE;
    /** (family, gateway, member ifindex) -> nexthop id. */
    private final Map<List<Object>, Integer> singles = new HashMap<>();
    /** (family, gateway, member ifindexes) -> nexthop group id. */
    private final Map<List<Object>, Integer> groups = new HashMap<>();

    SpreadTables(Rtnetlink rt, Consumer<String> log) {
        this.rt = rt;
        this.log = log;
    }

    /**
     * What a group's spread table should hold.
     *
     * @param group    ifindexes of the group's members
     * @param outbound ifindexes of the members that carry outbound data traffic, not empty, in a
     *                 stable order (the first one takes what cannot be spread)
     */
    static Map<RouteKey, RouteInfo> spreadTable(List<RouteInfo> main, Set<Integer> group, List<Integer> outbound,
                                                int table, Collection<Prefix> connected) {
        return spreadTable(main, group, outbound, Map.of(), table, connected);
    }

    /**
     * As {@link #spreadTable(List, Set, List, int, Collection)}, the routes of an address family
     * in {@code byFamily} (LibC.AF_INET / AF_INET6 -> ifindexes, a subset of {@code outbound})
     * spread over that family's members only (a member not plumbed for IPv6 carries no IPv6 flow).
     */
    static Map<RouteKey, RouteInfo> spreadTable(List<RouteInfo> main, Set<Integer> group, List<Integer> outbound,
                                                Map<Integer, List<Integer>> byFamily, int table,
                                                Collection<Prefix> connected) {
        int first = outbound.get(0);
        Map<RouteKey, RouteInfo> out = new LinkedHashMap<>();
        for (RouteInfo r : SourceSteering.memberTableByKey(main, group, first, table, connected).values()) {
            if (r.dst().isLinkLocalAddress()) {
                continue; // sent with a scope (an interface) anyway; the main table serves them
            }
            List<Integer> over = byFamily.getOrDefault(r.family(), outbound);
            RouteInfo s = spreadable(r, first, over) ? spread(r, over) : r;
            out.putIfAbsent(RouteKey.of(s), s);
        }
        return out;
    }

    /** Through {@code first} alone now, and {@code over} is more than that one member (or another one). */
    private static boolean spreadable(RouteInfo r, int first, List<Integer> over) {
        return !over.isEmpty() && (over.size() > 1 || over.get(0) != first)
                && r.type() == Rtnl.RTN_UNICAST && r.oif() == first && r.nexthops().isEmpty();
    }

    /** The route as a multipath route with one next hop (same gateway) through each member. */
    private static RouteInfo spread(RouteInfo r, List<Integer> outbound) {
        List<RouteInfo.NextHop> hops = new ArrayList<>();
        for (int m : outbound) {
            hops.add(new RouteInfo.NextHop(r.gateway(), m, r.flags()));
        }
        return new RouteInfo(r.family(), r.dst(), r.dstLen(), null, 0, r.table(), r.protocol(), r.type(), r.scope(),
                r.priority(), null, 0, hops);
    }

    /** Whether two routes of one key have the same next hops (in any order). */
    static boolean sameHops(RouteInfo a, RouteInfo b) {
        if (a.nexthops().size() != b.nexthops().size()) {
            return false;
        }
        Set<List<Object>> x = new HashSet<>();
        for (RouteInfo.NextHop h : a.nexthops()) {
            x.add(java.util.Arrays.asList(h.gateway(), h.oif()));
        }
        for (RouteInfo.NextHop h : b.nexthops()) {
            if (!x.contains(java.util.Arrays.asList(h.gateway(), h.oif()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes table {@code table} hold exactly {@code want}. A route whose next hops changed is
     * replaced in one step (NLM_F_REPLACE), so a change of the outbound members never leaves a
     * gap.
     *
     * @param verify read the table from the kernel first; otherwise what was last written is
     *               taken for its content
     */
    void sync(int table, Map<RouteKey, RouteInfo> want, boolean verify) {
        Map<RouteKey, RouteInfo> have = verify ? null : tables.get(table);
        if (have == null) {
            have = new LinkedHashMap<>();
            try {
                for (int family : new int[] {LibC.AF_INET, LibC.AF_INET6}) {
                    for (RouteInfo r : rt.dumpRoutes(family, table)) {
                        have.putIfAbsent(RouteKey.of(r), r);
                    }
                }
            } catch (IOException e) {
                report("dump spread table " + table, e);
                tables.remove(table);
                return;
            }
        }
        boolean complete = true;
        for (Map.Entry<RouteKey, RouteInfo> e : new ArrayList<>(have.entrySet())) {
            if (!want.containsKey(e.getKey())) {
                complete &= delete(table, e.getValue());
                have.remove(e.getKey());
            }
        }
        for (Map.Entry<RouteKey, RouteInfo> e : want.entrySet()) {
            RouteInfo now = have.get(e.getKey());
            if (now != null && sameHops(now, e.getValue())) {
                continue;
            }
            try {
                RouteInfo r = e.getValue();
                if (!r.nexthops().isEmpty()) {
                    rt.replaceRoute(r, nexthopGroup(r));
                } else {
                    // Replace, not add: the route of the same destination and metric may be there
                    // in another form (through the nexthop group, before the group shrank to one).
                    rt.replaceRoute(r);
                }
                have.put(e.getKey(), e.getValue());
            } catch (IOException x) {
                // EEXIST too: something else is there; the table is read again next time.
                report("write route in spread table " + table, x);
                complete = false;
            }
        }
        if (complete) {
            tables.put(table, have);
        } else {
            tables.remove(table);
        }
    }

    /** The nexthop group for a spread route's next hops, created (with its members) on first use. */
    private int nexthopGroup(RouteInfo r) throws IOException {
        String gw = r.nexthops().get(0).gateway() == null ? "" : r.nexthops().get(0).gateway().getHostAddress();
        List<Integer> oifs = new ArrayList<>();
        for (RouteInfo.NextHop h : r.nexthops()) {
            oifs.add(h.oif());
        }
        List<Object> groupKey = List.of(r.family(), gw, oifs);
        // Written afresh each time a route needs it (with NLM_F_REPLACE, ids kept): the kernel
        // drops a member's next hops from every group when the member is set down, so what was
        // written once may no longer be what the kernel holds.
        Integer id = groups.get(groupKey);
        try {
            List<Integer> ids = new ArrayList<>();
            IOException refused = null;
            for (RouteInfo.NextHop h : r.nexthops()) {
                List<Object> key = List.of(r.family(), gw, h.oif());
                Integer one = singles.get(key);
                if (one == null) {
                    one = nextNexthopId++;
                }
                try {
                    putNexthop(one, r.family(), h);
                } catch (IOException e) {
                    // This member cannot reach the gateway as the kernel sees it (IPv6 checks
                    // a gateway against the main table's routes): the group goes without it.
                    refused = e;
                    continue;
                }
                singles.put(key, one);
                ids.add(one);
            }
            if (ids.isEmpty()) {
                throw refused;
            }
            if (refused != null) {
                report("next hop via " + gw + " in spread table " + r.table(), refused);
            }
            if (id == null) {
                id = nextNexthopId++;
            }
            rt.putNexthopGroup(id, ids);
            groups.put(groupKey, id);
            return id;
        } catch (IOException e) {
            // The kernel drops a member's nexthops when it goes down: make them afresh next time.
            singles.clear();
            groups.clear();
            throw e;
        }
    }

    /**
     * One member's next hop. IPv4 gateways are marked on-link (the group is one link, and the
     * member may have no route covering the gateway); IPv6 refuses on-link gateways that the main
     * table routes through another member, so it is tried as it is first.
     */
    private void putNexthop(int id, int family, RouteInfo.NextHop h) throws IOException {
        InetAddress gw = h.gateway();
        if (gw == null || family == LibC.AF_INET) {
            rt.putNexthop(id, family, h.oif(), gw, gw != null);
            return;
        }
        try {
            rt.putNexthop(id, family, h.oif(), gw, false);
        } catch (IOException e) {
            if (gw.isLinkLocalAddress()) {
                throw e;
            }
            rt.putNexthop(id, family, h.oif(), gw, true);
        }
    }

    /** Deletes every nexthop object made here (groups first); the routes using them go with them. */
    void close() {
        List<Integer> ids = new ArrayList<>(groups.values());
        ids.addAll(singles.values());
        for (int id : ids) {
            try {
                rt.deleteNexthop(id);
            } catch (IOException e) {
                // already gone (a member went down)
            }
        }
        groups.clear();
        singles.clear();
        tables.clear();
    }

    /** The next {@link #sync} of this table reads it from the kernel (a member went down or came back). */
    void forget(int table) {
        tables.remove(table);
    }

    /** Empties a spread table (its group is gone). */
    void flush(int table) {
        sync(table, Map.of(), true);
        tables.remove(table);
    }

    private boolean delete(int table, RouteInfo r) {
        try {
            // Deleting with protocol UNSPEC and without next hops matches the whole route.
            rt.deleteRoute(new RouteInfo(r.family(), r.dst(), r.dstLen(), r.gateway(), r.oif(), table,
                    Rtnl.RTPROT_UNSPEC, r.type(), r.scope(), r.priority(), null));
            return true;
        } catch (NativeIOException x) {
            if (x.errno() == Errno.ESRCH || x.errno() == Errno.ENOENT) {
                return true;
            }
            report("delete route in spread table " + table, x);
            return false;
        } catch (IOException x) {
            report("delete route in spread table " + table, x);
            return false;
        }
    }

    private void report(String what, IOException e) {
        String text = e.getMessage();
        if (!text.equals(reported.put(what, text))) {
            log.accept("load spreading: " + what + ": " + text);
        }
    }
}
