package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class IcmpCodecTest {

    @Test
    void checksumKnownValues() {
        // RFC 1071 section 3 example: the words sum to 0xddf2, so the checksum is ~0xddf2.
        byte[] rfc = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertEquals(0x220d, IcmpCodec.checksum(rfc, 0, rfc.length));
        assertEquals(0xffff, IcmpCodec.checksum(new byte[4], 0, 4));
        assertEquals(0x0000, IcmpCodec.checksum(new byte[] {(byte) 0xff, (byte) 0xff}, 0, 2));
        // Odd length: the last byte is padded with zero (0x0100 + 0x0200 = 0x0300).
        assertEquals(0xfcff, IcmpCodec.checksum(new byte[] {1, 0, 2}, 0, 3));
        // Echo request type 8, id 1, seq 1, payload "abcd", worked by hand:
        byte[] ping = {8, 0, 0, 0, 0, 1, 0, 1, 'a', 'b', 'c', 'd'};
        // 0x0800 + 0x0001 + 0x0001 + 0x6162 + 0x6364 = 0xccc8 -> ~ = 0x3337
        assertEquals(0x3337, IcmpCodec.checksum(ping, 0, ping.length));
    }

    @Test
    void echoRequestCarriesIdSequenceSendTimeAndValidChecksum() {
        byte[] p = IcmpCodec.echoRequest(false, 0xbeef, 0x1234, 123_456_789_012L);
        assertEquals(IcmpCodec.ECHO_LENGTH, p.length);
        ByteBuffer b = ByteBuffer.wrap(p);
        assertEquals(8, b.get(0));
        assertEquals((short) 0xbeef, b.getShort(4));
        assertEquals(0x1234, b.getShort(6));
        assertEquals(123_456_789_012L, b.getLong(8));
        assertEquals(0, IcmpCodec.checksum(p, 0, p.length), "a packet including its checksum sums to zero");
        byte[] p6 = IcmpCodec.echoRequest(true, 1, 2, 3);
        assertEquals(128, p6[0] & 0xff);
        assertEquals(0, p6[2] | p6[3], "ICMPv6 checksum left to the kernel");
    }

    /** Turns our request into the reply a host would send (type changed, checksum updated). */
    private static byte[] replyTo(byte[] req, boolean v6) {
        byte[] r = req.clone();
        r[0] = (byte) (v6 ? 129 : 0);
        r[2] = 0;
        r[3] = 0;
        if (!v6) {
            int c = IcmpCodec.checksum(r, 0, r.length);
            r[2] = (byte) (c >> 8);
            r[3] = (byte) c;
        }
        return r;
    }

    @Test
    void replyRoundTrips() {
        byte[] reply = replyTo(IcmpCodec.echoRequest(false, 0x4242, 65535, 99L), false);
        assertEquals(new IcmpCodec.Echo(0, 0x4242, 65535, 99L), IcmpCodec.parseEchoReply(reply, 0, reply.length, false));
        byte[] reply6 = replyTo(IcmpCodec.echoRequest(true, 7, 8, 9L), true);
        assertEquals(new IcmpCodec.Echo(129, 7, 8, 9L), IcmpCodec.parseEchoReply(reply6, 0, reply6.length, true));
    }

    @Test
    void foreignOrDamagedPacketsAreRejected() {
        byte[] req = IcmpCodec.echoRequest(false, 1, 1, 1);
        assertNull(IcmpCodec.parseEchoReply(req, 0, req.length, false), "a request is not a reply");
        byte[] reply = replyTo(req, false);
        byte[] badSum = reply.clone();
        badSum[9] ^= 1;
        assertNull(IcmpCodec.parseEchoReply(badSum, 0, badSum.length, false));
        byte[] otherPayload = reply.clone();
        otherPayload[20] ^= 1; // marker
        byte[] fixed = replyTo(otherPayload, false);
        fixed[0] = 0;
        assertNull(IcmpCodec.parseEchoReply(fixed, 0, fixed.length, false), "not our marker");
        assertNull(IcmpCodec.parseEchoReply(reply, 0, 10, false), "too short");
        assertNull(IcmpCodec.parseEchoReply(reply, 20, 10, false), "beyond the buffer");
    }

    @Test
    void ipv4HeaderLengthIsHonoured() {
        byte[] withOptions = new byte[24 + IcmpCodec.ECHO_LENGTH];
        withOptions[0] = 0x46; // version 4, IHL 6 words
        assertEquals(24, IcmpCodec.ipv4PayloadOffset(withOptions, withOptions.length));
        withOptions[0] = 0x60;
        assertEquals(-1, IcmpCodec.ipv4PayloadOffset(withOptions, withOptions.length));
        assertEquals(-1, IcmpCodec.ipv4PayloadOffset(new byte[10], 10));
    }
}
