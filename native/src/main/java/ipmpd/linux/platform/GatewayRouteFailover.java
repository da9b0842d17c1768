package ipmpd.linux.platform;

import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Gateway routes of the main table that go through an unusable member are moved to a usable
 * member of its group (NLM_F_REPLACE, so the route never disappears) and brought back when their
 * member is usable again.
 *
 * <p>Why: traffic whose source is not chosen yet (a host-originated connection) is routed by the
 * main table. After a probe-detected failure the failed member's carrier is up, so
 * {@code ignore_routes_with_linkdown} does not hide a default route through it, and the source the
 * kernel then picks is the failed member's test address: such connections would die although
 * another member works. Kernel-made routes (proto kernel, router advertisements) are left alone:
 * every member has its own.
 *
 * <p>Engine thread only.
 */
final class GatewayRouteFailover {
    /** A route without its output interface. */
    private record Key(int family, InetAddress dst, int dstLen, InetAddress gateway, int priority) {
        static Key of(RouteInfo r) {
            return new Key(r.family(), r.dst(), r.dstLen(), r.gateway(), r.priority());
        }
    }

    /** @param homeFlags the route's flags at home (onlink is added while it is away) */
    private record Moved(String home, int homeIndex, int nowIndex, int homeFlags) {
    }

    private final Rtnetlink rt;
    private final Consumer<String> log;
    private final Map<Key, Moved> moved = new LinkedHashMap<>();
    private final Map<String, String> failures = new HashMap<>();

    GatewayRouteFailover(Rtnetlink rt, Consumer<String> log) {
        this.rt = rt;
        this.log = log;
    }

    static boolean eligible(RouteInfo r) {
        return r.table() == Rtnl.RT_TABLE_MAIN && r.type() == Rtnl.RTN_UNICAST && r.gateway() != null
                && r.oif() != 0 && r.protocol() != Rtnl.RTPROT_KERNEL && r.protocol() != Rtnl.RTPROT_RA
                && r.protocol() != 1 /* RTPROT_REDIRECT */;
    }

    /**
     * @param main     the main table now
     * @param index    member name -> ifindex (members present now)
     * @param members  member name -> group
     * @param unusable members the engine called unusable
     */
    void update(List<RouteInfo> main, Map<String, Integer> index, Map<String, String> members, Set<String> unusable) {
        Map<Integer, String> nameOf = new HashMap<>();
        index.forEach((n, i) -> nameOf.put(i, n));
        // Home again: the member is usable (or no longer a member) and still the same interface.
        for (Map.Entry<Key, Moved> e : new ArrayList<>(moved.entrySet())) {
            Moved m = e.getValue();
            RouteInfo current = find(main, e.getKey(), m.nowIndex());
            if (current == null) {
                moved.remove(e.getKey()); // changed or deleted by someone else: theirs now
                continue;
            }
            Integer homeIndex = index.get(m.home());
            boolean homeUsable = !members.containsKey(m.home()) || !unusable.contains(m.home());
            if (homeIndex != null && homeIndex == m.homeIndex() && homeUsable
                    && replace(current, m.homeIndex(), m.homeFlags(), nameOf.getOrDefault(m.nowIndex(), "?"), m.home())) {
                moved.remove(e.getKey());
            }
        }
        // Away: a gateway route through an unusable member goes to a usable one of its group.
        for (RouteInfo r : main) {
            String owner = nameOf.get(r.oif());
            if (!eligible(r) || owner == null || !unusable.contains(owner)) {
                continue;
            }
            String group = members.get(owner);
            String to = null;
            for (Map.Entry<String, String> q : members.entrySet()) {
                if (!q.getKey().equals(owner) && q.getValue().equals(group) && !unusable.contains(q.getKey())
                        && index.containsKey(q.getKey())) {
                    to = q.getKey();
                    break;
                }
            }
            if (to == null) {
                continue;
            }
            int toIndex = index.get(to);
            // The group is one link: its IPv4 gateway is on-link through any member, also one whose
            // prefix route arrives only with the addresses moving there (else ENETUNREACH). (IPv6
            // refuses onlink for a gateway covered by a route through another device.)
            int flags = r.family() == ipmpd.linux.LibC.AF_INET ? r.flags() | Rtnl.RTNH_F_ONLINK : r.flags();
            if (replace(r, toIndex, flags, owner, to)) {
                Key k = Key.of(r);
                Moved before = moved.get(k);
                moved.put(k, before != null ? new Moved(before.home(), before.homeIndex(), toIndex, before.homeFlags())
                        : new Moved(owner, r.oif(), toIndex, r.flags()));
            }
        }
    }

    private static RouteInfo find(List<RouteInfo> main, Key k, int oif) {
        for (RouteInfo r : main) {
            if (r.oif() == oif && r.table() == Rtnl.RT_TABLE_MAIN && Key.of(r).equals(k)) {
                return r;
            }
        }
        return null;
    }

    private boolean replace(RouteInfo r, int oif, int flags, String from, String to) {
        RouteInfo next = new RouteInfo(r.family(), r.dst(), r.dstLen(), r.gateway(), oif, r.table(), r.protocol(),
                r.type(), r.scope(), r.priority(), r.prefsrc(), flags, List.of());
        String text = (r.dstLen() == 0 ? "default" : r.dst().getHostAddress() + "/" + r.dstLen()) + " via "
                + r.gateway().getHostAddress();
        String what = text + " from " + from + " to " + to;
        try {
            rt.replaceRoute(next);
            log.accept("Moved route " + what);
            failures.remove(what);
            return true;
        } catch (IOException e) {
            // Typically the gateway is not reachable through the new member yet (its address
            // arrives with the failover); the next main-table change retries.
            if (!String.valueOf(e.getMessage()).equals(failures.put(what, String.valueOf(e.getMessage())))) {
                log.accept("Cannot move route " + what + " yet: " + e.getMessage());
            }
            return false;
        }
    }
}
