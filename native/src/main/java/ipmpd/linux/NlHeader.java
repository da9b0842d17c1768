package ipmpd.linux;

import java.nio.ByteBuffer;

/** struct nlmsghdr (16 bytes, host order). */
record NlHeader(int length, int type, int flags, int seq, int pid) {
    static final int SIZE = 16;

    /** Reads at the buffer's position and advances past the header. */
    static NlHeader read(ByteBuffer b) {
        int len = b.getInt();
        int type = b.getShort() & 0xffff;
        int flags = b.getShort() & 0xffff;
        int seq = b.getInt();
        int pid = b.getInt();
        return new NlHeader(len, type, flags, seq, pid);
    }

    void write(ByteBuffer b) {
        b.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(pid);
    }

    static int align(int len) {
        return (len + 3) & ~3;
    }
}
