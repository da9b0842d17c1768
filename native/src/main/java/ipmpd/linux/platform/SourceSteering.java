package ipmpd.linux.platform;

import ipmpd.linux.Errno;
import ipmpd.linux.LibC;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;
import ipmpd.linux.RuleInfo;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Source steering: traffic sourced from an address the daemon placed on a group member leaves
 * through that member, whichever member the main table would pick.
 *
 * <ul>
 * <li>Each member M has its own table {@code tableBase + ifindex(M)}: the main table's routes, with
 *     every route through any member of M's group rewritten to go through M (the group is one link,
 *     so a neighbour or gateway reachable through one member is reachable through all). Routes
 *     through other interfaces are copied unchanged, so more specific routes elsewhere still win.
 * <li>Each placed address A hosted by member M gets the rule {@code from A lookup T(M)} at
 *     {@code priority}; moving A moves its rule (add the new one, then delete the old one).
 * <li>If M's link is down, {@code ignore_routes_with_linkdown} hides M's routes in T(M) and the
 *     lookup falls through to the main table; a probe-detected failure moves A away from M, and
 *     its rule with it, so replies never follow a stale route through a dead path.
 * <li>Flow rules (new IPMP with spreading): {@code from A ipproto tcp|udp|icmp lookup T} at
 *     {@code priority - 1}, for a data address of an IPMP interface whose plain rule must keep
 *     naming the member bound to it: the kernel's arp_filter lookup carries no protocol, so it
 *     passes these rules and finds the bound member's, while flows find the spread table.
 * </ul>
 * All methods run on the engine thread. Failures are logged (once per distinct message) and
 * retried by the next synchronisation.
 */
final class SourceSteering {
    /** Member tables occupy [tableBase, tableBase + TABLE_SPAN), spread tables the next span. */
    static final int TABLE_SPAN = 1 << 20;
    private final Rtnetlink rt;
    private final int priority;
    private final int tableBase;
    private final Consumer<String> log;
    /** Rules installed by us: address -> table. */
    private final Map<InetAddress, Integer> installed = new HashMap<>();
    /** Flow rules installed by us: address -> table (one rule per protocol of {@link #FLOW_PROTOCOLS}). */
    private final Map<InetAddress, Integer> flowsInstalled = new HashMap<>();
    /** The protocols that carry flows: TCP, UDP and ICMP (IPv4) / ICMPv6. */
    static final int[] FLOW_PROTOCOLS_V4 = {6, 17, 1};
    static final int[] FLOW_PROTOCOLS_V6 = {6, 17, 58};
    private final Map<String, String> reported = new HashMap<>();
    /** Each member table as written by {@link #syncTables}, by table number. */
    private final Map<Integer, MemberTable> tables = new HashMap<>();

    SourceSteering(Rtnetlink rt, int priority, int tableBase, Consumer<String> log) {
        this.rt = rt;
        this.priority = priority;
        this.tableBase = tableBase;
        this.log = log;
    }

    int tableOf(int ifindex) {
        return tableBase + ifindex;
    }

    /** Group G's spread table ({@link SpreadTables}), {@code n} the group's number (0 <= n < TABLE_SPAN). */
    int spreadTableOf(int n) {
        return tableBase + TABLE_SPAN + n;
    }

    /** Member tables and the spread tables after them. */
    boolean ours(int table) {
        return table >= tableBase && table - tableBase < 2 * TABLE_SPAN;
    }

    boolean ours(RuleInfo r) {
        boolean plain = r.priority() == priority && r.ipProto() == 0;
        boolean flow = r.priority() == priority - 1 && r.ipProto() != 0;
        return (plain || flow) && ours(r.table()) && r.action() == Rtnl.FR_ACT_TO_TBL && r.src() != null;
    }

    /** Key of a route for comparing what a table holds with what it should hold. */
    record RouteKey(int family, InetAddress dst, int dstLen, InetAddress gateway, int oif, int priority, int type) {
        static RouteKey of(RouteInfo r) {
            return new RouteKey(r.family(), r.dst(), r.dstLen(), r.gateway(), r.oif(), r.priority(), r.type());
        }
    }

    /**
     * The routes member {@code member}'s table should hold, given the main table and the indexes
     * of the members of its group (itself included). A multipath route becomes its next hop
     * through the group ({@link #singlePath}); multipath routes not through the group and IPv6
     * multicast routes are left out: a lookup that finds nothing falls through to the main table.
     */
    static List<RouteInfo> memberTable(List<RouteInfo> main, Set<Integer> group, int member, int table,
                                       Collection<Prefix> connected) {
        return new ArrayList<>(memberTableByKey(main, group, member, table, connected).values());
    }

    /** {@link #memberTable}, by key (what a sync compares with the table's content). */
    static Map<RouteKey, RouteInfo> memberTableByKey(List<RouteInfo> main, Set<Integer> group, int member, int table,
                                                     Collection<Prefix> connected) {
        Map<RouteKey, RouteInfo> out = new LinkedHashMap<>();
        // The prefixes of the addresses placed on the group, whether or not the kernel made a
        // prefix route for them (a secondary address, or one behind a noprefixroute test address,
        // gets none).
        for (Prefix p : connected) {
            boolean v4 = p.network() instanceof Inet4Address;
            RouteInfo r = new RouteInfo(v4 ? LibC.AF_INET : LibC.AF_INET6, p.network(), p.length(), null, member,
                    table, Rtnl.RTPROT_STATIC, Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_LINK, v4 ? 0 : 256, null);
            out.putIfAbsent(RouteKey.of(r), r);
        }
        // Direct routes first: a gateway route is accepted only when its gateway is reachable.
        for (int pass = 0; pass < 2; pass++) {
            for (RouteInfo main0 : main) {
                RouteInfo r = singlePath(main0, group);
                if (r == null || r.table() != Rtnl.RT_TABLE_MAIN || (r.gateway() == null) != (pass == 0)) {
                    continue;
                }
                boolean unicast = r.type() == Rtnl.RTN_UNICAST;
                if (unicast && r.oif() == 0) {
                    continue; // no interface: cannot be reproduced, the lookup falls through to main
                }
                if (!unicast && r.type() != Rtnl.RTN_BLACKHOLE && r.type() != Rtnl.RTN_UNREACHABLE
                        && r.type() != Rtnl.RTN_PROHIBIT) {
                    continue;
                }
                if (r.dst().isMulticastAddress() || r.protocol() == PrefixRoutes.RTPROT_IPMPD) {
                    continue; // ours: the connected prefixes above already cover them
                }
                boolean rewritten = unicast && group.contains(r.oif());
                int oif = rewritten ? member : r.oif();
                // The main table's gateway is on the group's link; this table may have no route
                // covering it (a group without data addresses, an onlink route in main): then the
                // kernel refuses the copy (ENETUNREACH) unless told the gateway is on-link.
                boolean onlink = r.onlink() || (rewritten && r.gateway() != null
                        && !r.gateway().isLinkLocalAddress() && !covered(out.values(), r.gateway(), member));
                RouteInfo copy = new RouteInfo(r.family(), r.dst(), r.dstLen(), r.gateway(), oif, table,
                        Rtnl.RTPROT_STATIC, r.type(), r.scope(), r.priority(), null,
                        onlink ? Rtnl.RTNH_F_ONLINK : 0, List.of());
                out.putIfAbsent(RouteKey.of(copy), copy);
            }
        }
        return out;
    }

    /**
     * A multipath route as the single path through the group: its first next hop through a group
     * member (flags and gateway of that hop); null if none goes through the group. Other routes
     * are returned as they are.
     */
    static RouteInfo singlePath(RouteInfo r, Set<Integer> group) {
        if (r.nexthops().isEmpty()) {
            return r;
        }
        for (RouteInfo.NextHop h : r.nexthops()) {
            if (group.contains(h.oif())) {
                return new RouteInfo(r.family(), r.dst(), r.dstLen(), h.gateway(), h.oif(), r.table(), r.protocol(),
                        r.type(), r.scope(), r.priority(), r.prefsrc(), h.flags(), List.of());
            }
        }
        return null;
    }

    /** Whether a direct route through {@code oif} among {@code routes} contains {@code address}. */
    static boolean covered(Collection<RouteInfo> routes, InetAddress address, int oif) {
        byte[] a = address.getAddress();
        for (RouteInfo r : routes) {
            if (r.gateway() != null || r.oif() != oif || r.type() != Rtnl.RTN_UNICAST) {
                continue;
            }
            byte[] d = r.dst().getAddress();
            if (d.length == a.length && Prefix.of(address, r.dstLen()).network().equals(Prefix.of(r.dst(), r.dstLen()).network())) {
                return true;
            }
        }
        return false;
    }

    /** A connected prefix: the network address (host bits zero) and its length. */
    record Prefix(InetAddress network, int length) {
        static Prefix of(InetAddress address, int length) {
            byte[] b = address.getAddress();
            for (int i = 0; i < b.length; i++) {
                int keep = Math.max(0, Math.min(8, length - 8 * i));
                b[i] &= (byte) (0xff << (8 - keep));
            }
            try {
                return new Prefix(InetAddress.getByAddress(b), length);
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** One member: its ifindex, the ifindexes of its group (itself included), the group's prefixes. */
    record Member(int ifindex, Set<Integer> group, Collection<Prefix> connected) {
    }

    /**
     * Makes the member tables match the main table and the group's prefixes.
     *
     * @param verify read each table from the kernel first (after joins and leaves, and whenever
     *               someone else may have changed them); otherwise what this class last wrote is
     *               taken for the table's content, so a sync costs no dumps
     */
    void syncTables(Collection<Member> members, List<RouteInfo> main, boolean verify) {
        MainTableSplit split = MainTableSplit.of(main);
        // Tables last synchronised together share one older shared part: one comparison for them all.
        Map<Map<RouteKey, RouteInfo>, MainTableSplit.Change> changes = new IdentityHashMap<>();
        for (Member m : members) {
            int table = tableOf(m.ifindex());
            MemberTable t = verify ? null : tables.get(table);
            if (t == null) {
                t = new MemberTable(new LinkedHashMap<>());
                try {
                    for (int family : new int[] {LibC.AF_INET, LibC.AF_INET6}) {
                        for (RouteInfo r : rt.dumpRoutes(family, table)) {
                            t.have.putIfAbsent(RouteKey.of(r), r);
                        }
                    }
                } catch (IOException e) {
                    report("dump table " + table, e);
                    tables.remove(table);
                    continue;
                }
                tables.put(table, t);
            }
            Map<RouteKey, RouteInfo> specific = split.specific(m.group(), m.ifindex(), table, m.connected());
            boolean complete;
            if (t.shared != null && m.group().equals(t.group)) {
                MainTableSplit.Change change = changes.computeIfAbsent(t.shared,
                        older -> MainTableSplit.Change.between(older, split.shared()));
                if (change.none() && specific.keySet().equals(t.specific.keySet())) {
                    continue;
                }
                complete = applyChange(table, t, m.group(), specific, split.shared(), change);
            } else {
                complete = applyAll(table, t.have, m.group(), specific, split.shared());
            }
            t.group = Set.copyOf(m.group());
            t.specific = specific;
            // After a failed change the next sync compares the whole table again (and so retries).
            t.shared = complete ? split.shared() : null;
        }
    }

    /** What a member table holds (as far as the kernel's answers tell) and what it was made from. */
    private static final class MemberTable {
        /**
         * The routes, changed in place: the routes a sync leaves alone keep their long-lived
         * objects (replacing every table's map at each sync, at 256 members, promoted megabytes
         * to the old generation and made full collections of the daemon's small heap).
         */
        final Map<RouteKey, RouteInfo> have;
        Set<Integer> group;
        Map<RouteKey, RouteInfo> specific = Map.of();
        /** The shared part the table last matched completely; null: compare it whole next time. */
        Map<RouteKey, RouteInfo> shared;

        MemberTable(Map<RouteKey, RouteInfo> have) {
            this.have = have;
        }
    }

    private static boolean wanted(RouteKey k, Set<Integer> group, Map<RouteKey, RouteInfo> specific,
                                  Map<RouteKey, RouteInfo> shared) {
        if (specific.containsKey(k)) {
            return true;
        }
        RouteInfo s = shared.get(k);
        return s != null && !MainTableSplit.through(s, group);
    }

    /** Brings a table that matched an older shared part up to date: only the routes that changed. */
    private boolean applyChange(int table, MemberTable t, Set<Integer> group, Map<RouteKey, RouteInfo> specific,
                                Map<RouteKey, RouteInfo> shared, MainTableSplit.Change change) {
        boolean complete = true;
        List<RouteKey> gone = new ArrayList<>(change.removed());
        gone.addAll(t.specific.keySet());
        for (RouteKey k : gone) {
            RouteInfo r = t.have.get(k);
            if (r != null && !wanted(k, group, specific, shared)) {
                complete &= delete(table, t.have, k, r);
            }
        }
        for (Map.Entry<RouteKey, RouteInfo> e : specific.entrySet()) {
            if (!t.have.containsKey(e.getKey())) {
                complete &= add(table, t.have, e.getKey(), e.getValue());
            }
        }
        for (RouteKey k : change.added()) {
            RouteInfo s = shared.get(k);
            if (!MainTableSplit.through(s, group) && !t.have.containsKey(k)) {
                complete &= add(table, t.have, k, MainTableSplit.inTable(s, table));
            }
        }
        return complete;
    }

    /** Makes the table hold exactly the specific routes and the shared ones not through its group. */
    private boolean applyAll(int table, Map<RouteKey, RouteInfo> have, Set<Integer> group,
                             Map<RouteKey, RouteInfo> specific, Map<RouteKey, RouteInfo> shared) {
        boolean complete = true;
        for (Map.Entry<RouteKey, RouteInfo> e : new ArrayList<>(have.entrySet())) {
            if (!wanted(e.getKey(), group, specific, shared)) {
                complete &= delete(table, have, e.getKey(), e.getValue());
            }
        }
        // Specific routes first: the rewritten gateway routes need the group's direct routes.
        for (Map.Entry<RouteKey, RouteInfo> e : specific.entrySet()) {
            if (!have.containsKey(e.getKey())) {
                complete &= add(table, have, e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<RouteKey, RouteInfo> e : shared.entrySet()) {
            if (!MainTableSplit.through(e.getValue(), group) && !have.containsKey(e.getKey())) {
                complete &= add(table, have, e.getKey(), MainTableSplit.inTable(e.getValue(), table));
            }
        }
        return complete;
    }

    /** Deletes a route of the table; whether the table no longer holds it. */
    private boolean delete(int table, Map<RouteKey, RouteInfo> have, RouteKey k, RouteInfo r) {
        try {
            rt.deleteRoute(withTable(r, table));
            have.remove(k);
            return true;
        } catch (NativeIOException x) {
            if (x.errno() != Errno.ESRCH && x.errno() != Errno.ENOENT) {
                report("delete route in table " + table, x);
                return false;
            }
            have.remove(k);
            return true;
        } catch (IOException x) {
            report("delete route in table " + table, x);
            return false;
        }
    }

    /** Adds a route to the table; whether the table now holds it. */
    private boolean add(int table, Map<RouteKey, RouteInfo> have, RouteKey k, RouteInfo r) {
        try {
            rt.addRoute(r);
            have.put(k, r);
            return true;
        } catch (NativeIOException x) {
            if (x.errno() == Errno.EEXIST) {
                have.put(k, r);
                return true;
            }
            report("add route in table " + table, x);
            return false;
        } catch (IOException x) {
            report("add route in table " + table, x);
            return false;
        }
    }

    private static RouteInfo withTable(RouteInfo r, int table) {
        // Deleting with protocol UNSPEC matches whatever protocol the route carries.
        return new RouteInfo(r.family(), r.dst(), r.dstLen(), r.gateway(), r.oif(), table, Rtnl.RTPROT_UNSPEC,
                r.type(), r.scope(), r.priority(), null);
    }

    /** The next {@link #syncTables} reads this table from the kernel (someone may have changed it). */
    void forgetTable(int table) {
        tables.remove(table);
    }

    /** Empties a member table (the member left its group). */
    void flushTable(int table) {
        tables.remove(table);
        for (int family : new int[] {LibC.AF_INET, LibC.AF_INET6}) {
            try {
                Map<RouteKey, RouteInfo> have = new LinkedHashMap<>();
                for (RouteInfo r : rt.dumpRoutes(family, table)) {
                    have.putIfAbsent(RouteKey.of(r), r);
                }
                for (Map.Entry<RouteKey, RouteInfo> e : new ArrayList<>(have.entrySet())) {
                    delete(table, have, e.getKey(), e.getValue());
                }
            } catch (IOException e) {
                report("flush table " + table, e);
            }
        }
    }

    /** Points the rule of one address at {@code table}, or removes it when {@code table} is null. */
    void steer(InetAddress address, Integer table) {
        Integer now = installed.get(address);
        if (Objects.equals(now, table)) {
            return;
        }
        if (table != null) {
            addRule(address, table); // make before break: the older rule of equal priority wins until deleted
            installed.put(address, table);
        } else {
            installed.remove(address);
        }
        if (now != null) {
            deleteRule(address, now);
        }
    }

    /**
     * Points the flow rules of one address at {@code table}, or removes them when {@code table}
     * is null; the new rules are added before the old ones are deleted.
     */
    void steerFlows(InetAddress address, Integer table) {
        Integer now = flowsInstalled.get(address);
        if (Objects.equals(now, table)) {
            return;
        }
        if (table != null) {
            for (int proto : protocols(address)) {
                addRule(flowRule(address, table, proto));
            }
            flowsInstalled.put(address, table);
        } else {
            flowsInstalled.remove(address);
        }
        if (now != null) {
            for (int proto : protocols(address)) {
                deleteRule(flowRule(address, now, proto));
            }
        }
    }

    private static int[] protocols(InetAddress a) {
        return a instanceof Inet4Address ? FLOW_PROTOCOLS_V4 : FLOW_PROTOCOLS_V6;
    }

    private RuleInfo flowRule(InetAddress a, int table, int proto) {
        return RuleInfo.fromSource(a, a instanceof Inet4Address ? 32 : 128, table, priority - 1).withIpProto(proto);
    }

    /** {@link #syncRules(Map, Map)} without flow rules. */
    void syncRules(Map<InetAddress, Integer> want) {
        syncRules(want, Map.of());
    }

    /**
     * Makes the kernel's rules (ours: our priority, a table in our range) match {@code want}
     * (address -> table) and the flow rules {@code wantFlows} (address -> table), whatever
     * happened to them meanwhile.
     */
    void syncRules(Map<InetAddress, Integer> want, Map<InetAddress, Integer> wantFlows) {
        Map<InetAddress, Integer> missing = new HashMap<>(want);
        Set<RuleInfo> missingFlows = new java.util.HashSet<>();
        for (Map.Entry<InetAddress, Integer> e : wantFlows.entrySet()) {
            for (int proto : protocols(e.getKey())) {
                missingFlows.add(flowRule(e.getKey(), e.getValue(), proto));
            }
        }
        for (int family : new int[] {LibC.AF_INET, LibC.AF_INET6}) {
            List<RuleInfo> rules;
            try {
                rules = rt.dumpRules(family);
            } catch (IOException e) {
                report("dump rules", e);
                return;
            }
            for (RuleInfo r : rules) {
                if (!ours(r)) {
                    continue;
                }
                int full = r.family() == LibC.AF_INET ? 32 : 128;
                if (r.ipProto() != 0) {
                    RuleInfo mine = r.srcLen() == full ? flowRule(r.src(), r.table(), r.ipProto()) : null;
                    if (mine != null && missingFlows.remove(mine)) {
                        continue;
                    }
                    deleteRule(r);
                    continue;
                }
                Integer t = r.srcLen() == full ? want.get(r.src()) : null;
                if (t != null && t == r.table()) {
                    missing.remove(r.src());
                } else {
                    deleteRule(r);
                }
            }
        }
        for (Map.Entry<InetAddress, Integer> e : missing.entrySet()) {
            addRule(e.getKey(), e.getValue());
        }
        for (RuleInfo r : missingFlows) {
            addRule(r);
        }
        installed.clear();
        installed.putAll(want);
        flowsInstalled.clear();
        flowsInstalled.putAll(wantFlows);
    }

    /**
     * Removes every rule of ours, and the routes of the member tables those rules used and of
     * {@code moreIfindexes}' tables (at start: leftovers of a previous run; at close: ours). A
     * table no rule points at is never consulted, so only referenced ones need flushing.
     */
    void removeAll(Collection<Integer> moreIfindexes) {
        installed.clear();
        flowsInstalled.clear();
        tables.clear();
        java.util.Set<Integer> toFlush = new java.util.TreeSet<>();
        for (int ifindex : moreIfindexes) {
            toFlush.add(tableOf(ifindex));
        }
        for (int family : new int[] {LibC.AF_INET, LibC.AF_INET6}) {
            try {
                for (RuleInfo r : rt.dumpRules(family)) {
                    if (ours(r)) {
                        toFlush.add(r.table());
                        deleteRule(r);
                    }
                }
            } catch (IOException e) {
                report("dump rules", e);
            }
        }
        for (int table : toFlush) {
            flushTable(table);
        }
    }

    private RuleInfo rule(InetAddress a, int table) {
        return RuleInfo.fromSource(a, a instanceof Inet4Address ? 32 : 128, table, priority);
    }

    private void addRule(InetAddress a, int table) {
        addRule(rule(a, table));
    }

    private void addRule(RuleInfo r) {
        String what = "add rule from " + r.src().getHostAddress() + (r.ipProto() == 0 ? "" : " ipproto " + r.ipProto())
                + " lookup " + r.table();
        try {
            rt.addRule(r);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.EEXIST) {
                report(what, e);
            }
        } catch (IOException e) {
            report(what, e);
        }
    }

    private void deleteRule(InetAddress a, int table) {
        deleteRule(rule(a, table));
    }

    private void deleteRule(RuleInfo r) {
        try {
            rt.deleteRule(r);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ESRCH) {
                report("delete rule " + r, e);
            }
        } catch (IOException e) {
            report("delete rule " + r, e);
        }
    }

    private void report(String what, IOException e) {
        String text = e.getMessage();
        if (!text.equals(reported.put(what, text))) {
            log.accept("source steering: " + what + ": " + text);
        }
    }
}
