package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Netlink encoding and decoding without a kernel. */
class RtnlCodecTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    /** The single message of a built request, as the decoder would receive it. */
    private static NlMessage only(byte[] datagram) {
        long[] bad = new long[1];
        List<NlMessage> msgs = NlMessage.split(datagram, datagram.length, bad);
        assertEquals(1, msgs.size());
        assertEquals(0, bad[0]);
        return msgs.get(0);
    }

    /** An RTM_NEWLINK as the kernel would send it. */
    static byte[] newLink(int seq, int index, String name, int flags, int operState) {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 1, index, flags, 0).write(m.body());
        m.attrString(Rtnl.IFLA_IFNAME, name);
        m.attrU32(Rtnl.IFLA_MTU, 9000);
        m.attr(Rtnl.IFLA_ADDRESS, new byte[] {2, 0, 0, 0, 0, 1});
        m.attrU8(Rtnl.IFLA_OPERSTATE, operState);
        m.attrU8(Rtnl.IFLA_CARRIER, (flags & Rtnl.IFF_LOWER_UP) != 0 ? 1 : 0);
        m.attrU32(Rtnl.IFLA_CARRIER_CHANGES, 7);
        m.attrU32(Rtnl.IFLA_MASTER, 3);
        m.attr(Rtnl.IFLA_LINKINFO | 0x8000, nested(Rtnl.IFLA_INFO_KIND, "veth\0".getBytes())); // NLA_F_NESTED
        m.attr(999, new byte[] {1, 2, 3}); // an attribute from a newer kernel: ignored
        return m.build();
    }

    private static byte[] nested(int type, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(NlHeader.align(4 + value.length)).order(Bytes.HOST);
        b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        return b.array();
    }

    @Test
    void aRequestLongerThanTheBuildersFirstBufferKeepsEveryAttribute() {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, 9);
        new IfInfoMsg(LibC.AF_UNSPEC, 1, 4, 0, 0).write(m.body());
        byte[] big = new byte[1001];
        java.util.Arrays.fill(big, (byte) 7);
        for (int i = 0; i < 40; i++) {
            m.attrU32(100 + i, i);
        }
        m.attr(200, big);
        m.attrU8(201, 5);
        byte[] req = m.build();
        ByteBuffer b = ByteBuffer.wrap(req).order(Bytes.HOST);
        assertEquals(req.length, b.getInt(0));
        assertEquals(NlHeader.SIZE + IfInfoMsg.SIZE + 40 * 8 + NlHeader.align(4 + 1001) + 8, req.length);
        assertEquals(4, b.getInt(NlHeader.SIZE + 4), "the fixed struct written before the buffer grew");
        int at = NlHeader.SIZE + IfInfoMsg.SIZE;
        for (int i = 0; i < 40; i++, at += 8) {
            assertEquals(100 + i, b.getShort(at + 2));
            assertEquals(i, b.getInt(at + 4));
        }
        assertEquals(4 + 1001, b.getShort(at));
        assertEquals(7, req[at + 4 + 1000]);
        at += NlHeader.align(4 + 1001);
        assertEquals(201, b.getShort(at + 2));
        assertEquals(5, req[at + 4]);
    }

    @Test
    void nlmsghdrIsHostOrderAndLengthIncludesEverything() {
        byte[] req = LinkCodec.getRequest(0x01020304, 5);
        ByteBuffer b = ByteBuffer.wrap(req).order(Bytes.HOST);
        assertEquals(req.length, b.getInt(0));
        assertEquals(NlHeader.SIZE + IfInfoMsg.SIZE, req.length);
        assertEquals(Rtnl.RTM_GETLINK, b.getShort(4));
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, b.getShort(6));
        assertEquals(0x01020304, b.getInt(8));
        assertEquals(5, b.getInt(NlHeader.SIZE + 4)); // ifi_index
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, ByteBuffer.wrap(LinkCodec.dumpRequest(1)).order(Bytes.HOST).getShort(6));
    }

    @Test
    void linkMessageDecodes() {
        int flags = Rtnl.IFF_UP | Rtnl.IFF_RUNNING | Rtnl.IFF_LOWER_UP | Rtnl.IFF_MULTICAST | Rtnl.IFF_BROADCAST;
        RtEvent e = RtnlDecoder.event(only(newLink(1, 42, "veth1", flags, 6)));
        RtEvent.Link l = assertInstanceOf(RtEvent.Link.class, e);
        assertEquals(RtEvent.Kind.NEW, l.kind());
        LinkInfo li = l.info();
        assertEquals(new LinkInfo(42, "veth1", 1, flags, OperState.UP, true, 7, 9000,
                HwAddress.parse("02:00:00:00:00:01"), "veth", 3), li);
        assertTrue(li.isUp() && li.isRunning() && li.isLowerUp() && li.isMulticast());
        assertFalse(li.isLoopback() || li.isPointToPoint());
        assertEquals("02:00:00:00:00:01", li.address().toString());
    }

    @Test
    void aLinksAliasIsDecodedAndMissingIsEmpty() {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, 1);
        new IfInfoMsg(LibC.AF_UNSPEC, 1, 42, Rtnl.IFF_UP | Rtnl.IFF_MULTICAST, 0).write(m.body());
        m.attrString(Rtnl.IFLA_IFNAME, "production0");
        m.attrString(Rtnl.IFLA_IFALIAS, "ipmpd IPMP interface");
        LinkInfo l = assertInstanceOf(RtEvent.Link.class, RtnlDecoder.event(only(m.build()))).info();
        assertEquals("ipmpd IPMP interface", l.alias());
        assertEquals("", stacked("veth", false).alias());
    }

    /** A link of {@code kind} with IFLA_LINK 7 (and IFLA_LINK_NETNSID when {@code otherNs}). */
    private static LinkInfo stacked(String kind, boolean otherNs) {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, 1);
        new IfInfoMsg(LibC.AF_UNSPEC, 1, 42, Rtnl.IFF_UP | Rtnl.IFF_MULTICAST, 0).write(m.body());
        m.attrString(Rtnl.IFLA_IFNAME, "x");
        m.attrU32(Rtnl.IFLA_LINK, 7);
        if (otherNs) {
            m.attrU32(Rtnl.IFLA_LINK_NETNSID, 0);
        }
        m.attr(Rtnl.IFLA_LINKINFO | 0x8000, nested(Rtnl.IFLA_INFO_KIND, (kind + "\0").getBytes()));
        return assertInstanceOf(RtEvent.Link.class, RtnlDecoder.event(only(m.build()))).info();
    }

    @Test
    void theLowerDeviceIsThatOfStackedKindsOnly() {
        assertEquals(7, stacked("macvlan", false).lower());
        assertEquals(7, stacked("vlan", false).physicalIndex());
        assertEquals(0, stacked("veth", false).lower(), "a veth's IFLA_LINK is its peer");
        assertEquals(42, stacked("veth", false).physicalIndex());
        assertEquals(0, stacked("macvlan", true).lower(), "a lower device in another namespace");
    }

    /**
     * RTM_NEWLINK's IFLA_LINKINFO of a VLAN of ID 1000 with one ingress priority mapping, laid out as
     * the kernel's rtnl_link_info_fill and vlan_fill_info write it (nests without NLA_F_NESTED, each
     * attribute padded to 4): { IFLA_INFO_KIND "vlan", IFLA_INFO_DATA { IFLA_VLAN_PROTOCOL (be16
     * 0x8100), IFLA_VLAN_ID (u16), IFLA_VLAN_FLAGS (struct ifla_vlan_flags), IFLA_VLAN_INGRESS_QOS
     * { IFLA_VLAN_QOS_MAPPING {from 1, to 5} } } }.
     */
    private static final byte[] VLAN_LINKINFO = {
            64, 0, 18, 0, // IFLA_LINKINFO, 64 bytes
            9, 0, 1, 0, 'v', 'l', 'a', 'n', 0, 0, 0, 0, // IFLA_INFO_KIND "vlan\0" (9) + 3 padding
            48, 0, 2, 0, // IFLA_INFO_DATA, 48 bytes
            6, 0, 5, 0, (byte) 0x81, 0x00, 0, 0, // IFLA_VLAN_PROTOCOL 802.1Q, network order + 2 padding
            6, 0, 1, 0, (byte) 0xe8, 0x03, 0, 0, // IFLA_VLAN_ID 1000 (0x03e8, host order) + 2 padding
            12, 0, 2, 0, 1, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, // IFLA_VLAN_FLAGS REORDER_HDR, mask ~0
            16, 0, 4, 0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 0, 0 }; // IFLA_VLAN_INGRESS_QOS { QOS_MAPPING 1 -> 5 }

    private static LinkInfo withLinkInfo(byte[] linkInfo) {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, 1);
        new IfInfoMsg(LibC.AF_UNSPEC, 1, 42, Rtnl.IFF_UP | Rtnl.IFF_MULTICAST, 0).write(m.body());
        m.attrString(Rtnl.IFLA_IFNAME, "bge1000");
        m.attrU32(Rtnl.IFLA_LINK, 7);
        byte[] msg = m.build();
        byte[] all = Arrays.copyOf(msg, msg.length + linkInfo.length);
        System.arraycopy(linkInfo, 0, all, msg.length, linkInfo.length);
        ByteBuffer.wrap(all).order(Bytes.HOST).putInt(0, all.length); // nlmsg_len covers the appended attribute
        return assertInstanceOf(RtEvent.Link.class, RtnlDecoder.event(only(all))).info();
    }

    @Test
    void aVlansIdComesFromItsLinkInfoData() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, Bytes.HOST, "the bytes above are x86/arm64 host order");
        LinkInfo l = withLinkInfo(VLAN_LINKINFO);
        assertEquals("vlan", l.kind());
        assertEquals(1000, l.vlanId());
        assertTrue(l.isVlan());
        assertEquals(7, l.lower());
    }

    @Test
    void aLinkOfAnotherKindOrWithoutDataHasNoVlanId() {
        assertEquals(LinkInfo.NO_VLAN, stacked("macvlan", false).vlanId());
        assertFalse(stacked("vlan", false).isVlan(), "kind vlan without IFLA_INFO_DATA");
        byte[] macvlanWithData = VLAN_LINKINFO.clone();
        System.arraycopy("macv".getBytes(), 0, macvlanWithData, 8, 4); // same bytes, kind "macv"
        assertEquals(LinkInfo.NO_VLAN, withLinkInfo(macvlanWithData).vlanId(),
                "attribute 1 of another kind's data is not a VLAN ID");
    }

    @Test
    void carrierFallsBackToLowerUpWhenTheAttributeIsMissing() {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_DELLINK, 0, 1);
        new IfInfoMsg(LibC.AF_UNSPEC, 772, 1, Rtnl.IFF_LOOPBACK | Rtnl.IFF_UP, 0).write(m.body());
        m.attrString(Rtnl.IFLA_IFNAME, "lo");
        RtEvent.Link l = assertInstanceOf(RtEvent.Link.class, RtnlDecoder.event(only(m.build())));
        assertEquals(RtEvent.Kind.DEL, l.kind());
        assertFalse(l.info().carrier());
        assertEquals(-1, l.info().carrierChanges());
        assertNull(l.info().address());
        assertNull(l.info().kind());
        assertEquals(OperState.UNKNOWN, l.info().operState());
    }

    @Test
    void addressRequestRoundTrips() throws Exception {
        AddrInfo a = AddrInfo.of(7, ip("192.0.2.10"), 24).withLabel("veth1:2")
                .withFlags(Rtnl.IFA_F_NODAD | Rtnl.IFA_F_NOPREFIXROUTE);
        NlMessage m = only(AddrCodec.request(9, true, a));
        assertEquals(Rtnl.RTM_NEWADDR, m.header().type());
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL, m.header().flags());
        RtEvent.Address e = assertInstanceOf(RtEvent.Address.class, RtnlDecoder.event(m));
        assertEquals(a, e.info());
        RtAttrs attrs = RtAttrs.parse(m.payload().position(IfAddrMsg.SIZE));
        assertEquals(ip("192.0.2.255"), attrs.address(Rtnl.IFA_BROADCAST));
        // Addresses are network order on the wire, flags host order.
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 10}, attrs.bytes(Rtnl.IFA_LOCAL));
        assertEquals(Rtnl.IFA_F_NODAD | Rtnl.IFA_F_NOPREFIXROUTE, attrs.u32(Rtnl.IFA_FLAGS, 0));
        assertArrayEquals(Bytes.intNative(0x202), attrs.bytes(Rtnl.IFA_FLAGS));

        AddrInfo v6 = AddrInfo.of(7, ip("2001:db8::10"), 64).withLabel("ignored").withFlags(Rtnl.IFA_F_NODAD);
        AddrInfo back = ((RtEvent.Address) RtnlDecoder.event(only(AddrCodec.request(10, false, v6)))).info();
        assertEquals(v6.withLabel(null), back, "IPv6 has no labels");
        assertInstanceOf(Inet6Address.class, back.address());
    }

    @Test
    void ipv4MappedIpv6AddressKeepsItsFamily() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[15] = 1;
        AddrInfo a = AddrInfo.of(1, Inet6Address.getByAddress(null, mapped, -1), 128);
        AddrInfo back = ((RtEvent.Address) RtnlDecoder.event(only(AddrCodec.request(1, true, a)))).info();
        assertInstanceOf(Inet6Address.class, back.address());
        assertEquals(LibC.AF_INET6, back.family());
    }

    @Test
    void routeRequestRoundTrips() throws Exception {
        RouteInfo r = RouteInfo.to(ip("198.51.100.0"), 24).gateway(ip("192.0.2.1")).oif(4).metric(100)
                .prefsrc(ip("192.0.2.10")).table(1000).protocol(Rtnl.RTPROT_STATIC).build();
        NlMessage m = only(RouteCodec.request(3, Rtnl.RTM_NEWROUTE, Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE, r));
        RtEvent.Route e = assertInstanceOf(RtEvent.Route.class, RtnlDecoder.event(m));
        assertEquals(r, e.info());
        assertEquals(Rtnl.RT_SCOPE_UNIVERSE, r.scope());
        assertEquals(Rtnl.RT_TABLE_UNSPEC, m.payload().get(4), "tables above 255 only in RTA_TABLE");

        RouteInfo direct = RouteInfo.to(ip("203.0.113.0"), 24).oif(4).build();
        assertEquals(Rtnl.RT_SCOPE_LINK, direct.scope());
        RouteInfo def6 = RouteInfo.defaultRoute(LibC.AF_INET6).gateway(ip("fe80::1")).oif(2).build();
        RouteInfo back = ((RtEvent.Route) RtnlDecoder.event(only(RouteCodec.request(4, Rtnl.RTM_NEWROUTE, 0, def6)))).info();
        assertEquals(def6, back);
        assertTrue(back.isDefault());
        assertEquals(ip("::"), back.dst());

        NlMessage del = only(RouteCodec.request(5, Rtnl.RTM_DELROUTE, 0, r));
        assertEquals(Rtnl.RT_SCOPE_NOWHERE, del.payload().get(6) & 0xff, "delete matches any scope");
        assertEquals(RtEvent.Kind.DEL, ((RtEvent.Route) RtnlDecoder.event(del)).kind());
    }

    @Test
    void multipathRouteRequestRoundTripsAndANexthopIdReplacesTheNextHops() throws Exception {
        RouteInfo mp = new RouteInfo(LibC.AF_INET, ip("198.51.100.0"), 24, null, 0, 1000, Rtnl.RTPROT_STATIC,
                Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_UNIVERSE, 0, null, 0, List.of(
                new RouteInfo.NextHop(ip("192.0.2.1"), 4, Rtnl.RTNH_F_ONLINK),
                new RouteInfo.NextHop(null, 5, 0),
                new RouteInfo.NextHop(ip("192.0.2.1"), 6, 0)));
        RouteInfo back = ((RtEvent.Route) RtnlDecoder.event(only(RouteCodec.request(1, Rtnl.RTM_NEWROUTE, 0, mp)))).info();
        assertEquals(mp, back);
        RouteInfo six = new RouteInfo(LibC.AF_INET6, ip("::"), 0, null, 0, 1000, Rtnl.RTPROT_STATIC,
                Rtnl.RTN_UNICAST, Rtnl.RT_SCOPE_UNIVERSE, 1024, null, 0, List.of(
                new RouteInfo.NextHop(ip("fe80::1"), 4, 0), new RouteInfo.NextHop(ip("fe80::1"), 5, 0)));
        assertEquals(six, ((RtEvent.Route) RtnlDecoder.event(only(RouteCodec.request(2, Rtnl.RTM_NEWROUTE, 0, six)))).info());
        // With a nexthop object the route carries RTA_NH_ID (30) and none of its own next hops.
        NlMessage viaObject = only(RouteCodec.request(3, Rtnl.RTM_NEWROUTE, 0, mp, 0x49500001));
        RtAttrs a = RtAttrs.parse(viaObject.payload().position(12).slice().order(Bytes.HOST));
        assertEquals(0x49500001, a.u32(30, 0));
        assertEquals(null, a.bytes(Rtnl.RTA_MULTIPATH));
    }

    @Test
    void nexthopRequestsCarryIdDeviceGatewayAndGroupMembers() throws Exception {
        NlMessage one = only(NexthopCodec.single(1, 7, LibC.AF_INET, 4, ip("192.0.2.1"), true));
        assertEquals(NexthopCodec.RTM_NEWNEXTHOP, one.header().type());
        ByteBuffer body = one.payload().order(Bytes.HOST);
        assertEquals(LibC.AF_INET, body.get(0));
        assertEquals(Rtnl.RTNH_F_ONLINK, body.getInt(4), "on-link in nhmsg's flags");
        RtAttrs a = RtAttrs.parse(body.position(8).slice().order(Bytes.HOST));
        assertEquals(7, a.u32(NexthopCodec.NHA_ID, 0));
        assertEquals(4, a.u32(NexthopCodec.NHA_OIF, 0));
        assertEquals(ip("192.0.2.1"), a.address(NexthopCodec.NHA_GATEWAY));

        NlMessage group = only(NexthopCodec.group(2, 9, List.of(7, 8)));
        ByteBuffer g = ByteBuffer.wrap(RtAttrs.parse(group.payload().position(8).slice().order(Bytes.HOST))
                .bytes(NexthopCodec.NHA_GROUP)).order(Bytes.HOST);
        assertEquals(16, g.remaining(), "two struct nexthop_grp");
        assertEquals(7, g.getInt(0));
        assertEquals(8, g.getInt(8));
        assertEquals(NexthopCodec.RTM_DELNEXTHOP, only(NexthopCodec.delete(3, 9)).header().type());
    }

    @Test
    void ruleRequestRoundTrips() throws Exception {
        RuleInfo r = RuleInfo.fromSource(ip("192.0.2.10"), 32, 100, 1000);
        NlMessage m = only(RuleCodec.request(1, true, r));
        assertEquals(Rtnl.RTM_NEWRULE, m.header().type());
        assertEquals(r, RuleCodec.decode(m.payload()));
        RuleInfo big = RuleInfo.fromSource(ip("2001:db8::10"), 128, 70000, 5);
        assertEquals(big, RuleCodec.decode(only(RuleCodec.request(2, false, big)).payload()));
    }

    @Test
    void ruleWithIpProtoRoundTrips() throws Exception {
        RuleInfo tcp = RuleInfo.fromSource(ip("192.0.2.50"), 32, 1078576, 999).withIpProto(6);
        assertEquals(tcp, RuleCodec.decode(only(RuleCodec.request(1, true, tcp)).payload()));
        RuleInfo any = RuleInfo.fromSource(ip("192.0.2.50"), 32, 30002, 1000);
        assertEquals(0, RuleCodec.decode(only(RuleCodec.request(2, true, any)).payload()).ipProto());
    }

    @Test
    void linkCreationNamesTheDeviceAndItsKind() {
        NlMessage m = only(LinkCodec.createRequest(1, "ipmp0", "dummy"));
        assertEquals(Rtnl.RTM_NEWLINK, m.header().type());
        RtAttrs a = RtAttrs.parse(m.payload().position(16).slice().order(Bytes.HOST));
        assertEquals("ipmp0", a.string(Rtnl.IFLA_IFNAME));
        assertEquals("dummy", a.nested(Rtnl.IFLA_LINKINFO).string(Rtnl.IFLA_INFO_KIND));
        assertEquals(Rtnl.RTM_DELLINK, only(LinkCodec.deleteRequest(2, 7)).header().type());
    }

    @Test
    void proxyNeighbourRequestsDecodeAsTheEntry() throws Exception {
        ProxyNeighbour p = new ProxyNeighbour(3, ip("2001:db8::50"), 73);
        NlMessage add = only(NeighCodec.request(1, true, p));
        assertEquals(NeighCodec.RTM_NEWNEIGH, add.header().type());
        assertEquals(p, NeighCodec.decode(add.payload()));
        assertEquals(new ProxyNeighbour(3, ip("2001:db8::50"), 0),
                NeighCodec.decode(only(NeighCodec.request(2, false, p)).payload()), "deleted by index and address");
        assertEquals(NeighCodec.RTM_GETNEIGH, only(NeighCodec.dumpRequest(3, LibC.AF_INET6)).header().type());
    }

    @Test
    void errorMessagesDecodeWithAndWithoutExtendedAck() {
        // NLMSG_ERROR: int error, the echoed request header (capped), then NLMSGERR_ATTR_MSG.
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.NLMSG_ERROR, Rtnl.NLM_F_CAPPED | Rtnl.NLM_F_ACK_TLVS, 5);
        m.body().putInt(-Errno.ENETUNREACH);
        new NlHeader(40, Rtnl.RTM_NEWROUTE, 0, 5, 0).write(m.body());
        m.attrString(Rtnl.NLMSGERR_ATTR_MSG, "Nexthop has invalid gateway");
        assertEquals(new NlError(Errno.ENETUNREACH, "Nexthop has invalid gateway"), NlError.decode(only(m.build())));

        NlMessageBuilder ack = new NlMessageBuilder(Rtnl.NLMSG_ERROR, 0, 6);
        ack.body().putInt(0);
        new NlHeader(16, Rtnl.RTM_NEWADDR, 0, 6, 0).write(ack.body());
        assertEquals(new NlError(0, null), NlError.decode(only(ack.build())));
        NativeIOException e = new NativeIOException("add route", Errno.ENETUNREACH, "Nexthop has invalid gateway");
        assertEquals("add route: Network is unreachable (errno 101): Nexthop has invalid gateway", e.getMessage());
    }

    @Test
    void severalMessagesInOneDatagramAreSplit() {
        byte[] a = newLink(1, 1, "a", 0, 2);
        byte[] b = newLink(2, 2, "b", 0, 2);
        byte[] d = new byte[a.length + b.length];
        System.arraycopy(a, 0, d, 0, a.length);
        System.arraycopy(b, 0, d, a.length, b.length);
        List<NlMessage> msgs = NlMessage.split(d, d.length, null);
        assertEquals(List.of(1, 2), msgs.stream().map(x -> x.header().seq()).toList());
    }

    @Test
    void truncatedDatagramKeepsTheCompleteMessagesAndCountsTheRest() {
        byte[] a = newLink(1, 1, "a", 0, 2);
        byte[] b = newLink(2, 2, "b", 0, 2);
        byte[] d = new byte[a.length + b.length];
        System.arraycopy(a, 0, d, 0, a.length);
        System.arraycopy(b, 0, d, a.length, b.length);
        long[] bad = new long[1];
        List<NlMessage> msgs = NlMessage.split(d, a.length + b.length - 5, bad);
        assertEquals(1, msgs.size());
        assertEquals(1, bad[0]);
        // A header claiming less than itself.
        ByteBuffer.wrap(d).order(Bytes.HOST).putInt(0, 8);
        assertEquals(0, NlMessage.split(d, d.length, bad).size());
        assertEquals(2, bad[0]);
    }

    @Test
    void shortOrUnknownMessagesAreSkippedWithoutExceptions() {
        NlMessageBuilder tooShort = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, 1);
        tooShort.body().putInt(1); // 4 of 16 ifinfomsg bytes
        assertNull(RtnlDecoder.event(only(tooShort.build())));
        NlMessageBuilder unknown = new NlMessageBuilder(Rtnl.RTM_NEWRULE + 100, 0, 1);
        unknown.body().putLong(0);
        assertNull(RtnlDecoder.event(only(unknown.build())));
        NlMessageBuilder bridge = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, 1);
        new IfInfoMsg(7 /* AF_BRIDGE */, 1, 3, 0, 0).write(bridge.body());
        bridge.attrString(Rtnl.IFLA_IFNAME, "p1");
        assertNull(RtnlDecoder.event(only(bridge.build())), "bridge port notifications are not links");
        NlMessageBuilder noAddress = new NlMessageBuilder(Rtnl.RTM_NEWADDR, 0, 1);
        new IfAddrMsg(LibC.AF_INET, 24, 0, 0, 1).write(noAddress.body());
        assertNull(RtnlDecoder.event(only(noAddress.build())));
    }

    @Test
    void malformedAttributeEndsParsingButKeepsEarlierOnes() {
        byte[] msg = newLink(1, 5, "eth0", 0, 2);
        // Corrupt the length of the third attribute (IFLA_ADDRESS) to point past the end.
        int off = NlHeader.SIZE + IfInfoMsg.SIZE;
        ByteBuffer b = ByteBuffer.wrap(msg).order(Bytes.HOST);
        off += NlHeader.align(b.getShort(off) & 0xffff); // IFLA_IFNAME
        off += NlHeader.align(b.getShort(off) & 0xffff); // IFLA_MTU
        b.putShort(off, (short) 2000);
        LinkInfo li = ((RtEvent.Link) RtnlDecoder.event(only(msg))).info();
        assertEquals("eth0", li.name());
        assertEquals(9000, li.mtu());
        assertNull(li.address());
        RtAttrs attrs = RtAttrs.parse(ByteBuffer.wrap(msg, NlHeader.SIZE + IfInfoMsg.SIZE,
                msg.length - NlHeader.SIZE - IfInfoMsg.SIZE).slice().order(Bytes.HOST));
        assertTrue(attrs.malformed());
    }

    @Test
    void randomGarbageNeverThrows() {
        Random rnd = new Random(42);
        byte[] valid = newLink(1, 1, "x", 0, 6);
        for (int i = 0; i < 5000; i++) {
            byte[] d;
            if (i % 2 == 0) {
                d = new byte[rnd.nextInt(200)];
                rnd.nextBytes(d);
            } else {
                d = Arrays.copyOf(valid, valid.length); // a valid message with a few bytes flipped
                for (int k = 0; k < 3; k++) {
                    d[rnd.nextInt(d.length)] = (byte) rnd.nextInt();
                }
                // keep type plausible so the decoders actually run
                ByteBuffer.wrap(d).order(Bytes.HOST).putShort(4, (short) (Rtnl.RTM_NEWLINK + rnd.nextInt(12)));
            }
            for (NlMessage m : NlMessage.split(d, d.length, new long[1])) {
                RtnlDecoder.event(m);
            }
        }
    }

    @Test
    void broadcastAddressIsComputedFromThePrefix() throws Exception {
        assertEquals(ip("192.0.2.255"), AddrCodec.broadcast(ip("192.0.2.10"), 24));
        assertEquals(ip("198.51.100.3"), AddrCodec.broadcast(ip("198.51.100.1"), 30));
        assertEquals(ip("255.255.255.255"), AddrCodec.broadcast(ip("203.0.113.1"), 0));
    }
}
