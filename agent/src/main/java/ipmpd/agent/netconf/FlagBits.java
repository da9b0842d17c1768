package ipmpd.agent.netconf;

import ipmpd.engine.Flags;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code flags} leaf of a member or an IPMP interface: the Linux link flags and ipmpd's IPMP state as the module's
 * lower-case bit names. The Solaris flag word (with its names) stays in ipmpstat, ifconfig and the
 * MIB; here only the bits that mean something on Linux are named, in bit order.
 */
final class FlagBits {
    /** Solaris flag and its bit name in the module (typedef interface-flags), in bit order. */
    private static final long[] FLAGS = {Flags.UP, Flags.BROADCAST, Flags.LOOPBACK, Flags.POINTOPOINT,
            Flags.RUNNING, Flags.NOARP, Flags.PROMISC, Flags.ALLMULTI, Flags.MULTICAST, Flags.DEPRECATED,
            Flags.IPV4, Flags.IPV6, Flags.NOFAILOVER, Flags.FAILED, Flags.STANDBY, Flags.INACTIVE, Flags.OFFLINE, Flags.IPMP};
    private static final String[] NAMES = {"up", "broadcast", "loopback", "point-to-point", "running", "no-arp",
            "promiscuous", "all-multicast", "multicast", "deprecated", "ipv4", "ipv6", "no-failover", "failed",
            "standby", "inactive", "offline", "ipmp"};

    private FlagBits() {
    }

    /** The bit names of the set flags the module knows, space separated (the bits type's lexical form). */
    static String of(long flags) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < FLAGS.length; k++) {
            if ((flags & FLAGS[k]) != 0) {
                out.add(NAMES[k]);
            }
        }
        return String.join(" ", out);
    }
}
