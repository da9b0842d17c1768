package ipmpd.linux;

import com.sun.jna.Memory;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Tells the link that an address now lives on this interface: the kernel announces nothing when an
 * address is added, so without this neighbours keep sending to the old MAC until their entry ages
 * out (tens of seconds). IPv4: gratuitous ARP over an AF_PACKET socket. IPv6: unsolicited neighbour
 * advertisement to ff02::1 with the override flag, hop limit 255, sourced from the address itself
 * when possible. One call sends one announcement; callers repeat it a few times, a little apart.
 *
 * <p>Both sockets are created in {@link #open}, so the announcer belongs to the network namespace of
 * the thread that opened it, whichever thread later calls it. Ethernet-like links only.
 */
public final class Announcer implements AutoCloseable {
    private static final int IPV6_PKTINFO = 50;
    private static final Inet6Address ALL_NODES = allNodes();
    private final String ifname;
    private final int ifindex;
    private final HwAddress mac;
    private final NativeFd packet;
    private final NativeFd icmp6;
    private final IOException icmp6Failure;

    private Announcer(String ifname, int ifindex, HwAddress mac) throws IOException {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.mac = mac;
        // Protocol 0: a send-only packet socket that never receives a copy of the traffic.
        this.packet = NativeFd.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0);
        NativeFd six = null;
        IOException failure = null;
        try {
            six = openIcmp6();
        } catch (IOException e) {
            failure = e; // IPv6 disabled on this host or link: IPv4 announcements still work
        }
        this.icmp6 = six;
        this.icmp6Failure = failure;
    }

    public static Announcer open(String ifname) throws IOException {
        int index = Interfaces.index(ifname);
        HwAddress mac = Interfaces.hardwareAddress(ifname);
        if (mac.length() != 6) {
            throw new IOException(ifname + " has no Ethernet address to announce");
        }
        return new Announcer(ifname, index, mac);
    }

    public HwAddress hardwareAddress() {
        return mac;
    }

    public int interfaceIndex() {
        return ifindex;
    }

    /** Gratuitous ARP for IPv4, unsolicited NA for IPv6. */
    public synchronized void announce(InetAddress address) throws IOException {
        if (address instanceof Inet4Address) {
            gratuitousArp((Inet4Address) address);
        } else {
            unsolicitedNeighbourAdvertisement((Inet6Address) address);
        }
    }

    public synchronized void gratuitousArp(Inet4Address address) throws IOException {
        LibC.sendto(packet.get(), AnnounceFrames.gratuitousArp(mac, address), 0,
                SockAddr.packet(AnnounceFrames.ETH_P_ARP, ifindex, AnnounceFrames.BROADCAST));
    }

    public synchronized void unsolicitedNeighbourAdvertisement(Inet6Address address) throws IOException {
        if (icmp6 == null) {
            throw new IOException("no ICMPv6 socket on " + ifname, icmp6Failure);
        }
        byte[] na = AnnounceFrames.unsolicitedNa(mac, address);
        byte[] dst = SockAddr.inet(ALL_NODES, ifindex);
        try {
            sendFrom(icmp6.get(), na, dst, address);
        } catch (NativeIOException e) {
            // The address is not (yet) usable as a source, e.g. still tentative: let the kernel
            // pick the interface's link-local address; receivers accept either.
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.EADDRNOTAVAIL) {
                throw e;
            }
            LibC.sendto(icmp6.get(), na, 0, dst);
        }
    }

    private NativeFd openIcmp6() throws IOException {
        NativeFd fd = NativeFd.socket(LibC.AF_INET6, LibC.SOCK_RAW, LibC.IPPROTO_ICMPV6);
        try {
            int s = fd.get();
            IcmpProbeSocket.bindToDevice(s, ifname);
            // Receivers drop neighbour discovery with a hop limit other than 255 (RFC 4861 7.1.2).
            LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_HOPS, 255);
            LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_UNICAST_HOPS, 255);
            LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_IF, ifindex);
            LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_LOOP, 0);
            // Send-only: block every ICMPv6 type so nothing queues up on this socket.
            LibC.setsockopt(s, LibC.IPPROTO_ICMPV6, LibC.ICMP_FILTER, IcmpProbeSocket.icmp6Filter());
            return fd;
        } catch (IOException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** sendmsg with an IPV6_PKTINFO control message choosing the source address. */
    private void sendFrom(int s, byte[] data, byte[] dst, Inet6Address source) throws NativeIOException {
        Memory name = new Memory(dst.length);
        name.write(0, dst, 0, dst.length);
        Memory payload = new Memory(data.length);
        payload.write(0, data, 0, data.length);
        Memory iov = new Memory(16);
        iov.setPointer(0, payload);
        iov.setLong(8, data.length);
        // cmsghdr (16) + in6_pktinfo { in6_addr addr; int ifindex; } (20), padded to 8: 40 bytes
        Memory control = new Memory(40);
        control.clear();
        control.setLong(0, 16 + 20);
        control.setInt(8, LibC.IPPROTO_IPV6);
        control.setInt(12, IPV6_PKTINFO);
        control.write(16, source.getAddress(), 0, 16);
        control.setInt(32, ifindex);
        Memory hdr = new Memory(56);
        hdr.clear();
        hdr.setPointer(0, name);
        hdr.setInt(8, dst.length);
        hdr.setPointer(16, iov);
        hdr.setLong(24, 1);
        hdr.setPointer(32, control);
        hdr.setLong(40, 40);
        LibC.sendmsg(s, hdr, 0);
    }

    private static Inet6Address allNodes() {
        try {
            byte[] a = new byte[16];
            a[0] = (byte) 0xff;
            a[1] = 0x02;
            a[15] = 1;
            return (Inet6Address) SockAddr.ip(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public synchronized void close() {
        packet.close();
        if (icmp6 != null) {
            icmp6.close();
        }
    }
}
