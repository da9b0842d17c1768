package ipmpd.linux;

/**
 * Interface lookups in the network namespace of the calling thread (they go through a socket or
 * ioctl created on that thread, never through /sys, whose view is fixed when sysfs is mounted).
 */
public final class Interfaces {
    private Interfaces() {
    }

    public static int index(String name) throws NativeIOException {
        return LibC.if_nametoindex(name);
    }

    public static String name(int index) throws NativeIOException {
        return LibC.if_indextoname(index);
    }

    /** The interface's hardware address via SIOCGIFHWADDR. */
    public static HwAddress hardwareAddress(String name) throws NativeIOException {
        // struct ifreq: char ifr_name[16]; struct sockaddr ifr_hwaddr { u16 family; u8 data[14]; } ... = 40 bytes
        byte[] ifreq = new byte[40];
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (n.length >= 16) {
            throw new NativeIOException("SIOCGIFHWADDR(" + name + ")", Errno.ENODEV);
        }
        System.arraycopy(n, 0, ifreq, 0, n.length);
        try (NativeFd fd = NativeFd.socket(LibC.AF_INET, LibC.SOCK_DGRAM, 0)) {
            LibC.ioctl(fd.get(), LibC.SIOCGIFHWADDR, ifreq);
        }
        byte[] mac = new byte[6];
        System.arraycopy(ifreq, 18, mac, 0, 6);
        return HwAddress.of(mac);
    }
}
