package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AnnounceFramesTest {
    private static final HwAddress MAC = HwAddress.parse("02:11:22:33:44:55");

    @Test
    void gratuitousArpLayout() throws Exception {
        byte[] f = AnnounceFrames.gratuitousArp(MAC, (Inet4Address) InetAddress.getByName("192.0.2.100"));
        ByteBuffer b = ByteBuffer.wrap(f);
        assertEquals(60, f.length, "padded to the Ethernet minimum");
        assertArrayEquals(AnnounceFrames.BROADCAST, Arrays.copyOfRange(f, 0, 6));
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(f, 6, 12));
        assertEquals(0x0806, b.getShort(12));
        assertEquals(1, b.getShort(14)); // Ethernet
        assertEquals(0x0800, b.getShort(16)); // IPv4
        assertEquals(6, f[18]);
        assertEquals(4, f[19]);
        assertEquals(1, b.getShort(20), "request");
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(f, 22, 28), "sender MAC");
        byte[] ip = {(byte) 192, 0, 2, 100};
        assertArrayEquals(ip, Arrays.copyOfRange(f, 28, 32), "sender IP");
        assertArrayEquals(new byte[6], Arrays.copyOfRange(f, 32, 38));
        assertArrayEquals(ip, Arrays.copyOfRange(f, 38, 42), "target IP = sender IP");
    }

    @Test
    void unsolicitedNeighbourAdvertisementLayout() throws Exception {
        Inet6Address target = (Inet6Address) InetAddress.getByName("2001:db8::100");
        byte[] na = AnnounceFrames.unsolicitedNa(MAC, target);
        assertEquals(32, na.length);
        assertEquals(136, na[0] & 0xff);
        assertEquals(0, na[1]);
        assertEquals(0x20, na[4] & 0xff, "override set, router and solicited clear");
        assertArrayEquals(target.getAddress(), Arrays.copyOfRange(na, 8, 24));
        assertEquals(2, na[24], "target link-layer address option");
        assertEquals(1, na[25], "8 bytes");
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(na, 26, 32));
    }

    @Test
    void hwAddressParsesPrintsAndCompares() {
        assertEquals("02:11:22:33:44:55", MAC.toString());
        assertEquals(MAC, HwAddress.of(MAC.bytes()));
        byte[] copy = MAC.bytes();
        copy[0] = 0;
        assertEquals("02:11:22:33:44:55", MAC.toString(), "immutable");
    }

    @Test
    void sockaddrLayouts() throws Exception {
        byte[] in6 = SockAddr.inet(InetAddress.getByName("fe80::1"), 9);
        assertEquals(28, in6.length);
        assertEquals(9, ByteBuffer.wrap(in6).order(Bytes.HOST).getInt(24), "link-local gets the interface as scope");
        assertEquals(0, ByteBuffer.wrap(SockAddr.inet(InetAddress.getByName("2001:db8::1"), 9)).order(Bytes.HOST).getInt(24));
        assertEquals(9, ByteBuffer.wrap(SockAddr.inet(InetAddress.getByName("ff02::1"), 9)).order(Bytes.HOST).getInt(24));
        InetAddress back = SockAddr.decodeInet(in6, in6.length);
        assertEquals(9, ((Inet6Address) back).getScopeId());
        byte[] in4 = SockAddr.inet(InetAddress.getByName("192.0.2.1"), 9);
        assertEquals(LibC.AF_INET, ByteBuffer.wrap(in4).order(Bytes.HOST).getShort(0));
        assertEquals(InetAddress.getByName("192.0.2.1"), SockAddr.decodeInet(in4, in4.length));
        byte[] ll = SockAddr.packet(0x0806, 3, AnnounceFrames.BROADCAST);
        assertEquals(20, ll.length);
        assertEquals(0x0806, ByteBuffer.wrap(ll).getShort(2), "protocol in network order");
        assertEquals(3, ByteBuffer.wrap(ll).order(Bytes.HOST).getInt(4));
    }
}
