package ipmpd.linux;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Subscribes to rtnetlink notifications and decodes them into {@link RtEvent}s.
 *
 * <p>Never throws on a message it does not understand: such messages are skipped and counted
 * ({@link #skippedMessages()}). A receive-buffer overflow (ENOBUFS) becomes a
 * {@link RtEvent.ResyncNeeded} event: events were lost and the caller must dump the state again.
 * Single reader; works in the network namespace of the thread that opened it.
 */
public final class RtnetlinkMonitor implements AutoCloseable {
    public static final int DEFAULT_GROUPS = Rtnl.RTMGRP_LINK | Rtnl.RTMGRP_IPV4_IFADDR | Rtnl.RTMGRP_IPV6_IFADDR
            | Rtnl.RTMGRP_IPV4_ROUTE | Rtnl.RTMGRP_IPV6_ROUTE;
    public static final int DEFAULT_RECEIVE_BUFFER = 4 << 20;
    /** Upper bound of datagrams drained per read, so one call cannot run forever under a storm. */
    private static final int MAX_DATAGRAMS_PER_READ = 512;
    private final NetlinkSocket sock;
    private final long[] skipped = new long[1];

    private RtnetlinkMonitor(NetlinkSocket sock) {
        this.sock = sock;
    }

    /** Links, IPv4/IPv6 addresses and IPv4/IPv6 routes, with a 4 MiB receive buffer. */
    public static RtnetlinkMonitor open() throws IOException {
        return open(DEFAULT_GROUPS, DEFAULT_RECEIVE_BUFFER);
    }

    /** @param groups RTMGRP_* mask; @param receiveBufferBytes socket receive buffer (small values provoke ENOBUFS) */
    public static RtnetlinkMonitor open(int groups, int receiveBufferBytes) throws IOException {
        NetlinkSocket s = NetlinkSocket.open(groups, true);
        try {
            s.setReceiveBuffer(receiveBufferBytes);
        } catch (NativeIOException e) {
            s.close();
            throw e;
        }
        return new RtnetlinkMonitor(s);
    }

    /** For callers that poll many descriptors; readable means {@link #readAvailable()} has work. */
    public int fd() {
        return sock.fd();
    }

    /**
     * Waits up to {@code timeoutMillis} for the socket to become readable, then returns every event
     * queued by then (possibly none: a wake-up may carry only skipped messages).
     */
    public List<RtEvent> read(long timeoutMillis) throws IOException {
        LibC.pollIn(sock.fd(), (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeoutMillis)));
        return readAvailable();
    }

    /** Returns the events already queued, without waiting. */
    public List<RtEvent> readAvailable() throws IOException {
        List<RtEvent> out = new ArrayList<>();
        boolean resync = false;
        for (int i = 0; i < MAX_DATAGRAMS_PER_READ; i++) {
            byte[] d;
            try {
                d = sock.receive();
            } catch (NativeIOException e) {
                if (e.errno() != Errno.ENOBUFS) {
                    throw e;
                }
                if (!resync) {
                    out.add(new RtEvent.ResyncNeeded());
                    resync = true;
                }
                continue; // the socket stays usable; later events are still valid
            }
            if (d == null) {
                break;
            }
            for (NlMessage m : NlMessage.split(d, d.length, skipped)) {
                RtEvent e = RtnlDecoder.event(m);
                if (e == null) {
                    skipped[0]++;
                } else {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** Messages received but not turned into events (unknown types, other families, malformed). */
    public long skippedMessages() {
        return skipped[0];
    }

    @Override
    public void close() {
        sock.close();
    }
}
