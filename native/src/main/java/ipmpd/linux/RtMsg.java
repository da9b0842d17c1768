package ipmpd.linux;

import java.nio.ByteBuffer;

/** struct rtmsg (12 bytes). {@code table} is 8-bit here; RTA_TABLE carries the full id. */
record RtMsg(int family, int dstLen, int srcLen, int tos, int table, int protocol, int scope, int type,
        int flags) {
    static final int SIZE = 12;

    static RtMsg read(ByteBuffer b) {
        return new RtMsg(b.get() & 0xff, b.get() & 0xff, b.get() & 0xff, b.get() & 0xff, b.get() & 0xff,
                b.get() & 0xff, b.get() & 0xff, b.get() & 0xff, b.getInt());
    }

    void write(ByteBuffer b) {
        b.put((byte) family).put((byte) dstLen).put((byte) srcLen).put((byte) tos).put((byte) table)
                .put((byte) protocol).put((byte) scope).put((byte) type).putInt(flags);
    }
}
