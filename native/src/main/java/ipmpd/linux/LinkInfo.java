package ipmpd.linux;

/**
 * One interface as rtnetlink reports it (RTM_NEWLINK).
 *
 * @param index          interface index
 * @param name           IFLA_IFNAME
 * @param type           ARPHRD_* (1 = Ethernet, 772 = loopback)
 * @param flags          IFF_* bits ({@link Rtnl#IFF_UP}, {@link Rtnl#IFF_RUNNING}, {@link Rtnl#IFF_LOWER_UP}...)
 * @param operState      IFLA_OPERSTATE
 * @param carrier        IFLA_CARRIER, or IFF_LOWER_UP when the kernel did not send it
 * @param carrierChanges IFLA_CARRIER_CHANGES (reveals flaps that happened between two events), -1 if absent
 * @param mtu            IFLA_MTU, 0 if absent
 * @param address        IFLA_ADDRESS, null if the link has none
 * @param kind           IFLA_INFO_KIND ("veth", "bridge", ...), null for plain hardware
 * @param master         IFLA_MASTER (bridge or bond index), 0 if none
 * @param lower          the device this one is stacked on (IFLA_LINK of a VLAN, macvlan, ipvlan or
 *                       macvtap: its physical link), 0 if none
 * @param vlanId         the 802.1Q VLAN ID of a link of kind "vlan" (IFLA_INFO_DATA / IFLA_VLAN_ID),
 *                       {@link #NO_VLAN} for any other link
 * @param alias          IFLA_IFALIAS ({@code ip link set IF alias TEXT}), "" if none
 */
public record LinkInfo(int index, String name, int type, int flags, OperState operState, boolean carrier,
        int carrierChanges, int mtu, HwAddress address, String kind, int master, int lower, int vlanId,
        String alias) {

    public LinkInfo {
        alias = alias == null ? "" : alias;
    }

    public LinkInfo(int index, String name, int type, int flags, OperState operState, boolean carrier,
            int carrierChanges, int mtu, HwAddress address, String kind, int master, int lower, int vlanId) {
        this(index, name, type, flags, operState, carrier, carrierChanges, mtu, address, kind, master, lower, vlanId, "");
    }

    /** {@link #vlanId} of a link that is not a VLAN (0 is a valid ID for Linux: priority tagging). */
    public static final int NO_VLAN = -1;

    /** Kinds whose IFLA_LINK is the device they are stacked on (a veth's is its peer: not counted). */
    public static final java.util.Set<String> STACKED_KINDS = java.util.Set.of("vlan", "macvlan", "macvtap", "ipvlan");

    public LinkInfo(int index, String name, int type, int flags, OperState operState, boolean carrier,
            int carrierChanges, int mtu, HwAddress address, String kind, int master) {
        this(index, name, type, flags, operState, carrier, carrierChanges, mtu, address, kind, master, 0, NO_VLAN);
    }

    public LinkInfo(int index, String name, int type, int flags, OperState operState, boolean carrier,
            int carrierChanges, int mtu, HwAddress address, String kind, int master, int lower) {
        this(index, name, type, flags, operState, carrier, carrierChanges, mtu, address, kind, master, lower, NO_VLAN);
    }

    /** A VLAN link (kind "vlan") whose ID the kernel reported. */
    public boolean isVlan() {
        return vlanId != NO_VLAN;
    }

    /** The physical link under this one: its lower device when stacked, else itself. */
    public int physicalIndex() {
        return lower != 0 ? lower : index;
    }

    public boolean isUp() {
        return (flags & Rtnl.IFF_UP) != 0;
    }

    public boolean isRunning() {
        return (flags & Rtnl.IFF_RUNNING) != 0;
    }

    public boolean isLowerUp() {
        return (flags & Rtnl.IFF_LOWER_UP) != 0;
    }

    public boolean isLoopback() {
        return (flags & Rtnl.IFF_LOOPBACK) != 0;
    }

    public boolean isMulticast() {
        return (flags & Rtnl.IFF_MULTICAST) != 0;
    }

    public boolean isPointToPoint() {
        return (flags & Rtnl.IFF_POINTOPOINT) != 0;
    }
}
