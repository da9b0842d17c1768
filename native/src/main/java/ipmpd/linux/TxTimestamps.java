package ipmpd.linux;

import java.nio.ByteBuffer;

/**
 * When the echo requests of one probe socket really left the host: the kernel's software transmit
 * timestamps (SO_TIMESTAMPING, SOF_TIMESTAMPING_TX_SOFTWARE), read from the socket's error queue.
 *
 * <p>A probe held in neighbour resolution leaves only when the neighbour answers (or is dropped
 * with its queue, and then is never stamped), so the send call's own time would count the wait for
 * ARP/ND, or a switch port in STP listening/learning, as a slow round trip. OPT_ID numbers the
 * stamps: the kernel counts the sends of the socket from 0 (a u32 in ee_data), and this class keeps
 * which sequence number each count carried. OPT_TSONLY: the stamp comes without the packet.
 *
 * <p>Thread-safe: the sender records, the reader stamps and looks up.
 */
final class TxTimestamps {
    static final int FLAGS = LibC.SOF_TIMESTAMPING_TX_SOFTWARE | LibC.SOF_TIMESTAMPING_SOFTWARE
            | LibC.SOF_TIMESTAMPING_OPT_ID | LibC.SOF_TIMESTAMPING_OPT_TSONLY;
    private static final int RING = 64;
    private static final int ENOMSG = 42;

    /** One transmit timestamp: the socket's send count it belongs to, CLOCK_REALTIME ns. */
    record Stamp(int key, long ns) {
    }

    private final long[] keys = new long[RING];
    private final int[] seqs = new int[RING];
    private final long[] callNs = new long[RING];
    private final long[] departedNs = new long[RING];
    private long nextKey;
    private boolean seen;

    TxTimestamps() {
        java.util.Arrays.fill(keys, -1);
    }

    /**
     * The transmit stamp in the control messages of one error-queue read, or null when they hold
     * none (another kind of error, a scheduler or acknowledgement stamp, a truncated read).
     * Layout (LP64): cmsghdr { size_t len; int level; int type; } then data at 16, padded to 8;
     * SCM_TIMESTAMPING carries struct scm_timestamping { timespec ts[3]; } whose ts[0] is the
     * software stamp; IP_RECVERR / IPV6_RECVERR carries struct sock_extended_err { u32 ee_errno;
     * u8 ee_origin, ee_type, ee_code, ee_pad; u32 ee_info; u32 ee_data; }.
     */
    static Stamp parse(byte[] control) {
        ByteBuffer b = ByteBuffer.wrap(control).order(Bytes.HOST);
        long ns = -1;
        boolean sent = false;
        int key = 0;
        int off = 0;
        while (off + 16 <= control.length) {
            long len = b.getLong(off);
            if (len < 16 || off + len > control.length) {
                break;
            }
            int level = b.getInt(off + 8);
            int type = b.getInt(off + 12);
            if (level == LibC.SOL_SOCKET && type == LibC.SO_TIMESTAMPING && len >= 16 + 48) {
                long sec = b.getLong(off + 16);
                long nsec = b.getLong(off + 24);
                if (sec != 0 || nsec != 0) {
                    ns = sec * 1_000_000_000L + nsec;
                }
            } else if (((level == LibC.IPPROTO_IP && type == LibC.IP_RECVERR)
                    || (level == LibC.IPPROTO_IPV6 && type == LibC.IPV6_RECVERR)) && len >= 16 + 16) {
                int errno = b.getInt(off + 16);
                int origin = b.get(off + 20) & 0xff;
                int info = b.getInt(off + 24);
                sent = errno == ENOMSG && origin == LibC.SO_EE_ORIGIN_TIMESTAMPING && info == LibC.SCM_TSTAMP_SND;
                key = b.getInt(off + 28);
            }
            off += (int) ((len + 7) & ~7L); // CMSG_ALIGN
        }
        return sent && ns >= 0 ? new Stamp(key, ns) : null;
    }

    /** Before a send call at {@code nowNs} (CLOCK_REALTIME): the kernel will number it so. */
    synchronized void sending(int seq, long nowNs) {
        int slot = (int) (nextKey % RING);
        keys[slot] = nextKey & 0xffffffffL;
        seqs[slot] = seq;
        callNs[slot] = nowNs;
        departedNs[slot] = -1;
        nextKey++;
    }

    /**
     * Forgets every send: after the socket's stamping was switched off and on again, which the
     * caller does when a send failed (the kernel may or may not have counted it).
     */
    synchronized void restart() {
        java.util.Arrays.fill(keys, -1);
        nextKey = 0;
    }

    synchronized void stamped(Stamp s) {
        seen = true;
        int slot = (int) ((s.key() & 0xffffffffL) % RING);
        // A stamp earlier than the send call belongs to a send from before a restart.
        if (keys[slot] == (s.key() & 0xffffffffL) && s.ns() >= callNs[slot]) {
            departedNs[slot] = s.ns();
        }
    }

    /** When the newest send with this sequence number left (CLOCK_REALTIME ns), or -1 if unseen. */
    synchronized long departure(int seq) {
        for (long k = nextKey - 1; k >= 0 && k >= nextKey - RING; k--) {
            int slot = (int) (k % RING);
            if (keys[slot] == (k & 0xffffffffL) && seqs[slot] == seq) {
                return departedNs[slot];
            }
        }
        return -1;
    }

    /** Whether the device has stamped any send: if so, a send without a stamp did not leave. */
    synchronized boolean stamping() {
        return seen;
    }
}
