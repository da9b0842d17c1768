package ipmpd.engine;

import java.net.Inet4Address;
import java.net.InetAddress;

/** The two address families an interface can be plumbed for. */
public enum Family {
    INET("inet", "IPv4", Flags.IPV4),
    INET6("inet6", "IPv6", Flags.IPV6);

    /** The word ifconfig and the log messages use ("inet", "inet6"). */
    public final String keyword;
    /** "IPv4" / "IPv6", as in the boot messages. */
    public final String label;
    public final long flag;

    Family(String keyword, String label, long flag) {
        this.keyword = keyword;
        this.label = label;
        this.flag = flag;
    }

    public static Family of(InetAddress address) {
        return address instanceof Inet4Address ? INET : INET6;
    }
}
