package ipmpd.linux;

import java.nio.ByteBuffer;

/** struct fib_rule_hdr (12 bytes): family, dst_len, src_len, tos, table, res1, res2, action, flags. */
record FibRuleHdr(int family, int dstLen, int srcLen, int tos, int table, int action, int flags) {
    static final int SIZE = 12;

    static FibRuleHdr read(ByteBuffer b) {
        int family = b.get() & 0xff;
        int dstLen = b.get() & 0xff;
        int srcLen = b.get() & 0xff;
        int tos = b.get() & 0xff;
        int table = b.get() & 0xff;
        b.get();
        b.get();
        int action = b.get() & 0xff;
        return new FibRuleHdr(family, dstLen, srcLen, tos, table, action, b.getInt());
    }

    void write(ByteBuffer b) {
        b.put((byte) family).put((byte) dstLen).put((byte) srcLen).put((byte) tos).put((byte) table)
                .put((byte) 0).put((byte) 0).put((byte) action).putInt(flags);
    }
}
