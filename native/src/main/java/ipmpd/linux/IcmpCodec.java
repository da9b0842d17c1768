package ipmpd.linux;

import java.nio.ByteBuffer;

/**
 * ICMP / ICMPv6 echo messages as ipmpd sends them: 8-byte header (type, code, checksum,
 * identifier, sequence) and a 16-byte payload: the send time (CLOCK_REALTIME ns) and a marker, so
 * a reply carries its own send time and stray echo replies of other programs are recognised.
 */
final class IcmpCodec {
    static final int ECHO_REPLY_V4 = 0;
    static final int ECHO_REQUEST_V4 = 8;
    static final int ECHO_REQUEST_V6 = 128;
    static final int ECHO_REPLY_V6 = 129;
    static final long MARKER = 0x69706d70642d7072L; // "ipmpd-pr"
    static final int ECHO_LENGTH = 8 + 16;

    private IcmpCodec() {
    }

    /** RFC 1071 Internet checksum: one's complement of the one's complement sum of 16-bit words. */
    static int checksum(byte[] b, int off, int len) {
        long sum = 0;
        int i = off;
        int end = off + len;
        for (; i + 1 < end; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8; // odd length: pad with a zero byte
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /** An echo request; the IPv4 checksum is filled in, ICMPv6's is left 0 for the kernel. */
    static byte[] echoRequest(boolean v6, int identifier, int sequence, long sentNs) {
        ByteBuffer b = ByteBuffer.allocate(ECHO_LENGTH); // network order
        b.put((byte) (v6 ? ECHO_REQUEST_V6 : ECHO_REQUEST_V4)).put((byte) 0).putShort((short) 0);
        b.putShort((short) identifier).putShort((short) sequence);
        b.putLong(sentNs).putLong(MARKER);
        byte[] p = b.array();
        if (!v6) {
            int c = checksum(p, 0, p.length);
            p[2] = (byte) (c >> 8);
            p[3] = (byte) c;
        }
        return p;
    }

    /** A decoded echo message. */
    record Echo(int type, int identifier, int sequence, long sentNs) {
    }

    /**
     * Decodes an echo reply carrying our payload from an ICMP message (no IP header).
     *
     * @return null if it is not an echo reply, is too short, lacks the marker, or (IPv4) has a
     *         bad checksum
     */
    static Echo parseEchoReply(byte[] b, int off, int len, boolean v6) {
        if (off < 0 || len < ECHO_LENGTH || off + len > b.length) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(b, off, len);
        int type = in.get() & 0xff;
        int code = in.get() & 0xff;
        in.getShort();
        if (type != (v6 ? ECHO_REPLY_V6 : ECHO_REPLY_V4) || code != 0) {
            return null;
        }
        if (!v6 && checksum(b, off, len) != 0) {
            return null;
        }
        int id = in.getShort() & 0xffff;
        int seq = in.getShort() & 0xffff;
        long sent = in.getLong();
        if (in.getLong() != MARKER) {
            return null;
        }
        return new Echo(type, id, seq, sent);
    }

    /** Offset of the ICMP message in a raw IPv4 read (which starts with the IP header), or -1. */
    static int ipv4PayloadOffset(byte[] b, int len) {
        if (len < 20 || (b[0] & 0xf0) != 0x40) {
            return -1;
        }
        int ihl = (b[0] & 0x0f) * 4;
        return ihl >= 20 && ihl <= len ? ihl : -1;
    }
}
