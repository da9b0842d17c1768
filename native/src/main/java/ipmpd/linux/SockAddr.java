package ipmpd.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes and decodes the socket address structs: family fields are host order, ports and
 * addresses network order, sin6_scope_id host order.
 */
final class SockAddr {
    static final int SOCKADDR_IN_LEN = 16;
    static final int SOCKADDR_IN6_LEN = 28;
    static final int SOCKADDR_NL_LEN = 12;
    static final int SOCKADDR_LL_LEN = 20;

    private SockAddr() {
    }

    /**
     * sockaddr_in / sockaddr_in6 with port 0. For IPv6 the scope id is the address's own, else
     * {@code ifindex} when the address needs one (link-local unicast or link/interface-local multicast).
     */
    static byte[] inet(InetAddress a, int ifindex) {
        if (a instanceof Inet4Address) {
            ByteBuffer b = ByteBuffer.allocate(SOCKADDR_IN_LEN).order(Bytes.HOST);
            b.putShort((short) LibC.AF_INET);
            b.order(ByteOrder.BIG_ENDIAN).putShort((short) 0);
            b.put(a.getAddress());
            return b.array();
        }
        Inet6Address a6 = (Inet6Address) a;
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_IN6_LEN).order(Bytes.HOST);
        b.putShort((short) LibC.AF_INET6);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) 0).putInt(0); // port, flowinfo
        b.put(a6.getAddress());
        b.order(Bytes.HOST).putInt(scopeId(a6, ifindex));
        return b.array();
    }

    static int scopeId(Inet6Address a, int ifindex) {
        if (a.getScopeId() != 0) {
            return a.getScopeId();
        }
        boolean needsScope = a.isLinkLocalAddress() || a.isMCLinkLocal() || a.isMCNodeLocal();
        return needsScope ? ifindex : 0;
    }

    /** Decodes sockaddr_in / sockaddr_in6 (as returned by recvmsg); null if too short or another family. */
    static InetAddress decodeInet(byte[] sa, int len) {
        if (len < 2) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(sa, 0, len).order(Bytes.HOST);
        int family = b.getShort(0) & 0xffff;
        try {
            if (family == LibC.AF_INET && len >= 8) {
                byte[] addr = new byte[4];
                System.arraycopy(sa, 4, addr, 0, 4);
                return InetAddress.getByAddress(addr);
            }
            if (family == LibC.AF_INET6 && len >= 24) {
                byte[] addr = new byte[16];
                System.arraycopy(sa, 8, addr, 0, 16);
                int scope = len >= 28 ? b.getInt(24) : 0;
                return withScope(addr, scope);
            }
        } catch (UnknownHostException e) {
            return null; // cannot happen for 4/16 bytes
        }
        return null;
    }

    /** An IPv6 address that keeps a non-zero scope id (link-local replies), else a plain one. */
    static InetAddress withScope(byte[] addr16, int scope) throws UnknownHostException {
        Inet6Address plain = (Inet6Address) ip(addr16);
        if (scope != 0 && (plain.isLinkLocalAddress() || plain.isMCLinkLocal())) {
            return Inet6Address.getByAddress(null, addr16, scope);
        }
        return plain;
    }

    /**
     * 4 bytes give an Inet4Address, 16 bytes always an Inet6Address: InetAddress.getByAddress would
     * turn an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into IPv4 and lose the family.
     */
    static InetAddress ip(byte[] raw) throws UnknownHostException {
        if (raw.length == 16) {
            return Inet6Address.getByAddress(null, raw, -1);
        }
        return InetAddress.getByAddress(raw);
    }

    /** sockaddr_nl: pid 0 and groups 0 address the kernel. */
    static byte[] netlink(int pid, int groups) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_NL_LEN).order(Bytes.HOST);
        b.putShort((short) LibC.AF_NETLINK).putShort((short) 0).putInt(pid).putInt(groups);
        return b.array();
    }

    /** sockaddr_ll for sending a complete Ethernet frame out of one interface. */
    static byte[] packet(int ethertype, int ifindex, byte[] dstMac) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_LL_LEN).order(Bytes.HOST);
        b.putShort((short) LibC.AF_PACKET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) ethertype);
        b.order(Bytes.HOST).putInt(ifindex);
        b.putShort((short) 1); // sll_hatype ARPHRD_ETHER (ignored on send)
        b.put((byte) 0); // sll_pkttype (ignored on send)
        b.put((byte) dstMac.length);
        b.put(dstMac);
        return b.array();
    }
}
