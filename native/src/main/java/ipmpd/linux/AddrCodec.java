package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** RTM_*ADDR messages: ifaddrmsg + IFA_* attributes. */
final class AddrCodec {
    private AddrCodec() {
    }

    /** @return the address, or null if the message carries none or is of another family */
    static AddrInfo decode(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        IfAddrMsg m = IfAddrMsg.read(b);
        if (m.family() != LibC.AF_INET && m.family() != LibC.AF_INET6) {
            return null;
        }
        RtAttrs a = RtAttrs.parse(b);
        // For IPv4 point-to-point links IFA_ADDRESS is the peer and IFA_LOCAL ours; otherwise equal.
        InetAddress addr = a.has(IFA_LOCAL) ? a.address(IFA_LOCAL) : a.address(IFA_ADDRESS);
        if (addr == null) {
            return null;
        }
        int flags = a.has(IFA_FLAGS) ? a.u32(IFA_FLAGS, m.flags()) : m.flags();
        return new AddrInfo(m.index(), m.family(), addr, m.prefixLen(), a.string(IFA_LABEL), flags, m.scope(),
                a.u8(IFA_PROTO, 0));
    }

    static byte[] dumpRequest(int seq, int family) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
        new IfAddrMsg(family, 0, 0, 0, 0).write(m.body());
        return m.build();
    }

    /** RTM_NEWADDR (create, fail if present) or RTM_DELADDR, with ACK. */
    static byte[] request(int seq, boolean add, AddrInfo ai) {
        int flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
        NlMessageBuilder m = new NlMessageBuilder(add ? RTM_NEWADDR : RTM_DELADDR, flags, seq);
        new IfAddrMsg(ai.family(), ai.prefixLen(), ai.flags() & 0xff, ai.scope(), ai.index()).write(m.body());
        m.attrAddress(IFA_LOCAL, ai.address());
        m.attrAddress(IFA_ADDRESS, ai.address());
        if (add && ai.family() == LibC.AF_INET && ai.prefixLen() <= 30) {
            m.attrAddress(IFA_BROADCAST, broadcast(ai.address(), ai.prefixLen())); // as "ip addr add ... brd +"
        }
        if (ai.label() != null && ai.family() == LibC.AF_INET) {
            m.attrString(IFA_LABEL, ai.label());
        }
        if (ai.proto() != 0 && add) {
            m.attrU8(IFA_PROTO, ai.proto());
        }
        if (ai.flags() != 0) {
            m.attrU32(IFA_FLAGS, ai.flags()); // flags above 0xff (NOPREFIXROUTE...) only fit here
        }
        return m.build();
    }

    static InetAddress broadcast(InetAddress a, int prefixLen) {
        byte[] b = a.getAddress();
        int v = ByteBuffer.wrap(b).getInt();
        int host = prefixLen == 0 ? -1 : (int) ((1L << (32 - prefixLen)) - 1);
        ByteBuffer.wrap(b).putInt(v | host);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
