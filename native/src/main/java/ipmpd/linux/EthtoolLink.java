package ipmpd.linux;

import com.sun.jna.Memory;

import java.nio.charset.StandardCharsets;

/**
 * ETHTOOL_GLINK through one socket: whether an interface's link is up as its driver reports it.
 * Drivers that use the kernel's generic link report (veth, virtio, many more) first run linkwatch
 * for the device, so a pending carrier change is reported as an RTM_NEWLINK event at once, as
 * with a read of the sysfs carrier file, but without that file's sysfs lookups: the link poll of
 * many members asks this first and reads the carrier file only where the answer differs from
 * what the events said (or where the driver cannot answer). Also ETHTOOL_GSET, for the link
 * speed IF-MIB shows. Not thread-safe.
 */
public final class EthtoolLink implements AutoCloseable {
    private static final long SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GLINK = 0x0000000a;
    private static final int ETHTOOL_GSET = 0x00000001;
    /** sizeof(struct ethtool_cmd); speed (u16) at 12, speed_hi (u16) at 28. */
    private static final int ETHTOOL_CMD_SIZE = 44;
    /** SPEED_UNKNOWN (-1) as the kernel splits it over speed and speed_hi. */
    private static final long SPEED_UNKNOWN = 0xffffffffL;
    private static final int IFNAMSIZ = 16;
    /** Down, or the interface is not running. */
    public static final int DOWN = 0;
    public static final int UP = 1;
    /** The driver has no link report (EOPNOTSUPP), or the interface is gone or was renamed. */
    public static final int UNKNOWN = -1;

    private final NativeFd fd;
    /** struct ethtool_value { __u32 cmd; __u32 data; } */
    private final Memory value = new Memory(8);
    /** struct ethtool_cmd, for ETHTOOL_GSET. */
    private final Memory settings = new Memory(ETHTOOL_CMD_SIZE);
    /** struct ifreq: the name, then ifr_data (a pointer to value) at offset 16. */
    private final Memory ifreq = new Memory(40);
    private int lastErrno;

    private EthtoolLink(NativeFd fd) {
        this.fd = fd;
        ifreq.clear();
        ifreq.setPointer(IFNAMSIZ, value);
    }

    /** A socket of the caller's network namespace (the names asked for are that namespace's). */
    public static EthtoolLink open() throws NativeIOException {
        return new EthtoolLink(NativeFd.socket(LibC.AF_INET, LibC.SOCK_DGRAM, 0));
    }

    /** @return {@link #UP}, {@link #DOWN} or {@link #UNKNOWN} ({@link #lastErrno()} says why) */
    public int link(String ifname) {
        byte[] n = ifname.getBytes(StandardCharsets.US_ASCII);
        if (n.length >= IFNAMSIZ) {
            lastErrno = Errno.ENODEV;
            return UNKNOWN;
        }
        name(n);
        value.setInt(0, ETHTOOL_GLINK);
        value.setInt(4, 0);
        int r = LibC.ioctl(fd.get(), SIOCETHTOOL, ifreq);
        if (r < 0) {
            lastErrno = -r;
            return UNKNOWN;
        }
        lastErrno = 0;
        return value.getInt(4) != 0 ? UP : DOWN;
    }

    /**
     * The link speed in Mb/s as the driver reports it (ETHTOOL_GSET, which the kernel answers from
     * the driver's link settings): -1 when unknown (no link, no report, or the interface is gone).
     */
    public long speedMbps(String ifname) {
        byte[] n = ifname.getBytes(StandardCharsets.US_ASCII);
        if (n.length >= IFNAMSIZ) {
            lastErrno = Errno.ENODEV;
            return -1;
        }
        name(n);
        settings.clear();
        settings.setInt(0, ETHTOOL_GSET);
        ifreq.setPointer(IFNAMSIZ, settings);
        int r;
        try {
            r = LibC.ioctl(fd.get(), SIOCETHTOOL, ifreq);
        } finally {
            ifreq.setPointer(IFNAMSIZ, value);
        }
        if (r < 0) {
            lastErrno = -r;
            return -1;
        }
        lastErrno = 0;
        long speed = (settings.getShort(12) & 0xffffL) | ((settings.getShort(28) & 0xffffL) << 16);
        return speed == SPEED_UNKNOWN ? -1 : speed;
    }

    private void name(byte[] n) {
        ifreq.write(0, n, 0, n.length);
        ifreq.setMemory(n.length, IFNAMSIZ - n.length, (byte) 0);
    }

    /** The errno of the last {@link #link} that gave UNKNOWN or {@link #speedMbps} that gave -1; 0 after an answer. */
    public int lastErrno() {
        return lastErrno;
    }

    @Override
    public void close() {
        fd.close();
    }
}
