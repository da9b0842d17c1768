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
    /**
     * The IPv4 broadcast address kept from an earlier netmask: a netmask set on its own does not
     * recompute it (ip_sioctl_netmask); setting the address, or "broadcast +", does
     * (ipif_set_default). Null: derived from the address and the netmask.
     */
    InetAddress broadcast;
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

    /** The netmask is about to change on its own: the broadcast address stays what it was. */
    void keepBroadcast() {
        if (broadcast == null && Family.of(address) == Family.INET && prefixLen > 0) {
            broadcast = Addresses.broadcast(address, prefixLen);
        }
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
