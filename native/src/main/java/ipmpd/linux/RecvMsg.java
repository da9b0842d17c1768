package ipmpd.linux;

import com.sun.jna.Memory;

/**
 * Reusable native buffers for recvmsg(2): data, source address and control messages.
 * Not thread-safe: one per socket, used by the socket's single reader.
 *
 * <p>LP64 layouts: struct msghdr { void *name; socklen_t namelen; struct iovec *iov; size_t iovlen;
 * void *control; size_t controllen; int flags; } = offsets 0, 8, 16, 24, 32, 40, 48;
 * struct iovec { void *base; size_t len; }; struct cmsghdr { size_t len; int level; int type; } + data at 16.
 */
final class RecvMsg {
    private static final int NAME_CAP = 128; // sockaddr_storage
    private final int dataCap;
    private final int controlCap;
    private final Memory data;
    private final Memory name = new Memory(NAME_CAP);
    private final Memory control;
    private final Memory iov = new Memory(16);
    private final Memory hdr = new Memory(56);
    private int length;
    private int nameLen;
    private long controlLen;

    RecvMsg(int dataCap, int controlCap) {
        this.dataCap = dataCap;
        this.controlCap = controlCap;
        this.data = new Memory(dataCap);
        this.control = new Memory(Math.max(controlCap, 8));
    }

    /** @return false when nothing is queued (EAGAIN on a non-blocking read) */
    boolean receive(int fd, int flags) throws NativeIOException {
        // The kernel overwrites namelen, controllen and flags, so set all fields every time.
        iov.setPointer(0, data);
        iov.setLong(8, dataCap);
        hdr.setPointer(0, name);
        hdr.setInt(8, NAME_CAP);
        hdr.setPointer(16, iov);
        hdr.setLong(24, 1);
        hdr.setPointer(32, controlCap == 0 ? null : control);
        hdr.setLong(40, controlCap);
        hdr.setInt(48, 0);
        long n = LibC.recvmsgOrAgain(fd, hdr, flags);
        if (n < 0) {
            return false;
        }
        length = (int) Math.min(n, Integer.MAX_VALUE);
        nameLen = hdr.getInt(8);
        controlLen = hdr.getLong(40);
        return true;
    }

    byte[] data() {
        return data.getByteArray(0, Math.min(length, dataCap));
    }

    byte[] name() {
        return name.getByteArray(0, Math.max(0, Math.min(nameLen, NAME_CAP)));
    }

    /** The control messages of the last read. */
    byte[] control() {
        return control.getByteArray(0, (int) Math.min(controlLen, controlCap));
    }

    /** The SO_TIMESTAMPNS kernel receive time in CLOCK_REALTIME nanoseconds, or -1 if absent. */
    long timestampNs() {
        long off = 0;
        long end = Math.min(controlLen, controlCap);
        while (off + 16 <= end) {
            long len = control.getLong(off);
            if (len < 16 || off + len > end) {
                break;
            }
            int level = control.getInt(off + 8);
            int type = control.getInt(off + 12);
            if (level == LibC.SOL_SOCKET && type == LibC.SO_TIMESTAMPNS && len >= 32) {
                return control.getLong(off + 16) * 1_000_000_000L + control.getLong(off + 24);
            }
            off += (len + 7) & ~7L; // CMSG_ALIGN
        }
        return -1;
    }
}
