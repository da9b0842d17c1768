package ipmpd.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * One route (RTM_NEWROUTE / RTM_DELROUTE), also the request to add, replace or delete one.
 *
 * @param family   {@link LibC#AF_INET} or {@link LibC#AF_INET6}
 * @param dst      destination prefix; the unspecified address for a default route (never null)
 * @param dstLen   prefix length (0 for default)
 * @param gateway  RTA_GATEWAY, null for a direct (connected) route
 * @param oif      output interface index, 0 if none
 * @param table    routing table id ({@link Rtnl#RT_TABLE_MAIN} = 254)
 * @param protocol RTPROT_* origin
 * @param type     RTN_* type
 * @param scope    RT_SCOPE_*
 * @param priority RTA_PRIORITY, the metric; 0 if absent
 * @param prefsrc  RTA_PREFSRC, the preferred source address, null if none
 * @param flags    {@link Rtnl#RTNH_F_ONLINK} if the gateway is taken as on-link whatever the
 *                 table says (ip route ... onlink); other rtm_flags are not kept
 * @param nexthops the next hops of a multipath route (RTA_MULTIPATH; then gateway is null and oif
 *                 0), empty otherwise
 */
public record RouteInfo(int family, InetAddress dst, int dstLen, InetAddress gateway, int oif, int table,
        int protocol, int type, int scope, int priority, InetAddress prefsrc, int flags, List<NextHop> nexthops) {

    /** One next hop of a multipath route: gateway (null if none), interface, RTNH_F_ONLINK or 0. */
    public record NextHop(InetAddress gateway, int oif, int flags) {
        public boolean onlink() {
            return (flags & Rtnl.RTNH_F_ONLINK) != 0;
        }
    }

    public RouteInfo {
        flags &= Rtnl.RTNH_F_ONLINK;
        nexthops = List.copyOf(nexthops);
    }

    /** A single-path route without flags. */
    public RouteInfo(int family, InetAddress dst, int dstLen, InetAddress gateway, int oif, int table,
                     int protocol, int type, int scope, int priority, InetAddress prefsrc) {
        this(family, dst, dstLen, gateway, oif, table, protocol, type, scope, priority, prefsrc, 0, List.of());
    }

    public boolean onlink() {
        return (flags & Rtnl.RTNH_F_ONLINK) != 0;
    }

    /** The same route with {@link Rtnl#RTNH_F_ONLINK} set or cleared. */
    public RouteInfo withOnlink(boolean onlink) {
        return new RouteInfo(family, dst, dstLen, gateway, oif, table, protocol, type, scope, priority, prefsrc,
                onlink ? Rtnl.RTNH_F_ONLINK : 0, nexthops);
    }

    public boolean isDefault() {
        return dstLen == 0;
    }

    /** Starts a route to {@code dst/dstLen}. */
    public static Builder to(InetAddress dst, int dstLen) {
        return new Builder(dst, dstLen);
    }

    /** Starts a default route of the given family. */
    public static Builder defaultRoute(int family) {
        return new Builder(unspecified(family), 0);
    }

    static InetAddress unspecified(int family) {
        try {
            return family == LibC.AF_INET ? InetAddress.getByAddress(new byte[4])
                    : Inet6Address.getByAddress(null, new byte[16], -1);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Route request builder. Defaults follow ip(8): main table, protocol static, unicast, scope
     * link when there is no gateway and universe otherwise.
     */
    public static final class Builder {
        private final InetAddress dst;
        private final int dstLen;
        private InetAddress gateway;
        private int oif;
        private int table = Rtnl.RT_TABLE_MAIN;
        private int protocol = Rtnl.RTPROT_STATIC;
        private int type = Rtnl.RTN_UNICAST;
        private int scope = -1;
        private int metric;
        private InetAddress prefsrc;
        private boolean onlink;

        private Builder(InetAddress dst, int dstLen) {
            this.dst = dst;
            this.dstLen = dstLen;
        }

        public Builder gateway(InetAddress v) {
            gateway = v;
            return this;
        }

        public Builder oif(int v) {
            oif = v;
            return this;
        }

        public Builder table(int v) {
            table = v;
            return this;
        }

        public Builder protocol(int v) {
            protocol = v;
            return this;
        }

        public Builder type(int v) {
            type = v;
            return this;
        }

        public Builder scope(int v) {
            scope = v;
            return this;
        }

        public Builder metric(int v) {
            metric = v;
            return this;
        }

        public Builder prefsrc(InetAddress v) {
            prefsrc = v;
            return this;
        }

        /** The gateway is on the link whatever the table says (ip route ... onlink). */
        public Builder onlink() {
            onlink = true;
            return this;
        }

        public RouteInfo build() {
            int family = dst instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
            int s = scope >= 0 ? scope : gateway == null ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE;
            return new RouteInfo(family, dst, dstLen, gateway, oif, table, protocol, type, s, metric, prefsrc,
                    onlink ? Rtnl.RTNH_F_ONLINK : 0, List.of());
        }
    }
}
