package ipmpd.linux;

import ipmpd.testkit.Await;
import static org.junit.jupiter.api.Assertions.*;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Moves a data address from h1 to h2 (make before break) and checks that one announcement from h2
 * makes the peer's neighbour entry point at h2's MAC.
 */
class AnnouncerKernelTest {
    private static NetnsLab lab;
    private static Rtnetlink rt;
    private static int h1;
    private static int h2;
    private static HwAddress mac1;
    private static HwAddress mac2;

    @BeforeAll
    static void setUp() throws Exception {
        lab = NetnsLab.create();
        rt = lab.in(lab.host, Rtnetlink::open);
        h1 = lab.in(lab.host, () -> Interfaces.index("h1"));
        h2 = lab.in(lab.host, () -> Interfaces.index("h2"));
        mac1 = lab.in(lab.host, () -> Interfaces.hardwareAddress("h1"));
        mac2 = lab.in(lab.host, () -> Interfaces.hardwareAddress("h2"));
        assertNotEquals(mac1, mac2);
    }

    @AfterAll
    static void tearDown() {
        if (rt != null) {
            rt.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** Pings the data address from the peer, so the peer has a neighbour entry for it. */
    private static void pingFromPeer(String peerSource, String dataAddress) throws Exception {
        try (IcmpProbeSocket s = lab.in(lab.peer, () -> IcmpProbeSocket.open("br0", InetAddress.getByName(peerSource), 0x7001))) {
            s.send(InetAddress.getByName(dataAddress), 1);
            assertTrue(s.receive(5000).isPresent(), "data address answers the peer");
        }
    }

    private static String neighbour(String family, String address) throws Exception {
        return lab.ip(lab.peer, family + " neigh show " + address + " dev br0");
    }

    private static void move(AddrInfo from, AddrInfo to) throws Exception {
        rt.addAddress(to); // make before break
        rt.deleteAddress(from);
        try (Announcer a = lab.in(lab.host, () -> Announcer.open("h2"))) {
            assertEquals(mac2, a.hardwareAddress());
            a.announce(to.address());
        }
    }

    @Test
    void gratuitousArpMovesThePeersArpEntry() throws Exception {
        String data = "192.0.2.100";
        AddrInfo on1 = AddrInfo.of(h1, InetAddress.getByName(data), 24).withLabel("h1:1");
        AddrInfo on2 = AddrInfo.of(h2, InetAddress.getByName(data), 24).withLabel("h2:1");
        rt.addAddress(on1);
        try {
            pingFromPeer(NetnsLab.P_V4, data);
            assertTrue(neighbour("-4", data).contains(mac1.toString()), neighbour("-4", data));
            move(on1, on2);
            Await.until("peer ARP entry for " + data + " -> " + mac2, () -> {
                try {
                    return neighbour("-4", data).contains(mac2.toString());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        } finally {
            for (AddrInfo a : new AddrInfo[] {on1, on2}) {
                try {
                    rt.deleteAddress(a);
                } catch (NativeIOException ignored) {
                    // not there
                }
            }
        }
    }

    @Test
    void unsolicitedNeighbourAdvertisementMovesThePeersNeighbourEntry() throws Exception {
        String data = "2001:db8::100";
        AddrInfo on1 = AddrInfo.of(h1, InetAddress.getByName(data), 64).withFlags(Rtnl.IFA_F_NODAD);
        AddrInfo on2 = AddrInfo.of(h2, InetAddress.getByName(data), 64).withFlags(Rtnl.IFA_F_NODAD);
        rt.addAddress(on1);
        try {
            pingFromPeer(NetnsLab.P_V6, data);
            assertTrue(neighbour("-6", data).contains(mac1.toString()), neighbour("-6", data));
            move(on1, on2);
            Await.until("peer neighbour entry for " + data + " -> " + mac2, () -> {
                try {
                    return neighbour("-6", data).contains(mac2.toString());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        } finally {
            for (AddrInfo a : new AddrInfo[] {on1, on2}) {
                try {
                    rt.deleteAddress(a);
                } catch (NativeIOException ignored) {
                    // not there
                }
            }
        }
    }

    @Test
    void advertisementForAnAddressNotOnTheInterfaceStillGoesOut() throws Exception {
        // Source selection falls back to the link-local address when the target is not local.
        try (Announcer a = lab.in(lab.host, () -> Announcer.open("h2"))) {
            a.announce((Inet6Address) InetAddress.getByName("2001:db8::77"));
            a.announce(InetAddress.getByName("192.0.2.77"));
        }
    }
}
