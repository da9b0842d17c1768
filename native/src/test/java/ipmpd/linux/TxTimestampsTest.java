package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Parsing error-queue control messages into transmit stamps, and pairing stamps with sends. */
class TxTimestampsTest {
    private static final int ENOMSG = 42;

    /** cmsghdr (len, level, type) + data, padded to 8 (CMSG_SPACE). */
    private static void cmsg(ByteBuffer b, int level, int type, byte[] data) {
        b.putLong(16 + data.length).putInt(level).putInt(type).put(data);
        while (b.position() % 8 != 0) {
            b.put((byte) 0);
        }
    }

    private static byte[] scmTimestamping(long sec, long nsec) {
        ByteBuffer d = ByteBuffer.allocate(48).order(Bytes.HOST);
        d.putLong(sec).putLong(nsec); // ts[0]: software; ts[1], ts[2] (deprecated, hardware) zero
        return d.array();
    }

    private static byte[] extendedErr(int errno, int origin, int info, int data) {
        ByteBuffer d = ByteBuffer.allocate(16 + 16).order(Bytes.HOST); // + sockaddr_in offender
        d.putInt(errno).put((byte) origin).put((byte) 0).put((byte) 0).put((byte) 0).putInt(info).putInt(data);
        return d.array();
    }

    private static byte[] control(int errLevel, int errType, int origin, int info, int key, long sec, long nsec) {
        ByteBuffer b = ByteBuffer.allocate(256).order(Bytes.HOST);
        cmsg(b, LibC.SOL_SOCKET, LibC.SO_TIMESTAMPING, scmTimestamping(sec, nsec));
        cmsg(b, errLevel, errType, extendedErr(ENOMSG, origin, info, key));
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Test
    void ipv4SendStampGivesKeyAndSoftwareTime() {
        TxTimestamps.Stamp s = TxTimestamps.parse(control(LibC.IPPROTO_IP, LibC.IP_RECVERR,
                LibC.SO_EE_ORIGIN_TIMESTAMPING, LibC.SCM_TSTAMP_SND, 41, 1_700_000_000L, 123_456_789L));
        assertEquals(new TxTimestamps.Stamp(41, 1_700_000_000_123_456_789L), s);
    }

    @Test
    void ipv6SendStampIsParsedAsWell() {
        TxTimestamps.Stamp s = TxTimestamps.parse(control(LibC.IPPROTO_IPV6, LibC.IPV6_RECVERR,
                LibC.SO_EE_ORIGIN_TIMESTAMPING, LibC.SCM_TSTAMP_SND, -1, 5, 6));
        assertEquals(new TxTimestamps.Stamp(-1, 5_000_000_006L), s, "key is the u32 0xffffffff");
    }

    @Test
    void otherErrorsSchedulerStampsAndTruncatedMessagesAreNoSendStamp() {
        // An ICMP error (origin 2), a scheduler stamp (SCM_TSTAMP_SCHED = 1), no stamp at all.
        assertNull(TxTimestamps.parse(control(LibC.IPPROTO_IP, LibC.IP_RECVERR, 2, LibC.SCM_TSTAMP_SND, 1, 1, 1)));
        assertNull(TxTimestamps.parse(control(LibC.IPPROTO_IP, LibC.IP_RECVERR,
                LibC.SO_EE_ORIGIN_TIMESTAMPING, 1, 1, 1, 1)));
        assertNull(TxTimestamps.parse(control(LibC.IPPROTO_IP, LibC.IP_RECVERR,
                LibC.SO_EE_ORIGIN_TIMESTAMPING, LibC.SCM_TSTAMP_SND, 1, 0, 0)), "software slot empty");
        byte[] whole = control(LibC.IPPROTO_IP, LibC.IP_RECVERR, LibC.SO_EE_ORIGIN_TIMESTAMPING,
                LibC.SCM_TSTAMP_SND, 1, 1, 1);
        assertNull(TxTimestamps.parse(java.util.Arrays.copyOf(whole, whole.length - 20)), "cut short (MSG_CTRUNC)");
        assertNull(TxTimestamps.parse(new byte[0]));
    }

    @Test
    void stampsPairWithSendsByKeyAndUnstampedSendsStayUnseen() {
        TxTimestamps t = new TxTimestamps();
        assertFalse(t.stamping());
        t.sending(100, 1_000);
        t.sending(101, 2_000);
        t.sending(102, 3_000);
        t.stamped(new TxTimestamps.Stamp(0, 1_100));
        t.stamped(new TxTimestamps.Stamp(2, 9_000)); // held in neighbour resolution, left late
        assertTrue(t.stamping());
        assertEquals(1_100, t.departure(100));
        assertEquals(-1, t.departure(101), "never stamped: did not leave");
        assertEquals(9_000, t.departure(102));
        assertEquals(-1, t.departure(7), "never sent");
    }

    @Test
    void afterRestartStampsOfEarlierSendsAreNotTakenForNewOnes() {
        TxTimestamps t = new TxTimestamps();
        t.sending(1, 1_000);
        t.restart();
        t.sending(2, 5_000);
        t.stamped(new TxTimestamps.Stamp(0, 1_200)); // key 0 of the first numbering, before this send
        assertEquals(-1, t.departure(2));
        assertEquals(-1, t.departure(1), "forgotten");
        t.stamped(new TxTimestamps.Stamp(0, 5_100));
        assertEquals(5_100, t.departure(2));
    }

    @Test
    void aRepeatedSequenceNumberFindsItsNewestSend() {
        TxTimestamps t = new TxTimestamps();
        for (int i = 0; i < 100; i++) {
            t.sending(i % 3, i * 10L);
            t.stamped(new TxTimestamps.Stamp(i, i * 10L + 1));
        }
        assertEquals(991, t.departure(99 % 3));
        assertEquals(981, t.departure(98 % 3));
    }
}
