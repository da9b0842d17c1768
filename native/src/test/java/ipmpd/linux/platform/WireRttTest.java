package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.engine.Engine;
import ipmpd.linux.EchoReply;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Which round trip {@link LinuxEvents} hands the engine for a reply. */
class WireRttTest {
    private static final InetAddress FROM = InetAddress.getLoopbackAddress();
    private static final long SENT = 1_000_000_000L;

    private static EchoReply reply(long receivedNs, boolean kernelRx, long departedNs, boolean stamping) {
        return new EchoReply(FROM, 1, 2, receivedNs, SENT, kernelRx, departedNs, stamping);
    }

    @Test
    void fromTheTransmitStampWhenThereIsOne() {
        // Held 3 s in ARP resolution, then 0.2 ms on the wire.
        assertEquals(200_000L, LinuxEvents.wireRtt(reply(SENT + 3_000_200_000L, true, SENT + 3_000_000_000L, true)));
    }

    @Test
    void aStampingDeviceThatDidNotStampThisProbeGivesNoSample() {
        assertEquals(Engine.DEPARTURE_UNSEEN, LinuxEvents.wireRtt(reply(SENT + 3_000_000_000L, true, -1, true)));
    }

    @Test
    void withoutTransmitStampsFromThePayloadsSendTime() {
        assertEquals(500_000L, LinuxEvents.wireRtt(reply(SENT + 500_000L, true, -1, false)));
        assertEquals(-1, LinuxEvents.wireRtt(reply(SENT + 500_000L, false, -1, false)), "no kernel receive stamp");
    }
}
