package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Traffic-control messages: the clsact qdisc of a device and u32 filters on its ingress or egress
 * hook whose action mirrors a matching packet to another device ({@code tc filter add dev M
 * ingress protocol ip prio P u32 match ... action mirred egress mirror dev D continue}).
 * Struct tcmsg: u8 family, 3 bytes pad, int ifindex, u32 handle, u32 parent, u32 info (priority
 * in the high half, the ethernet protocol in network order in the low half).
 */
public final class TcCodec {
    static final int RTM_NEWQDISC = 36;
    static final int RTM_DELQDISC = 37;
    static final int RTM_NEWTFILTER = 44;
    static final int RTM_DELTFILTER = 45;
    static final int RTM_GETTFILTER = 46;
    static final int TCA_KIND = 1;
    static final int TCA_OPTIONS = 2;
    static final int TCA_U32_SEL = 5;
    static final int TCA_U32_ACT = 7;
    static final int TCA_ACT_KIND = 1;
    static final int TCA_ACT_OPTIONS = 2;
    static final int TCA_MIRRED_PARMS = 2;
    static final int TCA_EGRESS_MIRROR = 2;
    /** "continue": the next filters still see the packet (a mirror is transparent to them). */
    static final int TC_ACT_UNSPEC = -1;
    static final int TC_U32_TERMINAL = 1;
    static final int NLA_F_NESTED = 0x8000;
    static final int TC_H_CLSACT = 0xFFFFFFF1;
    static final int CLSACT_HANDLE = 0xFFFF0000;
    static final int TCMSG_SIZE = 20;
    private static final int SEL_SIZE = 16;
    private static final int KEY_SIZE = 16;
    private static final int MIRRED_SIZE = 28;

    /** The two hooks of clsact, as filter parents. */
    public enum Hook {
        INGRESS(0xFFFFFFF2), EGRESS(0xFFFFFFF3);
        final int parent;

        Hook(int parent) {
            this.parent = parent;
        }
    }

    /**
     * One 32-bit word of a u32 match: (packet word at {@code offset} from the network header
     * {@code & mask}) == {@code value}; value and mask as the bytes appear on the wire.
     */
    public record Key(int value, int mask, int offset) {
    }

    private TcCodec() {
    }

    /**
     * The keys matching {@code bytes} at byte {@code offset} from the network header, as aligned
     * words (an ARP sender address starts at byte 14).
     */
    public static List<Key> match(int offset, byte[] bytes) {
        List<Key> keys = new ArrayList<>();
        int first = offset & ~3;
        for (int word = first; word < offset + bytes.length; word += 4) {
            int value = 0;
            int mask = 0;
            for (int i = 0; i < 4; i++) {
                int at = word + i - offset;
                value <<= 8;
                mask <<= 8;
                if (at >= 0 && at < bytes.length) {
                    value |= bytes[at] & 0xff;
                    mask |= 0xff;
                }
            }
            keys.add(new Key(value, mask, word));
        }
        return keys;
    }

    /** The keys matching the first {@code bits} bits of {@code bytes} at {@code offset} (a prefix). */
    public static List<Key> matchPrefix(int offset, byte[] bytes, int bits) {
        List<Key> keys = new ArrayList<>();
        for (Key k : match(offset, Arrays.copyOf(bytes, (bits + 7) / 8))) {
            int done = (k.offset() - offset) * 8; // bits of the prefix before this word
            int left = bits - done;
            int mask = left >= 32 ? -1 : left <= 0 ? 0 : -1 << (32 - left);
            keys.add(new Key(k.value() & mask, k.mask() & mask, k.offset()));
        }
        return keys;
    }

    /** RTM_NEWQDISC creating the clsact qdisc of {@code index}; EEXIST if there is one. */
    static byte[] addClsact(int seq, int index) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq);
        tcmsg(m.body(), index, CLSACT_HANDLE, TC_H_CLSACT, 0);
        m.attrString(TCA_KIND, "clsact");
        return m.build();
    }

    /** RTM_DELQDISC of the clsact qdisc of {@code index} (and with it every filter on it). */
    static byte[] deleteClsact(int seq, int index) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK, seq);
        tcmsg(m.body(), index, CLSACT_HANDLE, TC_H_CLSACT, 0);
        m.attrString(TCA_KIND, "clsact");
        return m.build();
    }

    /**
     * RTM_NEWTFILTER: a u32 filter at {@code prio} of {@code hook} of {@code index} for ethernet
     * protocol {@code ethProtocol}, matching all {@code keys}, mirroring to {@code mirrorTo}.
     */
    static byte[] addMirror(int seq, int index, Hook hook, int prio, int ethProtocol, List<Key> keys, int mirrorTo) {
        if (keys.isEmpty() || keys.size() > 128) {
            throw new IllegalArgumentException("a u32 filter needs 1 to 128 keys, not " + keys.size());
        }
        NlMessageBuilder m = new NlMessageBuilder(RTM_NEWTFILTER, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq);
        tcmsg(m.body(), index, 0, hook.parent, info(prio, ethProtocol));
        m.attrString(TCA_KIND, "u32");
        NlMessageBuilder options = new NlMessageBuilder(0, 0, 0);
        options.attr(TCA_U32_SEL, selector(keys));
        options.attr(TCA_U32_ACT | NLA_F_NESTED, nest(1 | NLA_F_NESTED, mirred(mirrorTo)));
        m.attr(TCA_OPTIONS | NLA_F_NESTED, body(options));
        return m.build();
    }

    /** RTM_DELTFILTER of every filter at {@code prio} of {@code hook} of {@code index}; ENOENT if none. */
    static byte[] deleteFilters(int seq, int index, Hook hook, int prio) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK, seq);
        tcmsg(m.body(), index, 0, hook.parent, info(prio, 0));
        return m.build();
    }

    /** RTM_GETTFILTER dump of the filters of {@code hook} of {@code index}. */
    static byte[] dumpFilters(int seq, int index, Hook hook) {
        NlMessageBuilder m = new NlMessageBuilder(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP, seq);
        tcmsg(m.body(), index, 0, hook.parent, 0);
        return m.build();
    }

    /** The priority of a filter message (RTM_NEWTFILTER of a dump). */
    static Integer decodeFilterPriority(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(Bytes.HOST);
        return b.getInt(b.position() + 16) >>> 16;
    }

    /** tcm_info: priority, then the protocol in network order as a host-order u16. */
    static int info(int prio, int ethProtocol) {
        int proto = Bytes.HOST == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) ethProtocol) & 0xffff
                : ethProtocol & 0xffff;
        return (prio << 16) | proto;
    }

    private static void tcmsg(ByteBuffer b, int index, int handle, int parent, int info) {
        b.put((byte) LibC.AF_UNSPEC).put((byte) 0).putShort((short) 0);
        b.putInt(index).putInt(handle).putInt(parent).putInt(info);
    }

    /** struct tc_u32_sel (terminal) and its keys; key values and masks in network order. */
    private static byte[] selector(List<Key> keys) {
        ByteBuffer b = ByteBuffer.allocate(SEL_SIZE + KEY_SIZE * keys.size()).order(Bytes.HOST);
        b.put((byte) TC_U32_TERMINAL).put((byte) 0).put((byte) keys.size()).put((byte) 0);
        b.putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0);
        for (Key k : keys) {
            b.order(ByteOrder.BIG_ENDIAN).putInt(k.mask()).putInt(k.value());
            b.order(Bytes.HOST).putInt(k.offset()).putInt(0);
        }
        return b.array();
    }

    /** One action: mirred, egress mirror to {@code ifindex}, continue. */
    private static byte[] mirred(int ifindex) {
        ByteBuffer p = ByteBuffer.allocate(MIRRED_SIZE).order(Bytes.HOST);
        p.putInt(0).putInt(0).putInt(TC_ACT_UNSPEC).putInt(0).putInt(0); // struct tc_gen: index, capab, action, refcnt, bindcnt
        p.putInt(TCA_EGRESS_MIRROR).putInt(ifindex);
        NlMessageBuilder options = new NlMessageBuilder(0, 0, 0);
        options.attr(TCA_MIRRED_PARMS, p.array());
        NlMessageBuilder action = new NlMessageBuilder(0, 0, 0);
        action.attrString(TCA_ACT_KIND, "mirred");
        action.attr(TCA_ACT_OPTIONS | NLA_F_NESTED, body(options));
        return body(action);
    }

    private static byte[] nest(int type, byte[] value) {
        NlMessageBuilder n = new NlMessageBuilder(0, 0, 0);
        n.attr(type, value);
        return body(n);
    }

    /** The attributes written to a header-less builder. */
    private static byte[] body(NlMessageBuilder b) {
        byte[] all = b.build();
        return Arrays.copyOfRange(all, NlHeader.SIZE, all.length);
    }
}
