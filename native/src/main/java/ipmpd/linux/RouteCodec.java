package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** RTM_*ROUTE messages: rtmsg + RTA_* attributes. */
final class RouteCodec {
    private RouteCodec() {
    }

    /** @return the route, or null for families other than IPv4/IPv6 (multicast routing tables...) */
    static RouteInfo decode(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        RtMsg m = RtMsg.read(b);
        if (m.family() != LibC.AF_INET && m.family() != LibC.AF_INET6) {
            return null;
        }
        RtAttrs a = RtAttrs.parse(b);
        InetAddress dst = a.has(RTA_DST) ? a.address(RTA_DST) : RouteInfo.unspecified(m.family());
        if (dst == null) {
            return null;
        }
        return new RouteInfo(m.family(), dst, m.dstLen(), a.address(RTA_GATEWAY), a.u32(RTA_OIF, 0),
                a.u32(RTA_TABLE, m.table()), m.protocol(), m.type(), m.scope(), a.u32(RTA_PRIORITY, 0),
                a.address(RTA_PREFSRC), m.flags(), nexthops(a.bytes(RTA_MULTIPATH)));
    }

    /**
     * RTA_MULTIPATH: struct rtnexthop { u16 len; u8 flags; u8 hops; int ifindex; } each followed by
     * its own attributes (RTA_GATEWAY), 4-byte aligned; weight 1 each.
     */
    static byte[] multipath(List<RouteInfo.NextHop> hops) {
        ByteBuffer b = ByteBuffer.allocate(hops.size() * 32).order(Bytes.HOST);
        for (RouteInfo.NextHop h : hops) {
            byte[] gw = h.gateway() == null ? null : h.gateway().getAddress();
            int len = 8 + (gw == null ? 0 : NlHeader.align(4 + gw.length));
            b.putShort((short) len).put((byte) h.flags()).put((byte) 0).putInt(h.oif());
            if (gw != null) {
                b.putShort((short) (4 + gw.length)).putShort((short) RTA_GATEWAY).put(gw);
                while ((b.position() & 3) != 0) {
                    b.put((byte) 0);
                }
            }
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Decodes RTA_MULTIPATH ({@link #multipath}'s layout). Stops at the first malformed next hop. */
    static List<RouteInfo.NextHop> nexthops(byte[] raw) {
        if (raw == null) {
            return List.of();
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(Bytes.HOST);
        List<RouteInfo.NextHop> out = new ArrayList<>();
        while (b.remaining() >= 8) {
            int start = b.position();
            int len = b.getShort() & 0xffff;
            int flags = b.get() & 0xff;
            b.get(); // hops: weight - 1
            int ifindex = b.getInt();
            if (len < 8 || len > b.limit() - start) {
                break;
            }
            ByteBuffer attrs = b.duplicate();
            attrs.position(start + 8).limit(start + len);
            InetAddress gw = RtAttrs.parse(attrs.slice().order(Bytes.HOST)).address(RTA_GATEWAY);
            out.add(new RouteInfo.NextHop(gw, ifindex, flags & RTNH_F_ONLINK));
            b.position(Math.min(b.limit(), start + NlHeader.align(len)));
        }
        return out;
    }

    static byte[] dumpRequest(int seq, int family) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
        new RtMsg(family, 0, 0, 0, 0, 0, 0, 0, 0).write(m.body());
        return m.build();
    }

    /**
     * A dump of one table. On a socket with NETLINK_GET_STRICT_CHK the kernel walks only that
     * table; without it the table is ignored and every table comes back (the caller filters).
     */
    static byte[] dumpRequest(int seq, int family, int table) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
        new RtMsg(family, 0, 0, 0, table < 256 ? table : RT_TABLE_UNSPEC, 0, 0, 0, 0).write(m.body());
        m.attrU32(RTA_TABLE, table);
        return m.build();
    }

    /**
     * @param type    RTM_NEWROUTE or RTM_DELROUTE
     * @param nlFlags extra NLM_F_* (CREATE|EXCL for add, CREATE|REPLACE for replace)
     */
    static byte[] request(int seq, int type, int nlFlags, RouteInfo r) {
        return request(seq, type, nlFlags, r, 0);
    }

    /** @param nexthopId a nexthop object (RTA_NH_ID) instead of the route's own next hops; 0: none */
    static byte[] request(int seq, int type, int nlFlags, RouteInfo r, int nexthopId) {
        boolean delete = type == RTM_DELROUTE;
        NlMessageBuilder m = new NlMessageBuilder(type, NLM_F_REQUEST | NLM_F_ACK | nlFlags, seq);
        // Delete with scope NOWHERE matches a route of any scope, as ip(8) does.
        new RtMsg(r.family(), r.dstLen(), 0, 0, r.table() < 256 ? r.table() : RT_TABLE_UNSPEC, r.protocol(),
                delete ? RT_SCOPE_NOWHERE : r.scope(), r.type(), delete ? 0 : r.flags()).write(m.body());
        m.attrU32(RTA_TABLE, r.table());
        if (r.dstLen() > 0) {
            m.attrAddress(RTA_DST, r.dst());
        }
        if (r.gateway() != null) {
            m.attrAddress(RTA_GATEWAY, r.gateway());
        }
        if (r.oif() > 0) {
            m.attrU32(RTA_OIF, r.oif());
        }
        if (r.prefsrc() != null) {
            m.attrAddress(RTA_PREFSRC, r.prefsrc());
        }
        if (r.priority() > 0) {
            m.attrU32(RTA_PRIORITY, r.priority());
        }
        if (!delete && nexthopId != 0) {
            m.attrU32(RTA_NH_ID, nexthopId);
        } else if (!delete && !r.nexthops().isEmpty()) {
            m.attr(RTA_MULTIPATH, multipath(r.nexthops()));
        }
        return m.build();
    }
}
