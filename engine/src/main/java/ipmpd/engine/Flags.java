package ipmpd.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The 64-bit Solaris interface flag set. OFFLINE is bit 31 and several flags lie above it,
 * which is why every flag word in ipmpd is a long.
 */
public final class Flags {
    public static final long UP = 0x1L;
    public static final long BROADCAST = 0x2L;
    public static final long DEBUG = 0x4L;
    public static final long LOOPBACK = 0x8L;
    public static final long POINTOPOINT = 0x10L;
    public static final long NOTRAILERS = 0x20L;
    public static final long RUNNING = 0x40L;
    public static final long NOARP = 0x80L;
    public static final long PROMISC = 0x100L;
    public static final long ALLMULTI = 0x200L;
    public static final long INTELLIGENT = 0x400L;
    public static final long MULTICAST = 0x800L;
    public static final long MULTI_BCAST = 0x1000L;
    public static final long UNNUMBERED = 0x2000L;
    public static final long DHCPRUNNING = 0x4000L;
    public static final long PRIVATE = 0x8000L;
    public static final long NOXMIT = 0x10000L;
    public static final long NOLOCAL = 0x20000L;
    public static final long DEPRECATED = 0x40000L;
    public static final long ADDRCONF = 0x80000L;
    public static final long ROUTER = 0x100000L;
    public static final long NONUD = 0x200000L;
    public static final long ANYCAST = 0x400000L;
    public static final long NORTEXCH = 0x800000L;
    public static final long IPV4 = 0x1000000L;
    public static final long IPV6 = 0x2000000L;
    public static final long NOACCEPT = 0x4000000L;
    public static final long NOFAILOVER = 0x8000000L;
    public static final long FAILED = 0x10000000L;
    public static final long STANDBY = 0x20000000L;
    public static final long INACTIVE = 0x40000000L;
    public static final long OFFLINE = 0x80000000L;
    public static final long XRESOLV = 0x100000000L;
    public static final long COS = 0x200000000L;
    public static final long PREFERRED = 0x400000000L;
    public static final long TEMPORARY = 0x800000000L;
    public static final long FIXEDMTU = 0x1000000000L;
    public static final long VIRTUAL = 0x2000000000L;
    public static final long DUPLICATE = 0x4000000000L;
    public static final long IPMP = 0x8000000000L;

    /** Names in bit order, as ifconfig prints them; index = bit number. */
    public static final List<String> NAMES = List.of(
            "UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTOPOINT", "NOTRAILERS", "RUNNING", "NOARP",
            "PROMISC", "ALLMULTI", "INTELLIGENT", "MULTICAST", "MULTI_BCAST", "UNNUMBERED", "DHCPRUNNING",
            "PRIVATE", "NOXMIT", "NOLOCAL", "DEPRECATED", "ADDRCONF", "ROUTER", "NONUD", "ANYCAST",
            "NORTEXCH", "IPv4", "IPv6", "NOACCEPT", "NOFAILOVER", "FAILED", "STANDBY", "INACTIVE",
            "OFFLINE", "XRESOLV", "CoS", "PREFERRED", "TEMPORARY", "FIXEDMTU", "VIRTUAL", "DUPLICATE",
            "IPMP");

    /** Flags that belong to the physical interface and show on each of its logical interfaces. */
    public static final long PHYINT_FLAGS = BROADCAST | RUNNING | MULTICAST | IPV4 | IPV6 | FAILED | STANDBY
            | INACTIVE | OFFLINE | POINTOPOINT | LOOPBACK | VIRTUAL;

    private Flags() {
    }

    /** The names of the set flags, in bit order. */
    public static List<String> names(long flags) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < NAMES.size(); bit++) {
            if ((flags & (1L << bit)) != 0) {
                out.add(NAMES.get(bit));
            }
        }
        return out;
    }

    /** ifconfig's rendering: {@code 9040843<UP,BROADCAST,...>}. */
    public static String format(long flags) {
        return Long.toHexString(flags) + "<" + String.join(",", names(flags)) + ">";
    }

    /** The flag with this name (case-insensitive), or 0 when there is none. */
    public static long byName(String name) {
        for (int bit = 0; bit < NAMES.size(); bit++) {
            if (NAMES.get(bit).toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return 1L << bit;
            }
        }
        return 0;
    }
}
