package ipmpd.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/**
 * The few libc calls ipmpd needs, direct-mapped with JNA (no reflection proxy per call).
 *
 * <p>Every public wrapper turns a failure return into a {@link NativeIOException} carrying errno and
 * strerror text, so no caller ever looks at -1 or errno. The raw symbols stay private in {@link C}.
 * JNA saves errno after every direct call on the calling thread ({@link Native#getLastError()}),
 * which is the value read right after a failed return.
 *
 * <p>Assumes LP64 Linux (x86_64, aarch64): size_t/ssize_t are Java {@code long}.
 */
public final class LibC {
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;

    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;

    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_RCVBUFFORCE = 33;
    /** Also the control message type (SCM_TIMESTAMPNS) carrying a struct timespec. */
    public static final int SO_TIMESTAMPNS = 35;
    /** SO_TIMESTAMPING (the "old" 32-bit-time name, same value on LP64); also SCM_TIMESTAMPING. */
    public static final int SO_TIMESTAMPING = 37;
    public static final int SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1;
    public static final int SOF_TIMESTAMPING_SOFTWARE = 1 << 4;
    public static final int SOF_TIMESTAMPING_OPT_ID = 1 << 7;
    public static final int SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11;
    /** sock_extended_err.ee_origin of a transmit timestamp; ee_info SCM_TSTAMP_SND = 0. */
    public static final int SO_EE_ORIGIN_TIMESTAMPING = 4;
    public static final int SCM_TSTAMP_SND = 0;
    /** Control message types of the sock_extended_err read from the error queue (levels IPPROTO_IP/IPV6). */
    public static final int IP_RECVERR = 11;
    public static final int IPV6_RECVERR = 25;

    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int SOL_RAW = 255;
    public static final int SOL_NETLINK = 270;

    public static final int IP_TTL = 2;
    public static final int IP_MULTICAST_IF = 32;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IPV6_UNICAST_HOPS = 16;
    public static final int IPV6_MULTICAST_IF = 17;
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    /** ICMP_FILTER (SOL_RAW) and ICMP6_FILTER (IPPROTO_ICMPV6) share the value 1. */
    public static final int ICMP_FILTER = 1;

    public static final int MSG_PEEK = 0x2;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_ERRQUEUE = 0x2000;

    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;

    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;

    public static final long SIOCGIFHWADDR = 0x8927;

    private LibC() {
    }

    /** Raw libc symbols. Names must equal the C symbols: direct mapping binds by method name. */
    private static final class C {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int socket(int domain, int type, int protocol);

        static native int bind(int fd, byte[] addr, int addrLen);

        static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen);

        static native long sendmsg(int fd, Pointer msg, int flags);

        static native long recvmsg(int fd, Pointer msg, int flags);

        static native long recvfrom(int fd, Pointer buf, long len, int flags, Pointer addr, Pointer addrLen);

        static native int setsockopt(int fd, int level, int name, byte[] value, int len);

        static native int getsockopt(int fd, int level, int name, byte[] value, int[] len);

        static native int poll(Pointer fds, long nfds, int timeoutMillis);

        static native int close(int fd);

        static native long pread(int fd, Pointer buf, long count, long offset);

        static native int epoll_create1(int flags);

        static native int epoll_ctl(int epfd, int op, int fd, Pointer event);

        static native int epoll_wait(int epfd, Pointer events, int maxevents, int timeoutMillis);

        static native int eventfd(int initval, int flags);

        static native long read(int fd, byte[] buf, long count);

        static native long write(int fd, byte[] buf, long count);

        static native int if_nametoindex(String name);

        static native Pointer if_indextoname(int index, byte[] buf);

        static native int setns(int fd, int nstype);

        // open(2) and ioctl(2) are variadic; calling them with their full fixed argument list is
        // the usual, ABI-safe way on LP64 Linux.
        static native int open(String path, int flags, int mode);

        static native int ioctl(int fd, long request, byte[] arg);

        @SuppressWarnings("overloads")
        static native int ioctl(int fd, long request, Pointer arg);

        static native Pointer strerror(int errnum);

        static native int sched_setscheduler(int pid, int policy, int[] param);

        static native int sched_getscheduler(int pid);

        static native int sched_getparam(int pid, int[] param);
    }

    /**
     * epoll_pwait2(2) (glibc 2.35, Linux 5.11): a timeout in nanoseconds. In a class of its own so
     * that a libc without it leaves the other symbols usable ({@link #epollPwait2Available}).
     */
    private static final class Pwait2 {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int epoll_pwait2(int epfd, Pointer events, int maxevents, Pointer timespec, Pointer sigmask);
    }

    private static final boolean PWAIT2 = probePwait2();

    private static boolean probePwait2() {
        try {
            Class.forName(Pwait2.class.getName(), true, LibC.class.getClassLoader());
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Whether {@link #epoll_pwait2} may be called. */
    public static boolean epollPwait2Available() {
        return PWAIT2;
    }

    private static NativeIOException fail(String op) {
        return new NativeIOException(op, Native.getLastError());
    }

    /** strerror text for an errno value. */
    public static String strerror(int errno) {
        Pointer p = C.strerror(errno);
        return p == null ? "errno " + errno : p.getString(0, StandardCharsets.UTF_8.name());
    }

    public static int socket(int domain, int type, int protocol) throws NativeIOException {
        int fd = C.socket(domain, type, protocol);
        if (fd < 0) {
            throw fail("socket(" + domain + ", " + type + ", " + protocol + ")");
        }
        return fd;
    }

    public static void bind(int fd, byte[] sockaddr) throws NativeIOException {
        if (C.bind(fd, sockaddr, sockaddr.length) < 0) {
            throw fail("bind");
        }
    }

    /** @return bytes sent */
    public static long sendto(int fd, byte[] buf, int flags, byte[] sockaddr) throws NativeIOException {
        long n = C.sendto(fd, buf, buf.length, flags, sockaddr, sockaddr == null ? 0 : sockaddr.length);
        if (n < 0) {
            throw fail("sendto");
        }
        return n;
    }

    /** @param msghdr a struct msghdr in native memory (see {@link RecvMsg} for the layout) */
    public static long sendmsg(int fd, Pointer msghdr, int flags) throws NativeIOException {
        long n = C.sendmsg(fd, msghdr, flags);
        if (n < 0) {
            throw fail("sendmsg");
        }
        return n;
    }

    /** @return bytes received; EAGAIN is thrown like any other error (check {@link NativeIOException#errno()}) */
    /**
     * recvmsg on a non-blocking read: -1 when nothing is queued (EAGAIN), without the cost of an
     * exception (every drain of a socket ends that way).
     */
    public static long recvmsgOrAgain(int fd, Pointer msghdr, int flags) throws NativeIOException {
        long n = C.recvmsg(fd, msghdr, flags);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EAGAIN) {
                return -1;
            }
            throw new NativeIOException("recvmsg", errno);
        }
        return n;
    }

    /** recvfrom without the source address; -1 when nothing is queued (EAGAIN), as {@link #recvmsgOrAgain}. */
    public static long recvfromOrAgain(int fd, Pointer buf, long len, int flags) throws NativeIOException {
        long n = C.recvfrom(fd, buf, len, flags, null, null);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EAGAIN) {
                return -1;
            }
            throw new NativeIOException("recvfrom", errno);
        }
        return n;
    }

    /**
     * poll(2) on a caller-kept array of struct pollfd ({@code 8 * nfds} bytes: int fd, short
     * events, short revents), so a loop that polls often allocates nothing.
     *
     * @return the number of ready descriptors, 0 on timeout or EINTR
     */
    public static int poll(Pointer pollfds, int nfds, int timeoutMillis) throws NativeIOException {
        int n = C.poll(pollfds, nfds, timeoutMillis);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeIOException("poll", errno);
        }
        return n;
    }

    public static long recvmsg(int fd, Pointer msghdr, int flags) throws NativeIOException {
        long n = C.recvmsg(fd, msghdr, flags);
        if (n < 0) {
            throw fail("recvmsg");
        }
        return n;
    }

    /** recvfrom without the source address (the only use here is netlink, where it is always the kernel). */
    public static long recvfrom(int fd, Pointer buf, long len, int flags) throws NativeIOException {
        long n = C.recvfrom(fd, buf, len, flags, null, null);
        if (n < 0) {
            throw fail("recvfrom");
        }
        return n;
    }

    public static void setsockopt(int fd, int level, int name, byte[] value) throws NativeIOException {
        if (C.setsockopt(fd, level, name, value, value.length) < 0) {
            throw fail("setsockopt(" + level + ", " + name + ")");
        }
    }

    public static void setsockopt(int fd, int level, int name, int value) throws NativeIOException {
        setsockopt(fd, level, name, Bytes.intNative(value));
    }

    /** @return the bytes the kernel wrote (at most maxLen) */
    public static byte[] getsockopt(int fd, int level, int name, int maxLen) throws NativeIOException {
        byte[] buf = new byte[maxLen];
        int[] len = {maxLen};
        if (C.getsockopt(fd, level, name, buf, len) < 0) {
            throw fail("getsockopt(" + level + ", " + name + ")");
        }
        return java.util.Arrays.copyOf(buf, len[0]);
    }

    public static int getsockoptInt(int fd, int level, int name) throws NativeIOException {
        return Bytes.intNative(getsockopt(fd, level, name, 4), 0);
    }

    /**
     * poll(2) on several descriptors for the same events.
     *
     * @param revents receives each descriptor's returned events (same length as fds)
     * @return number of ready descriptors, 0 on timeout or when interrupted (EINTR)
     */
    public static int poll(int[] fds, short events, short[] revents, int timeoutMillis) throws NativeIOException {
        // struct pollfd { int fd; short events; short revents; } = 8 bytes
        Memory m = new Memory(8L * Math.max(1, fds.length));
        for (int i = 0; i < fds.length; i++) {
            m.setInt(8L * i, fds[i]);
            m.setShort(8L * i + 4, events);
            m.setShort(8L * i + 6, (short) 0);
        }
        int n = C.poll(m, fds.length, timeoutMillis);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeIOException("poll", errno);
        }
        for (int i = 0; i < fds.length; i++) {
            revents[i] = m.getShort(8L * i + 6);
        }
        return n;
    }

    /** @return true if fd became readable (or has an error pending) within the timeout */
    public static boolean pollIn(int fd, int timeoutMillis) throws NativeIOException {
        short[] rev = new short[1];
        return poll(new int[] {fd}, POLLIN, rev, timeoutMillis) > 0 && rev[0] != 0;
    }

    public static int epoll_create1(int flags) throws NativeIOException {
        int fd = C.epoll_create1(flags);
        if (fd < 0) {
            throw fail("epoll_create1");
        }
        return fd;
    }

    public static void epoll_ctl(int epfd, int op, int fd, Pointer event) throws NativeIOException {
        if (C.epoll_ctl(epfd, op, fd, event) < 0) {
            throw fail("epoll_ctl");
        }
    }

    /** @return the number of events written, 0 on timeout or EINTR */
    public static int epoll_wait(int epfd, Pointer events, int maxevents, int timeoutMillis) throws NativeIOException {
        int n = C.epoll_wait(epfd, events, maxevents, timeoutMillis);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeIOException("epoll_wait", errno);
        }
        return n;
    }

    /**
     * epoll_pwait2(2) without a signal mask.
     *
     * @param timespec struct timespec {seconds, nanoseconds}, or null to wait without a limit
     * @return the number of events written, 0 on timeout or EINTR
     */
    public static int epoll_pwait2(int epfd, Pointer events, int maxevents, Pointer timespec) throws NativeIOException {
        int n = Pwait2.epoll_pwait2(epfd, events, maxevents, timespec, null);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeIOException("epoll_pwait2", errno);
        }
        return n;
    }

    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    public static final int SCHED_OTHER = 0;
    public static final int SCHED_FIFO = 1;

    /**
     * sched_setscheduler(2) of the calling thread (pid 0 is the caller on Linux, a thread, not the
     * process): {@code param} is struct sched_param, one int (the real-time priority, 0 for
     * SCHED_OTHER).
     */
    public static void sched_setscheduler(int policy, int priority) throws NativeIOException {
        if (C.sched_setscheduler(0, policy, new int[] {priority}) != 0) {
            throw fail("sched_setscheduler");
        }
    }

    /** The calling thread's policy (SCHED_OTHER, SCHED_FIFO, ...) and real-time priority. */
    public static int[] sched_getscheduler() throws NativeIOException {
        int policy = C.sched_getscheduler(0);
        if (policy < 0) {
            throw fail("sched_getscheduler");
        }
        int[] param = new int[1];
        if (C.sched_getparam(0, param) != 0) {
            throw fail("sched_getparam");
        }
        return new int[] {policy, param[0]};
    }

    /** eventfd(2). */
    public static int eventfd(int initval, int flags) throws NativeIOException {
        int fd = C.eventfd(initval, flags);
        if (fd < 0) {
            throw fail("eventfd");
        }
        return fd;
    }

    /** read(2); @return bytes read, or -1 for EAGAIN on a non-blocking descriptor */
    public static long read(int fd, byte[] buf) throws NativeIOException {
        return againAsMinusOne(C.read(fd, buf, buf.length), "read");
    }

    /** write(2); @return bytes written, or -1 for EAGAIN on a non-blocking descriptor */
    public static long write(int fd, byte[] buf) throws NativeIOException {
        return againAsMinusOne(C.write(fd, buf, buf.length), "write");
    }

    private static long againAsMinusOne(long n, String op) throws NativeIOException {
        if (n >= 0) {
            return n;
        }
        int errno = Native.getLastError();
        if (errno == Errno.EAGAIN) {
            return -1;
        }
        throw new NativeIOException(op, errno);
    }

    /** pread(2): reads at {@code offset} without moving the file position. */
    public static long pread(int fd, Pointer buf, long count, long offset) throws NativeIOException {
        long n = C.pread(fd, buf, count, offset);
        if (n < 0) {
            throw fail("pread");
        }
        return n;
    }

    public static void close(int fd) throws NativeIOException {
        if (C.close(fd) < 0) {
            throw fail("close(" + fd + ")");
        }
    }

    /** Interface index of a name, in the network namespace of the calling thread. */
    public static int if_nametoindex(String name) throws NativeIOException {
        int idx = C.if_nametoindex(name);
        if (idx == 0) {
            throw new NativeIOException("if_nametoindex(" + name + ")", nonZero(Native.getLastError(), Errno.ENODEV));
        }
        return idx;
    }

    /** Interface name of an index, in the network namespace of the calling thread. */
    public static String if_indextoname(int index) throws NativeIOException {
        byte[] buf = new byte[16]; // IF_NAMESIZE
        if (C.if_indextoname(index, buf) == null) {
            throw new NativeIOException("if_indextoname(" + index + ")", nonZero(Native.getLastError(), Errno.ENODEV));
        }
        return Bytes.cString(buf, 0, buf.length);
    }

    public static void setns(int fd, int nstype) throws NativeIOException {
        if (C.setns(fd, nstype) < 0) {
            throw fail("setns");
        }
    }

    public static int open(String path, int flags) throws NativeIOException {
        int fd = C.open(path, flags, 0);
        if (fd < 0) {
            throw fail("open(" + path + ")");
        }
        return fd;
    }

    /** ioctl with an in/out buffer argument (e.g. struct ifreq). */
    public static void ioctl(int fd, long request, byte[] arg) throws NativeIOException {
        if (C.ioctl(fd, request, arg) < 0) {
            throw fail("ioctl(0x" + Long.toHexString(request) + ")");
        }
    }

    /** ioctl(2) with an argument in native memory; @return 0, or -errno */
    public static int ioctl(int fd, long request, Pointer arg) {
        return C.ioctl(fd, request, arg) < 0 ? -nonZero(Native.getLastError(), Errno.EINVAL) : 0;
    }

    /**
     * CLOCK_REALTIME in nanoseconds: the clock of SO_TIMESTAMPNS, so the two can be subtracted.
     * Through the JDK (clock_gettime(CLOCK_REALTIME) in the VM, to the nanosecond on Linux): no
     * native call and no array copied through JNI for every probe sent and every reply.
     */
    public static long realtimeNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static int nonZero(int errno, int fallback) {
        return errno != 0 ? errno : fallback;
    }
}
