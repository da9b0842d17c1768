package ipmpd.linux;

/**
 * What IF-MIB's ifTable and ifXTable show of one interface beyond its state: rtnetlink's
 * IFLA_STATS64 counters (struct rtnl_link_stats64, 64-bit, never reset while the interface
 * exists) and the link's MTU, hardware address, alias, promiscuity and kind.
 *
 * @param index       interface index
 * @param name        IFLA_IFNAME
 * @param type        ARPHRD_* (1 = Ethernet, 772 = loopback)
 * @param mtu         IFLA_MTU, 0 if absent
 * @param address     IFLA_ADDRESS, null if the link has none
 * @param alias       IFLA_IFALIAS, "" if none
 * @param flags       IFF_* bits
 * @param kind        IFLA_INFO_KIND ("veth", "bridge", ...), null for plain hardware
 * @param rxPackets   packets received (unicast, multicast and broadcast)
 * @param rxBytes     octets received
 * @param rxMulticast multicast packets received (the kernel counts broadcast here for most drivers)
 * @param rxErrors    receive errors
 * @param rxDropped   packets dropped on receive without an error (no buffer, filtered)
 * @param rxNoHandler packets dropped because no protocol took them (IFLA_STATS64 field 24)
 * @param txPackets   packets sent
 * @param txBytes     octets sent
 * @param txErrors    transmit errors
 * @param txDropped   packets dropped on transmit
 */
public record LinkStatistics(int index, String name, int type, int mtu, HwAddress address, String alias, int flags,
                             String kind, long rxPackets, long rxBytes, long rxMulticast, long rxErrors,
                             long rxDropped, long rxNoHandler, long txPackets, long txBytes, long txErrors,
                             long txDropped) {

    /** ARPHRD_ETHER: Ethernet, physical or virtual (veth, bridge, ...). */
    public boolean isEthernet() {
        return type == 1;
    }

    public boolean isPromiscuous() {
        return (flags & Rtnl.IFF_PROMISC) != 0;
    }
}
