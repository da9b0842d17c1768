package ipmpd.linux.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The ARP source address of a member: IPv4 link-local, outside the reserved first and last /24. */
class ArpSourcesTest {

    private static byte[] mac(int b4, int b5) {
        return new byte[] {0x02, 0, 0, 0, (byte) b4, (byte) b5};
    }

    @Test
    void theAddressComesFromTheLastTwoBytesOfTheMac() {
        assertEquals("169.254.19.52", ArpSources.addressFor(mac(0x12, 0x34)).getHostAddress());
        assertEquals("169.254.1.0", ArpSources.addressFor(mac(0, 0)).getHostAddress(), "never 169.254.0.x");
        assertEquals("169.254.2.255", ArpSources.addressFor(mac(255, 255)).getHostAddress(), "never 169.254.255.x");
        assertEquals("169.254.254.7", ArpSources.addressFor(mac(253, 7)).getHostAddress());
        assertNotEquals(ArpSources.addressFor(mac(1, 2)), ArpSources.addressFor(mac(1, 3)));
    }
}
