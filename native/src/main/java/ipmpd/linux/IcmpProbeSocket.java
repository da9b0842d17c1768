package ipmpd.linux;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A raw ICMP (IPv4) or ICMPv6 echo socket for probing from one test address on one interface.
 *
 * <ul>
 * <li>SO_BINDTODEVICE pins probes and replies to the member; bind() alone only picks the source.
 * <li>TTL / hop limit 1: targets must be on-link, so a probe never reaches past the first router.
 * <li>Multicast goes out this interface with loopback off, so {@code 224.0.0.1} / {@code ff02::1}
 *     discovers neighbours without the host answering itself on this socket.
 * <li>ICMP_FILTER / ICMP6_FILTER: every raw socket sees every ICMP packet; let only echo replies in.
 * <li>SO_TIMESTAMPNS: the kernel stamps each reply on arrival, so scheduling delay of the reader
 *     does not inflate the measured RTT.
 * <li>SO_TIMESTAMPING (software transmit stamps, {@link TxTimestamps}): the kernel stamps each
 *     request when it really leaves, so a wait in neighbour resolution is not counted as RTT.
 * </ul>
 * Replies are matched on this socket's identifier and the payload marker. Non-blocking: use
 * {@link #receive()} after polling {@link #fd()}, or {@link #receive(long)}. Single reader.
 */
public final class IcmpProbeSocket implements AutoCloseable {
    private final NativeFd fd;
    private final boolean v6;
    private final int ifindex;
    private final String ifname;
    private final InetAddress source;
    private final int identifier;
    private final RecvMsg recv = new RecvMsg(2048, 256);
    private final RecvMsg errors = new RecvMsg(64, 256);
    private final TxTimestamps departures = new TxTimestamps();
    private long ignored;

    private IcmpProbeSocket(NativeFd fd, boolean v6, int ifindex, String ifname, InetAddress source, int identifier) {
        this.fd = fd;
        this.v6 = v6;
        this.ifindex = ifindex;
        this.ifname = ifname;
        this.source = source;
        this.identifier = identifier;
    }

    /**
     * @param ifname     the member interface
     * @param source     its test address (IPv6: normally the link-local address)
     * @param identifier ICMP identifier, 0..65535, unique per probing socket on the host
     */
    public static IcmpProbeSocket open(String ifname, InetAddress source, int identifier) throws IOException {
        int ifindex = Interfaces.index(ifname);
        boolean v6 = source instanceof Inet6Address;
        NativeFd fd = NativeFd.socket(v6 ? LibC.AF_INET6 : LibC.AF_INET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK,
                v6 ? LibC.IPPROTO_ICMPV6 : LibC.IPPROTO_ICMP);
        try {
            int s = fd.get();
            bindToDevice(s, ifname);
            if (v6) {
                LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_UNICAST_HOPS, 1);
                LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_HOPS, 1);
                LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_LOOP, 0);
                LibC.setsockopt(s, LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_IF, ifindex);
                LibC.setsockopt(s, LibC.IPPROTO_ICMPV6, LibC.ICMP_FILTER, icmp6Filter(IcmpCodec.ECHO_REPLY_V6));
            } else {
                LibC.setsockopt(s, LibC.IPPROTO_IP, LibC.IP_TTL, 1);
                LibC.setsockopt(s, LibC.IPPROTO_IP, LibC.IP_MULTICAST_TTL, 1);
                LibC.setsockopt(s, LibC.IPPROTO_IP, LibC.IP_MULTICAST_LOOP, 0);
                LibC.setsockopt(s, LibC.IPPROTO_IP, LibC.IP_MULTICAST_IF, ipMreqn(source, ifindex));
                // ICMP_FILTER: a set bit blocks that type; pass only echo reply (type 0).
                LibC.setsockopt(s, LibC.SOL_RAW, LibC.ICMP_FILTER, ~(1 << IcmpCodec.ECHO_REPLY_V4));
            }
            LibC.setsockopt(s, LibC.SOL_SOCKET, LibC.SO_TIMESTAMPNS, 1);
            stampDepartures(s);
            LibC.bind(s, SockAddr.inet(source, ifindex));
            return new IcmpProbeSocket(fd, v6, ifindex, ifname, source, identifier & 0xffff);
        } catch (IOException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** Turns transmit stamps on; the kernel numbers the sends from 0 again (OPT_ID newly set). */
    private static void stampDepartures(int s) {
        try {
            LibC.setsockopt(s, LibC.SOL_SOCKET, LibC.SO_TIMESTAMPING, TxTimestamps.FLAGS);
        } catch (NativeIOException e) {
            // A kernel without it: replies are timed from the send call, as before.
        }
    }

    static void bindToDevice(int s, String ifname) throws NativeIOException {
        byte[] n = ifname.getBytes(StandardCharsets.UTF_8);
        LibC.setsockopt(s, LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, Arrays.copyOf(n, n.length + 1));
    }

    /** struct icmp6_filter letting only the given types through (none: block all); a set bit blocks. */
    static byte[] icmp6Filter(int... passTypes) {
        int[] words = new int[8];
        Arrays.fill(words, -1);
        for (int type : passTypes) {
            words[type >> 5] &= ~(1 << (type & 31));
        }
        ByteBuffer b = ByteBuffer.allocate(32).order(Bytes.HOST);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    /** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } */
    private static byte[] ipMreqn(InetAddress source, int ifindex) {
        ByteBuffer b = ByteBuffer.allocate(12).order(Bytes.HOST);
        b.putInt(0).put(source.getAddress()).putInt(ifindex);
        return b.array();
    }

    public int fd() {
        return fd.get();
    }

    public int identifier() {
        return identifier;
    }

    public int interfaceIndex() {
        return ifindex;
    }

    public String interfaceName() {
        return ifname;
    }

    public InetAddress source() {
        return source;
    }

    /**
     * Sends one echo request. Unicast targets must be on-link; multicast {@code 224.0.0.1} or
     * {@code ff02::1} ask every neighbour (IPv4 hosts answer only with icmp_echo_ignore_broadcasts=0).
     *
     * @param sequence 16-bit sequence number (higher bits are dropped)
     * @return the send time written into the payload (CLOCK_REALTIME ns)
     */
    public long send(InetAddress destination, int sequence) throws IOException {
        if ((destination instanceof Inet6Address) != v6) {
            throw new IllegalArgumentException("address family of " + destination + " does not match " + source);
        }
        long now = LibC.realtimeNanos();
        departures.sending(sequence & 0xffff, now);
        try {
            LibC.sendto(fd.get(), IcmpCodec.echoRequest(v6, identifier, sequence & 0xffff, now), 0,
                    SockAddr.inet(destination, ifindex));
        } catch (IOException | RuntimeException e) {
            // The kernel may or may not have counted this send: number them from 0 again.
            try {
                LibC.setsockopt(fd.get(), LibC.SOL_SOCKET, LibC.SO_TIMESTAMPING, 0);
            } catch (NativeIOException ignored) {
                // stamping was never on
            }
            departures.restart();
            stampDepartures(fd.get());
            throw e;
        }
        return now;
    }

    /** The next reply already queued, without waiting. Foreign or malformed packets are dropped. */
    public Optional<EchoReply> receive() throws IOException {
        // Transmit stamps first: a request is stamped before its reply can arrive.
        while (errors.receive(fd.get(), LibC.MSG_ERRQUEUE | LibC.MSG_DONTWAIT)) {
            TxTimestamps.Stamp stamp = TxTimestamps.parse(errors.control());
            if (stamp != null) {
                departures.stamped(stamp);
            }
        }
        while (recv.receive(fd.get(), LibC.MSG_DONTWAIT)) {
            EchoReply r = decode();
            if (r != null) {
                return Optional.of(r);
            }
            ignored++;
        }
        return Optional.empty();
    }

    /** Waits up to {@code timeoutMillis} for the next reply. */
    public Optional<EchoReply> receive(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            Optional<EchoReply> r = receive();
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (r.isPresent() || left <= 0) {
                return r;
            }
            LibC.pollIn(fd.get(), (int) Math.min(left, Integer.MAX_VALUE));
        }
    }

    /** Packets read that were not replies to this socket (other identifiers, bad checksums...). */
    public long ignoredPackets() {
        return ignored;
    }

    private EchoReply decode() {
        byte[] d = recv.data();
        int off = 0;
        if (!v6) {
            off = IcmpCodec.ipv4PayloadOffset(d, d.length); // raw IPv4 reads start with the IP header
            if (off < 0) {
                return null;
            }
        }
        IcmpCodec.Echo e = IcmpCodec.parseEchoReply(d, off, d.length - off, v6);
        if (e == null || e.identifier() != identifier) {
            return null;
        }
        byte[] name = recv.name();
        InetAddress from = SockAddr.decodeInet(name, name.length);
        if (from == null && !v6) {
            from = ipv4Source(d);
        }
        long stamp = recv.timestampNs();
        boolean kernel = stamp >= 0;
        return new EchoReply(from, e.identifier(), e.sequence(), kernel ? stamp : LibC.realtimeNanos(),
                e.sentNs(), kernel, departures.departure(e.sequence()), departures.stamping());
    }

    private static InetAddress ipv4Source(byte[] ipPacket) {
        try {
            return Inet4Address.getByAddress(Arrays.copyOfRange(ipPacket, 12, 16));
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
