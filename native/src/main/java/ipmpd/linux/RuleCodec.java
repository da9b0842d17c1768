package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.nio.ByteBuffer;

/** RTM_*RULE messages: fib_rule_hdr + FRA_* attributes. */
final class RuleCodec {
    private RuleCodec() {
    }

    static RuleInfo decode(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        FibRuleHdr h = FibRuleHdr.read(b);
        if (h.family() != LibC.AF_INET && h.family() != LibC.AF_INET6) {
            return null;
        }
        RtAttrs a = RtAttrs.parse(b);
        return new RuleInfo(h.family(), a.address(FRA_SRC), h.srcLen(), a.u32(FRA_TABLE, h.table()),
                a.u32(FRA_PRIORITY, 0), h.action(), a.u8(FRA_IP_PROTO, 0));
    }

    static byte[] dumpRequest(int seq, int family) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP, seq);
        new FibRuleHdr(family, 0, 0, 0, 0, 0, 0).write(m.body());
        return m.build();
    }

    static byte[] request(int seq, boolean add, RuleInfo r) {
        int flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
        NlMessageBuilder m = new NlMessageBuilder(add ? RTM_NEWRULE : RTM_DELRULE, flags, seq);
        new FibRuleHdr(r.family(), 0, r.src() == null ? 0 : r.srcLen(), 0,
                r.table() < 256 ? r.table() : RT_TABLE_UNSPEC, r.action(), 0).write(m.body());
        if (r.src() != null) {
            m.attrAddress(FRA_SRC, r.src());
        }
        if (r.priority() > 0) {
            m.attrU32(FRA_PRIORITY, r.priority());
        }
        m.attrU32(FRA_TABLE, r.table());
        if (r.ipProto() != 0) {
            m.attrU8(FRA_IP_PROTO, r.ipProto());
        }
        return m.build();
    }
}
