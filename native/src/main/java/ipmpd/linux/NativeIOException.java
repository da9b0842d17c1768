package ipmpd.linux;

import java.io.IOException;

/**
 * A failed libc or kernel call. Keeps the errno so callers can react to specific conditions
 * (EAGAIN, ENOBUFS, EEXIST, ...) without parsing messages; the message carries strerror text.
 */
public class NativeIOException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public NativeIOException(String operation, int errno) {
        this(operation, errno, null);
    }

    /** @param detail extra text from the kernel (netlink extended ack), or null */
    public NativeIOException(String operation, int errno, String detail) {
        super(operation + ": " + LibC.strerror(errno) + " (errno " + errno + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
