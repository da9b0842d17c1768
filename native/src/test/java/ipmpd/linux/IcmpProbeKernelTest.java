package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ICMP echo probes between the namespaces of a {@link NetnsLab}. */
class IcmpProbeKernelTest {
    private static final long REPLY_TIMEOUT_MS = 5000;
    private static NetnsLab lab;

    @BeforeAll
    static void setUp() throws Exception {
        lab = NetnsLab.create();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    private static void assertPlausible(EchoReply r, long sentNs) {
        assertTrue(r.kernelTimestamp(), "SO_TIMESTAMPNS stamp present");
        assertEquals(sentNs, r.sentNs(), "send time carried in the payload");
        assertTrue(r.rttNanos() > 0 && r.rttNanos() < 2_000_000_000L, "rtt " + r.rttNanos() + " ns");
    }

    /** A unicast probe out of a veth: the kernel stamped its departure, after the send call. */
    private static void assertDeparted(EchoReply r, long sentNs) {
        assertTrue(r.departuresStamped(), "the veth stamps transmissions");
        assertTrue(r.departedNs() >= sentNs, "departure " + r.departedNs() + " not before the send call " + sentNs);
        assertTrue(r.wireRttNanos() >= 0 && r.wireRttNanos() <= r.rttNanos(),
                "wire rtt " + r.wireRttNanos() + " within rtt " + r.rttNanos());
    }

    @Test
    void unicastIpv4ProbeIsAnsweredWithKernelTimestampedRtt() throws Exception {
        try (IcmpProbeSocket s = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", InetAddress.getByName(NetnsLab.H1_V4), 0x1234))) {
            InetAddress target = InetAddress.getByName(NetnsLab.P_V4);
            for (int seq = 65534; seq <= 65537; seq++) { // wraps: the sequence is 16-bit
                long sent = s.send(target, seq);
                EchoReply r = s.receive(REPLY_TIMEOUT_MS).orElseThrow(() -> new AssertionError("no reply"));
                assertEquals(target, r.from());
                assertEquals(0x1234, r.identifier());
                assertEquals(seq & 0xffff, r.sequence());
                assertPlausible(r, sent);
                assertDeparted(r, sent);
            }
            assertTrue(s.receive().isEmpty(), "nothing else queued");
        }
    }

    @Test
    void ipv6LinkLocalProbeIsAnswered() throws Exception {
        InetAddress source = lab.linkLocal(lab.host, "h1");
        InetAddress target = InetAddress.getByAddress(lab.linkLocal(lab.peer, "br0").getAddress()); // scope from the socket
        try (IcmpProbeSocket s = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", source, 0x2345))) {
            long sent = s.send(target, 7);
            EchoReply r = s.receive(REPLY_TIMEOUT_MS).orElseThrow(() -> new AssertionError("no reply"));
            assertArrayEquals(target.getAddress(), r.from().getAddress());
            assertEquals(s.interfaceIndex(), ((java.net.Inet6Address) r.from()).getScopeId());
            assertEquals(7, r.sequence());
            assertPlausible(r, sent);
            assertDeparted(r, sent);
        }
    }

    /**
     * A probe to an address nobody holds yet waits in ARP resolution; once the address appears,
     * the next ARP retransmission is answered and the probe leaves: its round trip counts from
     * that departure, not from the send call. A probe whose neighbour never answers is never
     * stamped.
     */
    @Test
    void probeHeldInNeighbourResolutionIsTimedFromItsDeparture() throws Exception {
        String late = "192.0.2.77";
        try (IcmpProbeSocket s = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", InetAddress.getByName(NetnsLab.H1_V4), 0x3456))) {
            // First a probe that is answered, so the socket knows its device stamps departures.
            s.send(InetAddress.getByName(NetnsLab.P_V4), 1);
            assertTrue(s.receive(REPLY_TIMEOUT_MS).isPresent(), "reply from the peer");
            long sent = s.send(InetAddress.getByName(late), 2);
            Thread.sleep(600);
            lab.ip(lab.peer, "addr add " + late + "/24 dev br0");
            try {
                EchoReply r = s.receive(REPLY_TIMEOUT_MS).orElseThrow(() -> new AssertionError("no reply from " + late));
                assertEquals(2, r.sequence());
                assertTrue(r.rttNanos() >= 600_000_000L, "from the send call: " + r.rttNanos() + " ns, held in ARP");
                assertTrue(r.departedNs() >= sent + 600_000_000L, "left after the address appeared");
                assertTrue(r.wireRttNanos() >= 0 && r.wireRttNanos() < r.rttNanos() - 500_000_000L,
                        "wire rtt " + r.wireRttNanos() + " ns excludes the wait");
            } finally {
                lab.ip(lab.peer, "addr del " + late + "/24 dev br0");
            }
        }
    }

    /** Sends one multicast probe and collects the distinct repliers until all expected ones answered. */
    private static Set<InetAddress> discover(IcmpProbeSocket s, InetAddress group, Set<InetAddress> expected) throws Exception {
        Set<InetAddress> seen = new HashSet<>();
        long sent = s.send(group, 1);
        long deadline = System.nanoTime() + REPLY_TIMEOUT_MS * 1_000_000L;
        while (!seen.containsAll(expected) && System.nanoTime() < deadline) {
            Optional<EchoReply> r = s.receive(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            if (r.isPresent()) {
                assertPlausible(r.get(), sent);
                seen.add(InetAddress.getByAddress(r.get().from().getAddress())); // drop scope for comparison
            }
        }
        return seen;
    }

    @Test
    void multicastToAllHostsDiscoversSeveralIpv4Neighbours() throws Exception {
        try (IcmpProbeSocket s = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", InetAddress.getByName(NetnsLab.H1_V4), 0x3456))) {
            Set<InetAddress> expected = Set.of(InetAddress.getByName(NetnsLab.P_V4), InetAddress.getByName(NetnsLab.N_V4));
            Set<InetAddress> seen = discover(s, InetAddress.getByName("224.0.0.1"), expected);
            assertTrue(seen.containsAll(expected), "repliers " + seen);
        }
    }

    @Test
    void multicastToAllNodesDiscoversSeveralIpv6Neighbours() throws Exception {
        InetAddress source = lab.linkLocal(lab.host, "h1");
        Set<InetAddress> expected = Set.of(
                InetAddress.getByAddress(lab.linkLocal(lab.peer, "br0").getAddress()),
                InetAddress.getByAddress(lab.linkLocal(lab.other, "n0").getAddress()));
        try (IcmpProbeSocket s = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", source, 0x4567))) {
            Set<InetAddress> seen = discover(s, InetAddress.getByName("ff02::1"), expected);
            assertTrue(seen.containsAll(expected), "repliers " + seen);
        }
    }

    @Test
    void repliesToAnotherIdentifierAreIgnoredAndManySocketsCanBePolled() throws Exception {
        InetAddress target = InetAddress.getByName(NetnsLab.P_V4);
        try (IcmpProbeSocket a = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", InetAddress.getByName(NetnsLab.H1_V4), 0x5001));
             IcmpProbeSocket b = lab.in(lab.host, () -> IcmpProbeSocket.open("h2", InetAddress.getByName(NetnsLab.H2_V4), 0x5002));
             IcmpProbeSocket c = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", InetAddress.getByName(NetnsLab.H1_V4), 0x5003))) {
            b.send(target, 9);
            int[] fds = {a.fd(), b.fd()};
            short[] rev = new short[2];
            assertTrue(LibC.poll(fds, LibC.POLLIN, rev, (int) REPLY_TIMEOUT_MS) >= 1);
            assertEquals(0, rev[0], "reply to h2's probe does not reach the socket pinned to h1");
            assertNotEquals(0, rev[1] & LibC.POLLIN);
            assertEquals(9, b.receive().orElseThrow().sequence());

            a.send(target, 10);
            assertEquals(10, a.receive(REPLY_TIMEOUT_MS).orElseThrow().sequence());
            // c shares h1 and address with a: it sees a's reply but must not report it.
            assertTrue(LibC.pollIn(c.fd(), (int) REPLY_TIMEOUT_MS));
            assertTrue(c.receive().isEmpty());
            assertTrue(c.ignoredPackets() >= 1);
        }
    }

    @Test
    void unicastTtlIsOneSoProbesStayOnLink() throws Exception {
        // 198.51.100.1 is beyond the default router: with TTL 1 the router answers "time exceeded",
        // which the echo-reply filter drops, so no reply at all.
        try (IcmpProbeSocket s = lab.in(lab.host, () -> IcmpProbeSocket.open("h1", InetAddress.getByName(NetnsLab.H1_V4), 0x6001))) {
            lab.sysctl(lab.peer, "net.ipv4.ip_forward=1");
            lab.ip(lab.peer, "addr add 198.51.100.1/24 dev lo");
            try {
                s.send(InetAddress.getByName("198.51.100.1"), 1);
                assertTrue(s.receive(300).isPresent(), "peer owns the address itself: one hop, answered");
                lab.ip(lab.peer, "addr del 198.51.100.1/24 dev lo");
                lab.ip(lab.other, "addr add 198.51.100.1/24 dev lo");
                lab.ip(lab.peer, "route add 198.51.100.0/24 via " + NetnsLab.N_V4);
                s.send(InetAddress.getByName("198.51.100.1"), 2);
                assertTrue(s.receive(500).isEmpty(), "two hops away: not reachable with TTL 1");
            } finally {
                lab.sysctl(lab.peer, "net.ipv4.ip_forward=0");
            }
        }
    }
}
