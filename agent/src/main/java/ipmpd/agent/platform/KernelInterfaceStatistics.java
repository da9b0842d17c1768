package ipmpd.agent.platform;

import ipmpd.linux.EthtoolLink;
import ipmpd.linux.LinkStatistics;
import ipmpd.linux.Rtnetlink;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel's counters and link attributes of every interface of the daemon's namespace: one
 * rtnetlink link dump (IFLA_STATS64) and one ethtool query per interface for its speed. Sockets of
 * its own, opened at first use, so that readers (SNMP workers) never wait behind the engine's
 * address and route changes, nor the engine behind them. Thread-safe: one read at a time.
 */
final class KernelInterfaceStatistics implements AutoCloseable {
    private Rtnetlink rtnl;
    private EthtoolLink ethtool;
    private boolean closed;

    synchronized Map<Integer, InterfaceStatistics> read() throws IOException {
        if (closed) {
            return Map.of();
        }
        if (rtnl == null) {
            rtnl = Rtnetlink.open();
        }
        if (ethtool == null) {
            ethtool = EthtoolLink.open();
        }
        Map<Integer, InterfaceStatistics> out = new HashMap<>();
        for (LinkStatistics l : rtnl.dumpLinkStatistics()) {
            out.put(l.index(), of(l, ethtool.speedMbps(l.name())));
        }
        return out;
    }

    /** An Ethernet link has a connector as IF-MIB means it (virtual ones too, as net-snmp's snmpd shows them). */
    static InterfaceStatistics of(LinkStatistics l, long speedMbps) {
        return new InterfaceStatistics(l.mtu(), l.address() == null ? new byte[0] : l.address().bytes(), speedMbps,
                l.alias(), l.isPromiscuous(), l.isEthernet(), l.rxBytes(), l.rxPackets(), l.rxMulticast(),
                l.rxDropped(), l.rxErrors(), l.rxNoHandler(), l.txBytes(), l.txPackets(), l.txDropped(), l.txErrors(),
                l.name(), (l.flags() & ipmpd.linux.Rtnl.IFF_LOOPBACK) != 0, (l.flags() & ipmpd.linux.Rtnl.IFF_UP) != 0,
                (l.flags() & ipmpd.linux.Rtnl.IFF_RUNNING) != 0);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (rtnl != null) {
            rtnl.close();
        }
        if (ethtool != null) {
            ethtool.close();
        }
    }
}
