package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.nio.ByteBuffer;

/** RTM_*LINK messages: ifinfomsg + IFLA_* attributes. */
final class LinkCodec {
    private LinkCodec() {
    }

    /**
     * @return the link, or null for messages that are not about a plain interface (AF_BRIDGE port
     *         notifications share RTM_NEWLINK) or that lack a name
     * @throws RuntimeException (buffer underflow) on a payload shorter than ifinfomsg
     */
    static LinkInfo decode(ByteBuffer payload) {
        Link l = link(payload);
        if (l == null) {
            return null;
        }
        IfInfoMsg m = l.header;
        RtAttrs a = l.attrs;
        boolean carrier = a.has(IFLA_CARRIER) ? a.u8(IFLA_CARRIER, 0) != 0 : (m.flags() & IFF_LOWER_UP) != 0;
        RtAttrs linkInfo = a.nested(IFLA_LINKINFO);
        String kind = linkInfo.string(IFLA_INFO_KIND);
        int vlanId = "vlan".equals(kind) ? linkInfo.nested(IFLA_INFO_DATA).u16(IFLA_VLAN_ID, LinkInfo.NO_VLAN)
                : LinkInfo.NO_VLAN;
        // A lower device in another namespace (IFLA_LINK_NETNSID) is not one this host's members share.
        int lower = kind != null && LinkInfo.STACKED_KINDS.contains(kind) && !a.has(IFLA_LINK_NETNSID)
                ? a.u32(IFLA_LINK, 0) : 0;
        return new LinkInfo(m.index(), l.name, m.type(), m.flags(), OperState.of(a.u8(IFLA_OPERSTATE, 0)),
                carrier, a.u32(IFLA_CARRIER_CHANGES, -1), a.u32(IFLA_MTU, 0), l.address(), kind,
                a.u32(IFLA_MASTER, 0), lower == m.index() ? 0 : lower, vlanId, a.string(IFLA_IFALIAS));
    }

    /** An RTM_*LINK message's ifinfomsg, attributes and name. */
    private record Link(IfInfoMsg header, RtAttrs attrs, String name) {
        /** IFLA_ADDRESS, null if the link has none. */
        HwAddress address() {
            byte[] mac = attrs.bytes(IFLA_ADDRESS);
            return mac == null || mac.length == 0 ? null : HwAddress.of(mac);
        }
    }

    /** Null for messages that are not about a plain interface or that lack a name (see {@link #decode}). */
    private static Link link(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        IfInfoMsg m = IfInfoMsg.read(b);
        if (m.family() != LibC.AF_UNSPEC) {
            return null;
        }
        RtAttrs a = RtAttrs.parse(b);
        String name = a.string(IFLA_IFNAME);
        return name == null ? null : new Link(m, a, name);
    }

    /** struct rtnl_link_stats64: u64 fields in this order (the kernel appends new ones at the end). */
    private static final int RX_PACKETS = 0;
    private static final int TX_PACKETS = 1;
    private static final int RX_BYTES = 2;
    private static final int TX_BYTES = 3;
    private static final int RX_ERRORS = 4;
    private static final int TX_ERRORS = 5;
    private static final int RX_DROPPED = 6;
    private static final int TX_DROPPED = 7;
    private static final int MULTICAST = 8;
    private static final int RX_NOHANDLER = 23;

    /**
     * The counters and the link attributes IF-MIB shows, or null as {@link #decode} (a link the
     * kernel sends without IFLA_STATS64 gets zero counters).
     */
    static LinkStatistics decodeStatistics(ByteBuffer payload) {
        Link l = link(payload);
        if (l == null) {
            return null;
        }
        IfInfoMsg m = l.header;
        RtAttrs a = l.attrs;
        byte[] st = a.bytes(IFLA_STATS64);
        ByteBuffer s = st == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(st).order(Bytes.HOST);
        String alias = a.string(IFLA_IFALIAS);
        return new LinkStatistics(m.index(), l.name, m.type(), a.u32(IFLA_MTU, 0), l.address(),
                alias == null ? "" : alias, m.flags(),
                a.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND), u64(s, RX_PACKETS), u64(s, RX_BYTES),
                u64(s, MULTICAST), u64(s, RX_ERRORS), u64(s, RX_DROPPED), u64(s, RX_NOHANDLER), u64(s, TX_PACKETS),
                u64(s, TX_BYTES), u64(s, TX_ERRORS), u64(s, TX_DROPPED));
    }

    /** Field {@code i} of a struct of u64, 0 where an older kernel's struct ends before it. */
    private static long u64(ByteBuffer s, int i) {
        return s.limit() >= (i + 1) * 8 ? s.getLong(i * 8) : 0;
    }

    static byte[] dumpRequest(int seq) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 0, 0, 0, 0).write(m.body());
        return m.build();
    }

    /** RTM_GETLINK for one index; answering it makes the kernel sync pending carrier changes first. */
    static byte[] getRequest(int seq, int index) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 0, index, 0, 0).write(m.body());
        return m.build();
    }

    /** RTM_NEWLINK changing only IFF_UP of one link (ip link set IF up|down). */
    static byte[] setUpRequest(int seq, int index, boolean up) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 0, index, up ? Rtnl.IFF_UP : 0, Rtnl.IFF_UP).write(m.body());
        return m.build();
    }

    /** RTM_NEWLINK creating a virtual device ({@code ip link add NAME type KIND}), exclusively. */
    static byte[] createRequest(int seq, String name, String kind) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 0, 0, 0, 0).write(m.body());
        m.attrString(IFLA_IFNAME, name);
        NlMessageBuilder info = new NlMessageBuilder(0, 0, 0);
        info.attrString(IFLA_INFO_KIND, kind);
        byte[] nested = info.build();
        m.attr(IFLA_LINKINFO, java.util.Arrays.copyOfRange(nested, NlHeader.SIZE, nested.length));
        return m.build();
    }

    /** RTM_NEWLINK setting the alias of one link ({@code ip link set IF alias TEXT}). */
    static byte[] setAliasRequest(int seq, int index, String alias) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 0, index, 0, 0).write(m.body());
        m.attrString(IFLA_IFALIAS, alias);
        return m.build();
    }

    /** RTM_DELLINK of one link by index. */
    static byte[] deleteRequest(int seq, int index) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 0, index, 0, 0).write(m.body());
        return m.build();
    }
}
