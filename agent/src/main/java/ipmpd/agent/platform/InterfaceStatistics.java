package ipmpd.agent.platform;

/**
 * What IF-MIB shows of an interface beyond what the engine models: the link's MTU, hardware
 * address, speed and alias, and the kernel's traffic counters (64-bit, continuous while the
 * interface exists).
 *
 * @param mtu             bytes, 0 if unknown
 * @param physAddress     the hardware address, empty if the link has none
 * @param speedMbps       Mb/s as the driver reports it, -1 if unknown
 * @param alias           the administrator's description (ip link set IF alias TEXT), "" if none
 * @param promiscuous     whether the interface receives every frame
 * @param connector       whether it has a connector (IF-MIB's ifConnectorPresent: Ethernet links)
 * @param inOctets        octets received
 * @param inPackets       packets received, of every kind
 * @param inMulticast     multicast (and, for most drivers, broadcast) packets received
 * @param inDiscards      packets received and dropped without an error
 * @param inErrors        packets received with errors
 * @param inUnknownProtos packets received for no protocol the host runs
 * @param outOctets       octets sent
 * @param outPackets      packets sent
 * @param outDiscards     packets dropped on transmit without an error
 * @param outErrors       transmit errors
 * @param name            the interface's name ("" when the platform does not say)
 * @param loopback        a loopback interface
 * @param up              administratively up (IFF_UP)
 * @param running         operationally up (IFF_RUNNING)
 */
public record InterfaceStatistics(int mtu, byte[] physAddress, long speedMbps, String alias, boolean promiscuous,
                                  boolean connector, long inOctets, long inPackets, long inMulticast,
                                  long inDiscards, long inErrors, long inUnknownProtos, long outOctets,
                                  long outPackets, long outDiscards, long outErrors, String name,
                                  boolean loopback, boolean up, boolean running) {
    /** An interface the platform knows nothing about: zero counters, unknown speed. */
    public static final InterfaceStatistics NONE = new InterfaceStatistics(0, new byte[0], -1, "", false, false,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Counters and attributes without the interface's name and state. */
    public InterfaceStatistics(int mtu, byte[] physAddress, long speedMbps, String alias, boolean promiscuous,
                               boolean connector, long inOctets, long inPackets, long inMulticast, long inDiscards,
                               long inErrors, long inUnknownProtos, long outOctets, long outPackets, long outDiscards,
                               long outErrors) {
        this(mtu, physAddress, speedMbps, alias, promiscuous, connector, inOctets, inPackets, inMulticast, inDiscards,
                inErrors, inUnknownProtos, outOctets, outPackets, outDiscards, outErrors, "", false, false, false);
    }
}
