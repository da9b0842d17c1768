package ipmpd.engine;

import java.net.InetAddress;

/**
 * One address of an interface (Solaris logical interface hme0:N). Data addresses remember the
 * member they belong to, so that failback can return them there.
 */
final class LogicalIf {
    int unit;
    InetAddress address;
    int prefixLen;
    /** Per-address flags: UP, DEPRECATED, NOFAILOVER, ADDRCONF... (the phyint adds the rest). */
    long flags;
    /** The member this address belongs to (where the administrator configured it). */
    String homeIf;
    int homeUnit;
    /**
     * The 0.0.0.0 address left behind on unit 0 when its address failed over, so that the
     * physical interface still exists (shown with mtu 0 and netmask 0).
     */
    boolean placeholder;
    /** Creation order, for stable listings. */
    final long serial;

    LogicalIf(int unit, InetAddress address, int prefixLen, long flags, String homeIf, long serial) {
        this.unit = unit;
        this.address = address;
        this.prefixLen = prefixLen;
        this.flags = flags;
        this.homeIf = homeIf;
        this.homeUnit = unit;
        this.serial = serial;
    }

    boolean isUp() {
        return (flags & Flags.UP) != 0;
    }

    boolean isNoFailover() {
        return (flags & Flags.NOFAILOVER) != 0;
    }

    boolean hasAddress() {
        return !Addresses.isUnspecified(address);
    }

    /**
     * A data address fails over: it is not a test address, not the unspecified address, and not
     * an IPv6 link-local address (those belong to the link).
     */
    boolean isData() {
        return !isNoFailover() && hasAddress() && !placeholder && !Addresses.isLinkLocal(address);
    }
}
