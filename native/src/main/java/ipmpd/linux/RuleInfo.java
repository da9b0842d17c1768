package ipmpd.linux;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One policy-routing (FIB) rule, e.g. "from 192.0.2.10/32 lookup 100 priority 1000", used to steer
 * traffic sourced from a data address to the table of the member that hosts it.
 *
 * @param family   {@link LibC#AF_INET} or {@link LibC#AF_INET6}
 * @param src      FRA_SRC, null for "from all"
 * @param srcLen   source prefix length
 * @param table    table looked up
 * @param priority FRA_PRIORITY (lower runs first), 0 if absent
 * @param action   FR_ACT_* (1 = to table)
 * @param ipProto  FRA_IP_PROTO ("ipproto tcp"), 0 for any protocol
 */
public record RuleInfo(int family, InetAddress src, int srcLen, int table, int priority, int action, int ipProto) {

    public RuleInfo(int family, InetAddress src, int srcLen, int table, int priority, int action) {
        this(family, src, srcLen, table, priority, action, 0);
    }

    /** "from SRC/LEN lookup TABLE priority PRIORITY". */
    public static RuleInfo fromSource(InetAddress src, int srcLen, int table, int priority) {
        int family = src instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
        return new RuleInfo(family, src, srcLen, table, priority, Rtnl.FR_ACT_TO_TBL);
    }

    /** "from SRC/LEN ipproto PROTO lookup TABLE priority PRIORITY". */
    public RuleInfo withIpProto(int proto) {
        return new RuleInfo(family, src, srcLen, table, priority, action, proto);
    }
}
