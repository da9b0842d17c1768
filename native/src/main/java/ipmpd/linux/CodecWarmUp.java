package ipmpd.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Runs the pure parts of a link failover's netlink and announcement code, in memory only: a
 * canned RTM_NEWLINK (carrier lost) is split and decoded as the monitor does, RTM_NEWADDR and
 * RTM_DELADDR requests for the moved address are encoded (IPv4 with a label, IPv6 without DAD)
 * and the gratuitous ARP and unsolicited neighbour advertisement frames with their link-layer
 * socket address are built. No socket is opened and nothing is sent. Called at start-up enough
 * times that the JIT compiles this code before the first real failover needs it.
 */
public final class CodecWarmUp {
    private static final String NAME = "warm0";
    private static final int INDEX = 9999;
    private static final int PROTO = 99; // any: only encoded

    private CodecWarmUp() {
    }

    /**
     * @param rounds how many times to run the whole path
     * @return the link-down events decoded (one per round when the codecs agree with each other)
     */
    public static int run(int rounds) {
        Inet4Address v4 = (Inet4Address) address(new byte[] {(byte) 192, 0, 2, 50});
        Inet6Address v6 = (Inet6Address) address(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x50});
        HwAddress mac = HwAddress.of(new byte[] {2, 0, 0, 0, 0, 1});
        long[] malformed = new long[1];
        int linkDowns = 0;
        long bytes = 0;
        for (int i = 0; i < rounds; i++) {
            byte[] datagram = linkDown(i);
            List<NlMessage> messages = NlMessage.split(datagram, datagram.length, malformed);
            for (NlMessage m : messages) {
                if (RtnlDecoder.event(m) instanceof RtEvent.Link l && l.info().index() == INDEX && !l.info().isRunning()) {
                    linkDowns++;
                }
            }
            AddrInfo add4 = AddrInfo.of(INDEX, v4, 24).withProto(PROTO).withLabel(NAME + ":1");
            AddrInfo add6 = AddrInfo.of(INDEX, v6, 64).withProto(PROTO).withFlags(Rtnl.IFA_F_NODAD);
            bytes += AddrCodec.request(i, true, add4).length + AddrCodec.request(i, false, add4).length;
            bytes += AddrCodec.request(i, true, add6).length + AddrCodec.request(i, false, add6).length;
            bytes += AnnounceFrames.gratuitousArp(mac, v4).length + AnnounceFrames.unsolicitedNa(mac, v6).length;
            bytes += SockAddr.packet(AnnounceFrames.ETH_P_ARP, INDEX, AnnounceFrames.BROADCAST).length;
        }
        return bytes > 0 ? linkDowns : 0;
    }

    /** An RTM_NEWLINK as the kernel sends it when a member loses carrier (up, not running). */
    static byte[] linkDown(int seq) {
        NlMessageBuilder m = new NlMessageBuilder(Rtnl.RTM_NEWLINK, 0, seq);
        new IfInfoMsg(LibC.AF_UNSPEC, 1, INDEX, Rtnl.IFF_UP | Rtnl.IFF_BROADCAST | Rtnl.IFF_MULTICAST, 0).write(m.body());
        m.attrString(Rtnl.IFLA_IFNAME, NAME);
        m.attrU32(Rtnl.IFLA_MTU, 1500);
        m.attr(Rtnl.IFLA_ADDRESS, new byte[] {2, 0, 0, 0, 0, 1});
        m.attrU8(Rtnl.IFLA_OPERSTATE, 2); // IF_OPER_DOWN
        m.attrU8(Rtnl.IFLA_CARRIER, 0);
        m.attrU32(Rtnl.IFLA_CARRIER_CHANGES, seq & 0xffff);
        return m.build();
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
