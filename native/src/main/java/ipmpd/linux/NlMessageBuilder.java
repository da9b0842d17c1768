package ipmpd.linux;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one netlink request: nlmsghdr, a fixed struct written by the caller through
 * {@link #body()}, then 4-byte aligned attributes (u16 len, u16 type, value; host order).
 */
final class NlMessageBuilder {
    /**
     * Grown on demand: a route request is ~100 bytes, and member tables at 256 members send
     * hundreds of them per failover (an 8 KiB buffer each was most of the daemon's garbage).
     */
    private ByteBuffer b = ByteBuffer.allocate(256).order(Bytes.HOST);
    private final int type;
    private final int flags;
    private final int seq;

    NlMessageBuilder(int type, int flags, int seq) {
        this.type = type;
        this.flags = flags;
        this.seq = seq;
        b.position(NlHeader.SIZE);
    }

    /** The buffer at the current write position, for fixed structs (ifinfomsg, rtmsg, ...). */
    ByteBuffer body() {
        return b;
    }

    NlMessageBuilder attr(int attrType, byte[] value) {
        int len = 4 + value.length;
        ensure(len + 3);
        b.putShort((short) len).putShort((short) attrType).put(value);
        pad();
        return this;
    }

    NlMessageBuilder attrU8(int attrType, int v) {
        return attr(attrType, new byte[] {(byte) v});
    }

    NlMessageBuilder attrU32(int attrType, int v) {
        return attr(attrType, Bytes.intNative(v));
    }

    /** A NUL-terminated string, as the kernel's NLA_STRING / NLA_NUL_STRING policies expect. */
    NlMessageBuilder attrString(int attrType, String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        return attr(attrType, Arrays.copyOf(raw, raw.length + 1));
    }

    /** An address in network order (4 or 16 bytes). */
    NlMessageBuilder attrAddress(int attrType, InetAddress a) {
        return attr(attrType, a.getAddress());
    }

    private void ensure(int more) {
        if (b.remaining() >= more) {
            return;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + more)).order(Bytes.HOST);
        b.flip();
        bigger.put(b);
        b = bigger;
    }

    private void pad() {
        while ((b.position() & 3) != 0) {
            b.put((byte) 0);
        }
    }

    byte[] build() {
        pad();
        int len = b.position();
        ByteBuffer h = b.duplicate().order(Bytes.HOST);
        h.position(0);
        new NlHeader(len, type, flags, seq, 0).write(h);
        return Arrays.copyOf(b.array(), len);
    }
}
