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
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        IfInfoMsg m = IfInfoMsg.read(b);
        if (m.family() != LibC.AF_UNSPEC) {
            return null;
        }
        RtAttrs a = RtAttrs.parse(b);
        String name = a.string(IFLA_IFNAME);
        if (name == null) {
            return null;
        }
        byte[] mac = a.bytes(IFLA_ADDRESS);
        boolean carrier = a.has(IFLA_CARRIER) ? a.u8(IFLA_CARRIER, 0) != 0 : (m.flags() & IFF_LOWER_UP) != 0;
        return new LinkInfo(m.index(), name, m.type(), m.flags(), OperState.of(a.u8(IFLA_OPERSTATE, 0)),
                carrier, a.u32(IFLA_CARRIER_CHANGES, -1), a.u32(IFLA_MTU, 0),
                mac == null || mac.length == 0 ? null : HwAddress.of(mac),
                a.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND), a.u32(IFLA_MASTER, 0));
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
}
