package ipmpd.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.ByteBuffer;

/** The wire formats of address announcements (all network order). */
final class AnnounceFrames {
    static final int ETH_P_ARP = 0x0806;
    static final int ETH_P_IP = 0x0800;
    static final int ARPOP_REQUEST = 1;
    static final int ND_NEIGHBOR_ADVERT = 136;
    static final int NA_FLAG_OVERRIDE = 0x20; // in the first byte of the flags word (R=0x80, S=0x40, O=0x20)
    static final int ND_OPT_TARGET_LL_ADDR = 2;
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private AnnounceFrames() {
    }

    /**
     * A complete Ethernet frame carrying a gratuitous ARP request (RFC 5227 announcement):
     * broadcast, sender = target = the address, sender MAC = the interface's. Linux neighbours
     * replace an existing entry for the address on receipt. Padded to the 60-byte Ethernet minimum.
     */
    static byte[] gratuitousArp(HwAddress mac, Inet4Address address) {
        byte[] m = mac.bytes();
        byte[] ip = address.getAddress();
        ByteBuffer b = ByteBuffer.allocate(60);
        b.put(BROADCAST).put(m).putShort((short) ETH_P_ARP);
        b.putShort((short) 1).putShort((short) ETH_P_IP).put((byte) 6).put((byte) 4).putShort((short) ARPOP_REQUEST);
        b.put(m).put(ip); // sender
        b.put(new byte[6]).put(ip); // target: hardware address unknown (zero), protocol address = ours
        return b.array();
    }

    /**
     * An unsolicited neighbour advertisement (RFC 4861 7.2.6) as an ICMPv6 message: override set,
     * solicited clear, target link-layer address option with the interface MAC. The checksum is
     * left 0 for the kernel; the hop limit (255) is a socket option.
     */
    static byte[] unsolicitedNa(HwAddress mac, Inet6Address target) {
        ByteBuffer b = ByteBuffer.allocate(32);
        b.put((byte) ND_NEIGHBOR_ADVERT).put((byte) 0).putShort((short) 0);
        b.put((byte) NA_FLAG_OVERRIDE).put(new byte[3]);
        b.put(target.getAddress());
        b.put((byte) ND_OPT_TARGET_LL_ADDR).put((byte) 1).put(mac.bytes()); // length in units of 8 bytes
        return b.array();
    }
}
