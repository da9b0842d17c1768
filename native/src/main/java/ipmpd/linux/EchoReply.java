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
 */
public record EchoReply(InetAddress from, int identifier, int sequence, long receivedNs, long sentNs,
        boolean kernelTimestamp) {

    /** Round-trip time; both stamps are CLOCK_REALTIME, so a clock step in between distorts it. */
    public long rttNanos() {
        return receivedNs - sentNs;
    }
}
