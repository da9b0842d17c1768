package ipmpd.linux.platform;

import ipmpd.linux.LibC;
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
 * member is usable again. Routes through a member never vanish with its addresses: before the
 * platform deletes a member's last IPv4 address they move to a member that keeps one
 * ({@link #evacuate}), and a route the kernel dropped anyway (the member set down, its addresses
 * deleted by hand, the NIC removed) is put back through a working member ({@link #update}).
 *
 * <p>Why: traffic whose source is not chosen yet (a host-originated connection) is routed by the
 * main table. After a probe-detected failure the failed member's carrier is up, so
 * {@code ignore_routes_with_linkdown} does not hide a default route through it, and the source the
 * kernel then picks is the failed member's test address: such connections would die although
 * another member works. And when a device loses its last IPv4 address, or is set down, the kernel
 * deletes every route through it (fib_disable_ip) without a netlink notification: a failover or
 * offline that moves a member's only data address away would take the host's routes through the
 * group's link with it. Kernel-made routes (proto kernel, router advertisements) are left alone:
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

    /** A member as the kernel holds it now: its index, whether it is up, whether it has an IPv4 address. */
    record Link(int index, boolean up, boolean ipv4) {
        /** Whether a route of {@code family} through it would stay (the kernel drops none). */
        boolean holds(int family) {
            return up && (family != LibC.AF_INET || ipv4);
        }
    }

    /** An eligible route last seen in the main table through member {@code member}. */
    private record Seen(RouteInfo route, String member) {
    }

    private final Rtnetlink rt;
    private final Consumer<String> log;
    private final Map<Key, Moved> moved = new LinkedHashMap<>();
    /** Eligible routes through members at the last look: what a kernel flush is told by. */
    private final Map<Key, Seen> seen = new LinkedHashMap<>();
    /** Routes the kernel dropped with their member's addresses or link, not put back yet. */
    private final Map<Key, Seen> lost = new LinkedHashMap<>();
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
     * @param links    member name -> its link now (members present now)
     * @param members  member name -> group
     * @param unusable members the engine called unusable
     */
    void update(List<RouteInfo> main, Map<String, Link> links, Map<String, String> members, Set<String> unusable) {
        List<RouteInfo> now = new ArrayList<>(main);
        Map<Integer, String> nameOf = new HashMap<>();
        links.forEach((n, l) -> nameOf.put(l.index(), n));
        // Lost: a route seen through a member is gone, and the kernel dropped it (its member has
        // no IPv4 address any more, is down or gone). Gone otherwise: the administrator's doing.
        for (Map.Entry<Key, Seen> e : seen.entrySet()) {
            Seen s = e.getValue();
            if (find(now, e.getKey()) == null && members.containsKey(s.member())) {
                Link l = links.get(s.member());
                if (l == null || l.index() != s.route().oif() || !l.holds(s.route().family())) {
                    lost.put(e.getKey(), s);
                }
            }
        }
        for (Map.Entry<Key, Seen> e : new ArrayList<>(lost.entrySet())) {
            Key k = e.getKey();
            Seen s = e.getValue();
            if (find(now, k) != null || !members.containsKey(s.member())) {
                lost.remove(k); // put back by someone else, or no longer the group's
                continue;
            }
            Moved m = moved.get(k);
            String home = m != null ? m.home() : s.member();
            int homeIndex = m != null ? m.homeIndex() : s.route().oif();
            int homeFlags = m != null ? m.homeFlags() : s.route().flags();
            // Home if it can hold it, else where it was if that can again, else another member.
            Link homeLink = links.get(home);
            Link wasLink = links.get(s.member());
            String to = homeLink != null && homeLink.index() == homeIndex && homeLink.holds(k.family())
                    && !unusable.contains(home) ? home
                    : wasLink != null && wasLink.holds(k.family()) && !unusable.contains(s.member()) ? s.member()
                    : target(s.member(), members, links, unusable, k.family());
            if (to == null) {
                continue; // nowhere yet: tried again on the next look
            }
            RouteInfo back = put(s.route(), to, links.get(to).index(), home, homeIndex, homeFlags, s.member());
            if (back != null) {
                lost.remove(k);
                now.add(back);
            }
        }
        // Home again: the member is usable (or no longer a member), still the same interface, and
        // holds the route (an IPv4 route through a member without an IPv4 address would be dropped).
        for (Map.Entry<Key, Moved> e : new ArrayList<>(moved.entrySet())) {
            Moved m = e.getValue();
            RouteInfo current = find(now, e.getKey(), m.nowIndex());
            if (current == null) {
                if (!lost.containsKey(e.getKey())) {
                    moved.remove(e.getKey()); // changed or deleted by someone else: theirs now
                }
                continue;
            }
            Link home = links.get(m.home());
            boolean homeUsable = !members.containsKey(m.home()) || !unusable.contains(m.home());
            if (home != null && home.index() == m.homeIndex() && homeUsable && home.holds(current.family())) {
                RouteInfo back = put(current, m.home(), m.homeIndex(), m.home(), m.homeIndex(), m.homeFlags(),
                        nameOf.getOrDefault(m.nowIndex(), "?"));
                if (back != null) {
                    now.set(now.indexOf(current), back);
                }
            }
        }
        // Away: a gateway route through an unusable member goes to a usable one of its group.
        for (RouteInfo r : new ArrayList<>(now)) {
            String owner = nameOf.get(r.oif());
            if (!eligible(r) || owner == null || !unusable.contains(owner)) {
                continue;
            }
            String to = target(owner, members, links, unusable, r.family());
            if (to != null && !unusable.contains(to)) {
                RouteInfo away = away(r, owner, to, links.get(to).index());
                if (away != null) {
                    now.set(now.indexOf(r), away);
                }
            }
        }
        seen.clear();
        for (RouteInfo r : now) {
            String owner = nameOf.get(r.oif());
            if (eligible(r) && owner != null && members.containsKey(owner)) {
                seen.put(Key.of(r), new Seen(r, owner));
            }
        }
    }

    /**
     * Whether the main table needs a look for routes the kernel dropped: some are waiting to be
     * put back, or an IPv4 route was last seen through an interface that holds no IPv4 address now.
     *
     * @param withIpv4 the indexes of the interfaces holding an IPv4 address now
     */
    boolean needsLook(Set<Integer> withIpv4) {
        if (!lost.isEmpty()) {
            return true;
        }
        for (Seen s : seen.values()) {
            if (s.route().family() == LibC.AF_INET && !withIpv4.contains(s.route().oif())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Make before break: {@code member} (index {@code memberIndex}) is about to lose its last IPv4
     * address, with which the kernel would drop every route through it. Its IPv4 gateway routes
     * move to a member that keeps an address ({@code links} tell the state after the deletion).
     */
    void evacuate(List<RouteInfo> main, String member, int memberIndex, Map<String, Link> links,
                  Map<String, String> members, Set<String> unusable) {
        for (RouteInfo r : main) {
            if (!eligible(r) || r.oif() != memberIndex || r.family() != LibC.AF_INET) {
                continue;
            }
            String to = target(member, members, links, unusable, r.family());
            if (to == null) {
                continue; // the group has no member left to carry it
            }
            RouteInfo away = away(r, member, to, links.get(to).index());
            if (away != null) {
                seen.put(Key.of(away), new Seen(away, to));
            }
        }
    }

    /**
     * Another member of {@code owner}'s group to carry a route of {@code family}: a usable one
     * that holds it (up, and with an IPv4 address for IPv4), else a usable one that is up, else
     * any that holds it; null if none.
     */
    private static String target(String owner, Map<String, String> members, Map<String, Link> links,
                                 Set<String> unusable, int family) {
        String group = members.get(owner);
        String upOnly = null;
        String unusableButHolds = null;
        for (Map.Entry<String, String> q : members.entrySet()) {
            String name = q.getKey();
            Link l = links.get(name);
            if (name.equals(owner) || !q.getValue().equals(group) || l == null || !l.up()) {
                continue;
            }
            boolean holds = l.holds(family);
            if (!unusable.contains(name)) {
                if (holds) {
                    return name;
                }
                upOnly = upOnly == null ? name : upOnly;
            } else if (holds) {
                unusableButHolds = unusableButHolds == null ? name : unusableButHolds;
            }
        }
        return upOnly != null ? upOnly : unusableButHolds;
    }

    /** Moves route {@code r} (through {@code from}) to member {@code to}, remembering its home. */
    private RouteInfo away(RouteInfo r, String from, String to, int toIndex) {
        Key k = Key.of(r);
        Moved before = moved.get(k);
        String home = before != null ? before.home() : from;
        int homeIndex = before != null ? before.homeIndex() : r.oif();
        int homeFlags = before != null ? before.homeFlags() : r.flags();
        return put(r, to, toIndex, home, homeIndex, homeFlags, from);
    }

    /**
     * Puts route {@code r} through {@code to}: at home with its own flags, elsewhere on-link (the
     * group is one link: its IPv4 gateway is on-link through any member, also one whose prefix
     * route arrives only with the addresses moving there, else ENETUNREACH; IPv6 refuses onlink
     * for a gateway covered by a route through another device). Records where it is.
     *
     * @return the route as placed, null if the kernel refused (logged)
     */
    private RouteInfo put(RouteInfo r, String to, int toIndex, String home, int homeIndex, int homeFlags, String from) {
        boolean atHome = to.equals(home) && toIndex == homeIndex;
        int flags = atHome ? homeFlags
                : r.family() == LibC.AF_INET ? homeFlags | Rtnl.RTNH_F_ONLINK : homeFlags;
        RouteInfo next = new RouteInfo(r.family(), r.dst(), r.dstLen(), r.gateway(), toIndex, r.table(), r.protocol(),
                r.type(), r.scope(), r.priority(), r.prefsrc(), flags, List.of());
        if (!replace(next, from, to)) {
            return null;
        }
        Key k = Key.of(r);
        if (atHome) {
            moved.remove(k);
        } else {
            moved.put(k, new Moved(home, homeIndex, toIndex, homeFlags));
        }
        return next;
    }

    private static RouteInfo find(List<RouteInfo> main, Key k) {
        for (RouteInfo r : main) {
            if (r.table() == Rtnl.RT_TABLE_MAIN && Key.of(r).equals(k)) {
                return r;
            }
        }
        return null;
    }

    private static RouteInfo find(List<RouteInfo> main, Key k, int oif) {
        for (RouteInfo r : main) {
            if (r.oif() == oif && r.table() == Rtnl.RT_TABLE_MAIN && Key.of(r).equals(k)) {
                return r;
            }
        }
        return null;
    }

    private boolean replace(RouteInfo next, String from, String to) {
        String text = (next.dstLen() == 0 ? "default" : next.dst().getHostAddress() + "/" + next.dstLen()) + " via "
                + next.gateway().getHostAddress();
        // Put back where the kernel dropped it (its member holds an address again): no move.
        boolean again = from.equals(to);
        String what = again ? text + " on " + to : text + " from " + from + " to " + to;
        try {
            rt.replaceRoute(next);
            log.accept(again ? "Restored route " + what + ": the kernel had dropped it" : "Moved route " + what);
            failures.remove(what);
            return true;
        } catch (IOException e) {
            // Typically the gateway is not reachable through the new member yet (its address
            // arrives with the failover); the next main-table change retries.
            if (!String.valueOf(e.getMessage()).equals(failures.put(what, String.valueOf(e.getMessage())))) {
                log.accept((again ? "Cannot restore route " : "Cannot move route ") + what + " yet: " + e.getMessage());
            }
            return false;
        }
    }
}
