package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.nio.ByteBuffer;

/**
 * RTM_*NEIGH messages for proxy neighbour entries ({@code ip -6 neigh add proxy ADDR dev IF}):
 * struct ndmsg { u8 family; u8 pad1; u16 pad2; s32 ifindex; u16 state; u8 flags; u8 type; } +
 * NDA_DST.
 */
final class NeighCodec {
    static final int RTM_NEWNEIGH = 28;
    static final int RTM_DELNEIGH = 29;
    static final int RTM_GETNEIGH = 30;
    static final int NDA_DST = 1;
    static final int NDA_PROTOCOL = 12;
    static final int NTF_PROXY = 0x08;
    static final int NUD_PERMANENT = 0x80;

    private NeighCodec() {
    }

    private static NlMessageBuilder start(int type, int nlFlags, int seq, int family, int index, int state) {
        NlMessageBuilder m = new NlMessageBuilder(type, NLM_F_REQUEST | nlFlags, seq);
        m.body().put((byte) family).put((byte) 0).putShort((short) 0).putInt(index).putShort((short) state)
                .put((byte) NTF_PROXY).put((byte) 0);
        return m;
    }

    /** Adds (or, with {@code add} false, deletes) the proxy entry for {@code p}. */
    static byte[] request(int seq, boolean add, ProxyNeighbour p) {
        int family = p.address() instanceof java.net.Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
        NlMessageBuilder m = add
                ? start(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, seq, family, p.index(), NUD_PERMANENT)
                : start(RTM_DELNEIGH, NLM_F_ACK, seq, family, p.index(), 0);
        m.attrAddress(NDA_DST, p.address());
        if (add && p.protocol() != 0) {
            m.attrU8(NDA_PROTOCOL, p.protocol());
        }
        return m.build();
    }

    /** Dumps the proxy entries of one family (strict checking allows only NTF_PROXY in the request). */
    static byte[] dumpRequest(int seq, int family) {
        return start(RTM_GETNEIGH, NLM_F_DUMP, seq, family, 0, 0).build();
    }

    /** A proxy entry, or null for ordinary neighbour entries and entries without an address. */
    static ProxyNeighbour decode(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        b.get(); // family
        b.get();
        b.getShort();
        int index = b.getInt();
        b.getShort(); // state
        int flags = b.get() & 0xff;
        b.get(); // type
        if ((flags & NTF_PROXY) == 0) {
            return null;
        }
        RtAttrs a = RtAttrs.parse(b);
        java.net.InetAddress dst = a.address(NDA_DST);
        return dst == null ? null : new ProxyNeighbour(index, dst, a.u8(NDA_PROTOCOL, 0));
    }
}
