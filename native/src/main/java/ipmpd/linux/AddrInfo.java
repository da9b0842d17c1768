package ipmpd.linux;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One interface address (RTM_NEWADDR / RTM_DELADDR), also used as the request to add or delete one.
 *
 * @param index     interface index
 * @param family    {@link LibC#AF_INET} or {@link LibC#AF_INET6}
 * @param address   the local address (IFA_LOCAL, else IFA_ADDRESS)
 * @param prefixLen prefix length
 * @param label     IPv4 label such as "veth1:2" (IFA_LABEL), null for IPv6 or when absent
 * @param flags     IFA_F_* bits, full 32-bit value of IFA_FLAGS when present
 * @param scope     RT_SCOPE_* (the kernel derives it for IPv6)
 * @param proto     IFA_PROTO: who added the address (0 unknown; Linux 6.1 and later keep it), which
 *                  is how ipmpd recognises the addresses it placed
 */
public record AddrInfo(int index, int family, InetAddress address, int prefixLen, String label, int flags,
        int scope, int proto) {

    /** A global-scope address to add or delete, no label, no flags. */
    public static AddrInfo of(int index, InetAddress address, int prefixLen) {
        int family = address instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
        return new AddrInfo(index, family, address, prefixLen, null, 0, Rtnl.RT_SCOPE_UNIVERSE, 0);
    }

    public AddrInfo withLabel(String newLabel) {
        return new AddrInfo(index, family, address, prefixLen, newLabel, flags, scope, proto);
    }

    public AddrInfo withFlags(int newFlags) {
        return new AddrInfo(index, family, address, prefixLen, label, newFlags, scope, proto);
    }

    public AddrInfo withScope(int newScope) {
        return new AddrInfo(index, family, address, prefixLen, label, flags, newScope, proto);
    }

    public AddrInfo withProto(int newProto) {
        return new AddrInfo(index, family, address, prefixLen, label, flags, scope, newProto);
    }

    public boolean isTentative() {
        return (flags & Rtnl.IFA_F_TENTATIVE) != 0;
    }

    public boolean isDeprecated() {
        return (flags & Rtnl.IFA_F_DEPRECATED) != 0;
    }

    public boolean isSecondary() {
        return (flags & Rtnl.IFA_F_SECONDARY) != 0;
    }

    public boolean isLinkLocal() {
        return address.isLinkLocalAddress();
    }
}
