package ipmpd.linux.platform;

import ipmpd.linux.Errno;
import ipmpd.linux.LibC;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Main-table prefix routes for IPv4 data addresses that the kernel gave none, and for the data
 * addresses (both families) of IPMP interfaces, whose device has none by design: their prefix
 * goes through a member of the group.
 *
 * <p>The kernel makes a prefix route only for a primary address. IPv4 test addresses carry
 * {@code noprefixroute} (so they never become a route's preferred source), but they still count
 * as primary: a data address added behind one (a failback, or a failover to a member holding only
 * its test address) is secondary and gets no prefix route. Then the member has no route at all:
 * host-originated traffic to the link cannot use it and a gateway route cannot be moved to it.
 * This adds {@code PREFIX dev MEMBER scope link src DATA proto 73 metric 1} where the kernel's is
 * missing and removes it when the kernel's appears or the data address leaves. Metric 1: an IPv4
 * route of the same prefix and metric on another member (the kernel's, metric 0) would make the add
 * fail with EEXIST without NLM_F_APPEND. Engine thread only.
 */
final class PrefixRoutes {
    /** rtm_protocol of our routes (not assigned by IANA or iproute2; shown as "proto 73"). */
    static final int RTPROT_IPMPD = 73;
    static final int METRIC = 1;

    /** A data address on a member: where a prefix route should exist. */
    record Wanted(int ifindex, InetAddress address, int prefixLen) {
    }

    private final Rtnetlink rt;
    private final Consumer<String> log;
    private final Map<String, String> reported = new HashMap<>();

    PrefixRoutes(Rtnetlink rt, Consumer<String> log) {
        this.rt = rt;
        this.log = log;
    }

    /** @return whether the table was changed */
    boolean update(List<RouteInfo> main, List<Wanted> data) {
        // (prefix, ifindex) -> the route we want, unless the kernel has one there already
        Map<String, RouteInfo> want = new LinkedHashMap<>();
        for (Wanted w : data) {
            boolean v4 = w.address() instanceof java.net.Inet4Address;
            if (w.prefixLen() >= (v4 ? 32 : 128)) {
                continue;
            }
            SourceSteering.Prefix p = SourceSteering.Prefix.of(w.address(), w.prefixLen());
            String key = p + "@" + w.ifindex();
            if (want.containsKey(key) || hasForeign(main, p, w.ifindex())) {
                continue;
            }
            want.put(key, new RouteInfo(v4 ? LibC.AF_INET : LibC.AF_INET6, p.network(), p.length(), null, w.ifindex(),
                    Rtnl.RT_TABLE_MAIN, RTPROT_IPMPD, Rtnl.RTN_UNICAST, v4 ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE,
                    METRIC, w.address()));
        }
        boolean changed = false;
        for (RouteInfo r : main) {
            if (r.protocol() != RTPROT_IPMPD || r.table() != Rtnl.RT_TABLE_MAIN) {
                continue;
            }
            String key = SourceSteering.Prefix.of(r.dst(), r.dstLen()) + "@" + r.oif();
            RouteInfo w = want.get(key);
            if (w != null && Objects.equals(w.prefsrc(), r.prefsrc()) && r.priority() == METRIC) {
                want.remove(key); // already there
                continue;
            }
            if (w != null) {
                // Another data address of that prefix keeps the source it has.
                boolean stillHere = data.stream().anyMatch(d -> d.ifindex() == r.oif() && d.address().equals(r.prefsrc()));
                if (stillHere) {
                    want.remove(key);
                    continue;
                }
            }
            changed = true;
            try {
                rt.deleteRoute(new RouteInfo(r.family(), r.dst(), r.dstLen(), null, r.oif(), r.table(),
                        RTPROT_IPMPD, r.type(), r.scope(), r.priority(), null));
            } catch (NativeIOException e) {
                if (e.errno() != Errno.ESRCH) {
                    report("delete " + key, e);
                }
            } catch (IOException e) {
                report("delete " + key, e);
            }
        }
        for (Map.Entry<String, RouteInfo> e : want.entrySet()) {
            changed = true;
            try {
                rt.addRoute(e.getValue());
                reported.remove("add " + e.getKey());
            } catch (NativeIOException x) {
                if (x.errno() != Errno.EEXIST) {
                    report("add " + e.getKey(), x);
                }
            } catch (IOException x) {
                report("add " + e.getKey(), x);
            }
        }
        return changed;
    }

    /** A prefix route the kernel (or an administrator) made on that interface. */
    private static boolean hasForeign(List<RouteInfo> main, SourceSteering.Prefix p, int ifindex) {
        for (RouteInfo r : main) {
            if (r.table() == Rtnl.RT_TABLE_MAIN && r.dst().getClass() == p.network().getClass() && r.oif() == ifindex
                    && r.gateway() == null && r.protocol() != RTPROT_IPMPD && r.type() == Rtnl.RTN_UNICAST
                    && r.dstLen() == p.length() && r.dst().equals(p.network())) {
                return true;
            }
        }
        return false;
    }

    private void report(String what, IOException e) {
        String text = e.getMessage();
        if (!text.equals(reported.put(what, text))) {
            log.accept("prefix route " + what + ": " + text);
        }
    }
}
