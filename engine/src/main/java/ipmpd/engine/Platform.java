package ipmpd.engine;

import java.net.InetAddress;

/**
 * What the engine asks of the system. The engine decides; an implementation acts (rtnetlink and
 * raw sockets on Linux, a simulated link in ipmpsim). Calls come from the engine's single thread.
 */
public interface Platform {
    /** Puts an address on a member as logical unit {@code p.unit()} (label "if:unit" for IPv4). */
    void addAddress(AddressPlacement p);

    /** Removes an address from a member. */
    void removeAddress(AddressPlacement p);

    /**
     * Moves a data address make-before-break: add on the new member, delete on the old one,
     * then announce it (gratuitous ARP / unsolicited neighbour advertisement).
     */
    default void moveAddress(AddressPlacement from, AddressPlacement to) {
        addAddress(to);
        removeAddress(from);
    }

    /** Sends one ICMP echo request from the test address through the member, TTL 1. */
    void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int sequence);

    /** Sends an echo request to the all-hosts group (224.0.0.1 / ff02::1) to discover targets. */
    void sendDiscovery(String ifname, Family family, InetAddress source);

    /**
     * ifconfig's {@code up} on a NIC (a hostname.IF line ending in {@code up}, {@code ipmpadm IF
     * up}): an interface configured UP must be up in the kernel. On Linux a link held
     * administratively down is set up; the platform logs what it did or why it could not.
     */
    default void interfaceUp(String ifname) {
    }

    /** A member joined a group: the place to tune it for failover (sysctls). */
    default void memberJoined(String ifname, String group) {
    }

    /** A member left its group. */
    default void memberLeft(String ifname) {
    }

    /**
     * Whether a member may carry data traffic changed (failed, repaired, offline, ...), so that
     * routes steering traffic away from an unusable member can follow.
     */
    default void usabilityChanged(String ifname, boolean usable) {
    }

    /**
     * The members that carry a group's outbound data traffic changed: its ACTIVE members (usable
     * and not INACTIVE; a standby only once it took over), in the group's order. Outbound traffic
     * from the group's data addresses is spread per flow over exactly these; an empty list means
     * none is usable. Call it whenever the set changes (failure, repair, offline, standby taking
     * over or giving back, joins and leaves). Until the engine calls it for a group, the Linux
     * platform derives the set itself: the usable members hosting a data address.
     */
    default void outboundMembersChanged(String group, java.util.List<String> members) {
    }

    /**
     * The members that carry a group's outbound traffic of one address family changed: those of
     * {@link #outboundMembersChanged} plumbed for the family (what ipmpstat -a shows as OUTBOUND
     * of the family's addresses), in the group's order. Told after {@link #outboundMembersChanged}
     * whenever a family's list changes; traffic of a family is spread over these only.
     */
    default void outboundMembersChanged(String group, Family family, java.util.List<String> members) {
    }

    /**
     * Whether outbound traffic of a classic group's data addresses is spread over its ACTIVE
     * members ({@link #outboundMembersChanged}), as Solaris does; false when it leaves through the
     * member holding the address only. What ipmpstat -a OUTBOUND and the faces show.
     */
    default boolean spreadsOutbound() {
        return true;
    }

    /**
     * New IPMP: the IPMP interface {@code name} of group {@code group} was plumbed. The platform
     * creates the device that carries the group's data addresses (they arrive through addAddress
     * with ifname = name) and binds each to one member through bindInbound.
     */
    default void ipmpInterfaceCreated(String name, String group) {
    }

    /** New IPMP: the IPMP interface was unplumbed; its addresses were removed before. */
    default void ipmpInterfaceRemoved(String name) {
    }

    /**
     * New IPMP: the member that answers ARP / neighbour solicitations for a data address of an
     * IPMP interface, or null when no member is usable. A change is make-before-break and
     * announced from the new member (gratuitous ARP / unsolicited neighbour advertisement).
     */
    default void bindInbound(String ipmpInterface, InetAddress address, String member) {
    }

    /**
     * The name service for host names in ifconfig syntax (commands and hostname.IF files): the
     * hosts file, then the system resolver. The simulator answers from its own table.
     */
    default HostResolver hostResolver() {
        return SystemHostResolver.standard();
    }

    /**
     * The netmasks database "netmask +" looks addresses up in (/etc/inet/netmasks on the host,
     * read at every lookup). The simulator answers from its own table.
     */
    default Netmasks netmasks() {
        return Netmasks.system();
    }

    /** One address on one member, as the kernel should hold it. */
    record AddressPlacement(String ifname, int unit, Family family, InetAddress address, int prefixLen,
                            boolean testAddress) {
        /** The logical interface name, "eth1" for unit 0, "eth1:2" otherwise. */
        public String logicalName() {
            return unit == 0 ? ifname : ifname + ":" + unit;
        }
    }
}
