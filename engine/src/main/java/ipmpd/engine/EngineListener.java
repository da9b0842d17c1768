package ipmpd.engine;

import java.net.InetAddress;

/**
 * What the engine reports: its log messages (with in.mpathd's texts) and the structured events
 * that the SNMP traps and NETCONF notifications carry. Called on the engine's thread.
 */
public interface EngineListener {
    enum Detection { LINK, PROBE, ADMIN }

    enum MoveReason { FAILOVER, FAILBACK, ADMIN }

    default void log(String message) {
    }

    default void linkChanged(String ifname, boolean up) {
    }

    default void interfaceFailed(String ifname, String group, Detection how) {
    }

    default void interfaceRepaired(String ifname, String group, Detection how) {
    }

    default void groupStateChanged(String group, GroupState before, GroupState after) {
    }

    default void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
    }

    default void fdtChanged(String group, long beforeMs, long afterMs) {
    }

    /** A probe was answered or declared lost (the stream behind ipmpstat -p). */
    default void probeResolved(ProbeEvent event) {
    }

    /** Fans events out to several listeners. */
    static EngineListener all(EngineListener... listeners) {
        return new EngineListener() {
            @Override
            public void log(String message) {
                for (EngineListener l : listeners) {
                    l.log(message);
                }
            }

            @Override
            public void linkChanged(String ifname, boolean up) {
                for (EngineListener l : listeners) {
                    l.linkChanged(ifname, up);
                }
            }

            @Override
            public void interfaceFailed(String ifname, String group, Detection how) {
                for (EngineListener l : listeners) {
                    l.interfaceFailed(ifname, group, how);
                }
            }

            @Override
            public void interfaceRepaired(String ifname, String group, Detection how) {
                for (EngineListener l : listeners) {
                    l.interfaceRepaired(ifname, group, how);
                }
            }

            @Override
            public void groupStateChanged(String group, GroupState before, GroupState after) {
                for (EngineListener l : listeners) {
                    l.groupStateChanged(group, before, after);
                }
            }

            @Override
            public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
                for (EngineListener l : listeners) {
                    l.addressMoved(address, group, from, to, reason);
                }
            }

            @Override
            public void fdtChanged(String group, long beforeMs, long afterMs) {
                for (EngineListener l : listeners) {
                    l.fdtChanged(group, beforeMs, afterMs);
                }
            }

            @Override
            public void probeResolved(ProbeEvent event) {
                for (EngineListener l : listeners) {
                    l.probeResolved(event);
                }
            }
        };
    }
}
