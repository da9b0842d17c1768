package ipmpd.linux;

import java.net.InetAddress;

/**
 * An echo reply to one of our probes.
 *
 * @param from            the replying host (IPv6 link-local addresses carry the scope id)
 * @param identifier      ICMP identifier
 * @param sequence        16-bit sequence number
 * @param receivedNs      receive time, CLOCK_REALTIME ns: the kernel's SO_TIMESTAMPNS stamp when
 *                        {@code kernelTimestamp}, else the time the reply was read
 * @param sentNs          send time carried in the payload (CLOCK_REALTIME ns)
 * @param kernelTimestamp whether {@code receivedNs} came from the kernel
 * @param departedNs      when the probe really left (the kernel's software transmit stamp,
 *                        CLOCK_REALTIME ns), or -1 when no stamp was seen for it
 * @param departuresStamped whether the socket's device stamps its transmissions at all: if so, a
 *                        probe without {@code departedNs} left at a time nobody saw
 */
public record EchoReply(InetAddress from, int identifier, int sequence, long receivedNs, long sentNs,
        boolean kernelTimestamp, long departedNs, boolean departuresStamped) {

    /** Round-trip time; both stamps are CLOCK_REALTIME, so a clock step in between distorts it. */
    public long rttNanos() {
        return receivedNs - sentNs;
    }

    /**
     * The round trip on the wire: from the transmit stamp to the kernel's receive stamp, or -1
     * when either is missing. A wait in neighbour resolution before departure is not in it.
     */
    public long wireRttNanos() {
        return departedNs >= 0 && kernelTimestamp ? Math.max(receivedNs - departedNs, 0) : -1;
    }
}
