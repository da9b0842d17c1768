package ipmpd.linux;

import java.nio.ByteBuffer;

/** struct ifaddrmsg (8 bytes). {@code flags} holds only the low 8 flag bits; IFA_FLAGS carries all. */
record IfAddrMsg(int family, int prefixLen, int flags, int scope, int index) {
    static final int SIZE = 8;

    static IfAddrMsg read(ByteBuffer b) {
        return new IfAddrMsg(b.get() & 0xff, b.get() & 0xff, b.get() & 0xff, b.get() & 0xff, b.getInt());
    }

    void write(ByteBuffer b) {
        b.put((byte) family).put((byte) prefixLen).put((byte) flags).put((byte) scope).putInt(index);
    }
}
