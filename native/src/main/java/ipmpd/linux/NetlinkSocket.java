package ipmpd.linux;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;

/** A NETLINK_ROUTE socket: bind to groups, send to the kernel, receive whole datagrams. */
final class NetlinkSocket implements AutoCloseable {
    /** Kernel dump datagrams are at most 32 KiB; twice that leaves room and detects truncation. */
    private static final int BUF = 64 * 1024;
    private static final byte[] KERNEL = SockAddr.netlink(0, 0);
    private final NativeFd fd;
    private final Memory buf = new Memory(BUF);

    private NetlinkSocket(NativeFd fd) {
        this.fd = fd;
    }

    /** @param groups RTMGRP_* mask to subscribe to, 0 for a request-only socket */
    static NetlinkSocket open(int groups, boolean nonBlocking) throws NativeIOException {
        NativeFd fd = NativeFd.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | (nonBlocking ? LibC.SOCK_NONBLOCK : 0),
                Rtnl.NETLINK_ROUTE);
        try {
            try {
                LibC.setsockopt(fd.get(), LibC.SOL_NETLINK, Rtnl.NETLINK_EXT_ACK, 1);
            } catch (NativeIOException ignored) {
                // Kernels before 4.12: errors simply come without explanatory text.
            }
            LibC.bind(fd.get(), SockAddr.netlink(0, groups));
            return new NetlinkSocket(fd);
        } catch (NativeIOException e) {
            fd.close();
            throw e;
        }
    }

    int fd() {
        return fd.get();
    }

    void send(byte[] message) throws NativeIOException {
        LibC.sendto(fd.get(), message, 0, KERNEL);
    }

    /**
     * Receives one datagram.
     *
     * @return its bytes, or null if nothing is queued (EAGAIN: non-blocking socket or receive timeout)
     * @throws NativeIOException ENOBUFS when the kernel dropped messages for this socket
     */
    byte[] receive() throws NativeIOException {
        while (true) {
            long n;
            try {
                // MSG_TRUNC makes the call return the real datagram length, revealing truncation.
                n = LibC.recvfromOrAgain(fd.get(), buf, BUF, LibC.MSG_TRUNC);
            } catch (NativeIOException e) {
                if (e.errno() == Errno.EINTR) {
                    continue;
                }
                throw e;
            }
            if (n < 0) {
                return null; // EAGAIN
            }
            // n > BUF: the tail is lost; the message framing shows it and the parser counts it.
            return buf.getByteArray(0, (int) Math.min(n, BUF));
        }
    }

    /** A large buffer makes ENOBUFS (lost events) rare; root may exceed net.core.rmem_max. */
    void setReceiveBuffer(int bytes) throws NativeIOException {
        try {
            LibC.setsockopt(fd.get(), LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, bytes);
        } catch (NativeIOException e) {
            LibC.setsockopt(fd.get(), LibC.SOL_SOCKET, LibC.SO_RCVBUF, bytes);
        }
    }

    /**
     * Asks the kernel to check dump requests strictly and to honour their filters (Linux 4.20+).
     *
     * @return whether the kernel accepted it
     */
    boolean setStrictCheck() {
        try {
            LibC.setsockopt(fd.get(), LibC.SOL_NETLINK, Rtnl.NETLINK_GET_STRICT_CHK, 1);
            return true;
        } catch (NativeIOException e) {
            return false;
        }
    }

    /** Bounds a blocking receive, so a request whose reply never comes cannot hang its caller. */
    void setReceiveTimeout(int millis) throws NativeIOException {
        ByteBuffer tv = ByteBuffer.allocate(16).order(Bytes.HOST); // struct timeval { long sec; long usec; }
        tv.putLong(millis / 1000).putLong((millis % 1000) * 1000L);
        LibC.setsockopt(fd.get(), LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv.array());
    }

    @Override
    public void close() {
        fd.close();
    }
}
