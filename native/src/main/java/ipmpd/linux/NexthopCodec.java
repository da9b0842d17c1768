package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * RTM_*NEXTHOP messages (nexthop objects): struct nhmsg { u8 family; u8 scope; u8 protocol;
 * u8 resvd; u32 flags; } + NHA_* attributes.
 */
final class NexthopCodec {
    static final int RTM_NEWNEXTHOP = 104;
    static final int RTM_DELNEXTHOP = 105;
    static final int NHA_ID = 1;
    static final int NHA_GROUP = 2;
    static final int NHA_OIF = 5;
    static final int NHA_GATEWAY = 6;

    private NexthopCodec() {
    }

    private static NlMessageBuilder start(int type, int nlFlags, int seq, int family, int flags) {
        NlMessageBuilder m = new NlMessageBuilder(type, NLM_F_REQUEST | NLM_F_ACK | nlFlags, seq);
        ByteBuffer b = m.body();
        b.put((byte) family).put((byte) 0).put((byte) RTPROT_STATIC).put((byte) 0).putInt(flags);
        return m;
    }

    /** Creates or replaces nexthop {@code id}: through {@code oif}, via {@code gateway} if not null. */
    static byte[] single(int seq, int id, int family, int oif, InetAddress gateway, boolean onlink) {
        NlMessageBuilder m = start(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, seq, family,
                onlink ? RTNH_F_ONLINK : 0);
        m.attrU32(NHA_ID, id);
        m.attrU32(NHA_OIF, oif);
        if (gateway != null) {
            m.attrAddress(NHA_GATEWAY, gateway);
        }
        return m.build();
    }

    /** Creates or replaces group {@code id} (multipath, weight 1 each) of existing nexthops. */
    static byte[] group(int seq, int id, List<Integer> members) {
        NlMessageBuilder m = start(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, seq, LibC.AF_UNSPEC, 0);
        m.attrU32(NHA_ID, id);
        ByteBuffer g = ByteBuffer.allocate(8 * members.size()).order(Bytes.HOST);
        for (int member : members) {
            g.putInt(member).put((byte) 0).put((byte) 0).putShort((short) 0); // id, weight - 1, resvd
        }
        m.attr(NHA_GROUP, g.array());
        return m.build();
    }

    static byte[] delete(int seq, int id) {
        NlMessageBuilder m = start(RTM_DELNEXTHOP, 0, seq, LibC.AF_UNSPEC, 0);
        m.attrU32(NHA_ID, id);
        return m.build();
    }
}
