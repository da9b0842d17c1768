package ipmpd.linux;

import java.nio.ByteBuffer;

/** struct ifinfomsg (16 bytes): family, pad, type (ARPHRD_*), index, flags, change mask. */
record IfInfoMsg(int family, int type, int index, int flags, int change) {
    static final int SIZE = 16;

    static IfInfoMsg read(ByteBuffer b) {
        int family = b.get() & 0xff;
        b.get();
        int type = b.getShort() & 0xffff;
        return new IfInfoMsg(family, type, b.getInt(), b.getInt(), b.getInt());
    }

    void write(ByteBuffer b) {
        b.put((byte) family).put((byte) 0).putShort((short) type).putInt(index).putInt(flags).putInt(change);
    }
}
