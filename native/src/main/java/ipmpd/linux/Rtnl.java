package ipmpd.linux;

/**
 * rtnetlink constants (linux/netlink.h, linux/rtnetlink.h, linux/if.h, linux/if_addr.h,
 * linux/fib_rules.h). Public ones are the values callers put into or read out of the records.
 */
public final class Rtnl {
    // Multicast groups (legacy bit masks for sockaddr_nl.nl_groups).
    public static final int RTMGRP_LINK = 0x1;
    public static final int RTMGRP_IPV4_IFADDR = 0x10;
    public static final int RTMGRP_IPV4_ROUTE = 0x40;
    public static final int RTMGRP_IPV6_IFADDR = 0x100;
    public static final int RTMGRP_IPV6_ROUTE = 0x400;

    // Interface flags (ifi_flags).
    public static final int IFF_UP = 0x1;
    public static final int IFF_BROADCAST = 0x2;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_POINTOPOINT = 0x10;
    public static final int IFF_NOARP = 0x80;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_PROMISC = 0x100;
    public static final int IFF_MASTER = 0x400;
    public static final int IFF_SLAVE = 0x800;
    public static final int IFF_MULTICAST = 0x1000;
    public static final int IFF_LOWER_UP = 0x10000;
    public static final int IFF_DORMANT = 0x20000;

    // Address flags (ifa_flags and IFA_FLAGS).
    public static final int IFA_F_SECONDARY = 0x01;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_OPTIMISTIC = 0x04;
    public static final int IFA_F_DADFAILED = 0x08;
    public static final int IFA_F_HOMEADDRESS = 0x10;
    public static final int IFA_F_DEPRECATED = 0x20;
    public static final int IFA_F_TENTATIVE = 0x40;
    public static final int IFA_F_PERMANENT = 0x80;
    public static final int IFA_F_MANAGETEMPADDR = 0x100;
    public static final int IFA_F_NOPREFIXROUTE = 0x200;
    public static final int IFA_F_MCAUTOJOIN = 0x400;
    public static final int IFA_F_STABLE_PRIVACY = 0x800;

    // Scopes (ifa_scope, rtm_scope).
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_SITE = 200;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;
    public static final int RT_SCOPE_NOWHERE = 255;

    // Routing tables.
    public static final int RT_TABLE_UNSPEC = 0;
    public static final int RT_TABLE_DEFAULT = 253;
    public static final int RT_TABLE_MAIN = 254;
    public static final int RT_TABLE_LOCAL = 255;

    // Route origin (rtm_protocol).
    public static final int RTPROT_UNSPEC = 0;
    public static final int RTPROT_KERNEL = 2;
    public static final int RTPROT_BOOT = 3;
    public static final int RTPROT_STATIC = 4;
    public static final int RTPROT_RA = 9;
    public static final int RTPROT_DHCP = 16;

    // Route types (rtm_type).
    public static final int RTN_UNSPEC = 0;
    public static final int RTN_UNICAST = 1;
    public static final int RTN_LOCAL = 2;
    public static final int RTN_BROADCAST = 3;
    public static final int RTN_ANYCAST = 4;
    public static final int RTN_MULTICAST = 5;
    public static final int RTN_BLACKHOLE = 6;
    public static final int RTN_UNREACHABLE = 7;
    public static final int RTN_PROHIBIT = 8;

    // FIB rule actions.
    public static final int FR_ACT_TO_TBL = 1;

    // ---- wire values used by the codecs ----
    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLMSG_OVERRUN = 4;

    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_REPLACE = 0x100;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    /** In an NLMSG_ERROR: the echoed request was cut to its header. */
    static final int NLM_F_CAPPED = 0x100;
    /** In an NLMSG_ERROR: extended-ack attributes follow. */
    static final int NLM_F_ACK_TLVS = 0x200;

    static final int NETLINK_ROUTE = 0;
    static final int NETLINK_EXT_ACK = 11;
    static final int NETLINK_GET_STRICT_CHK = 12;
    static final int NLMSGERR_ATTR_MSG = 1;

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_DELADDR = 21;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_DELROUTE = 25;
    static final int RTM_GETROUTE = 26;
    static final int RTM_NEWRULE = 32;
    static final int RTM_DELRULE = 33;
    static final int RTM_GETRULE = 34;

    // IFLA_*
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_LINK = 5;
    static final int IFLA_LINK_NETNSID = 37;
    static final int IFLA_MASTER = 10;
    static final int IFLA_IFALIAS = 20;
    static final int IFLA_STATS64 = 23;
    static final int IFLA_OPERSTATE = 16;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    /** Inside IFLA_INFO_DATA of kind "vlan": the 802.1Q VLAN ID (u16). */
    static final int IFLA_VLAN_ID = 1;
    static final int IFLA_CARRIER = 33;
    static final int IFLA_CARRIER_CHANGES = 35;

    // IFA_*
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_LABEL = 3;
    static final int IFA_BROADCAST = 4;
    static final int IFA_FLAGS = 8;
    static final int IFA_PROTO = 11;

    // RTA_*
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_PRIORITY = 6;
    static final int RTA_PREFSRC = 7;
    static final int RTA_TABLE = 15;
    static final int RTA_MULTIPATH = 9;
    static final int RTA_NH_ID = 30;
    /** rtm_flags / rtnh_flags: gateway on the link without a covering route. */
    public static final int RTNH_F_ONLINK = 4;

    // FRA_*
    static final int FRA_DST = 1;
    static final int FRA_SRC = 2;
    static final int FRA_PRIORITY = 6;
    static final int FRA_TABLE = 15;
    static final int FRA_IP_PROTO = 22;

    private Rtnl() {
    }
}
