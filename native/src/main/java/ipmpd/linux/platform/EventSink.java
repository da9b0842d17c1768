package ipmpd.linux.platform;

import ipmpd.engine.Engine;
import ipmpd.engine.Family;
import ipmpd.engine.Route;

import java.net.InetAddress;
import java.util.List;

/**
 * The system events {@link LinuxEvents} feeds the engine. Every method is called on the engine's
 * thread (through the {@code engineThread} executor given to {@link LinuxEvents}); {@link #of}
 * adapts an {@link Engine}, tests may record instead.
 */
public interface EventSink {
    void nicAdded(String name, int ifindex, boolean running);

    /** A NIC with its hardware address (the engine derives the IPv6 link-local from it). */
    default void nicAdded(String name, int ifindex, boolean running, byte[] mac) {
        nicAdded(name, ifindex, running);
    }

    void nicRemoved(String name);

    /** The device of an IPMP interface exists with this kernel index (never reported as a NIC). */
    default void ipmpDeviceIndex(String name, int ifindex) {
    }

    void linkChanged(String name, boolean running);

    /** The link was set administratively up or down (IFF_UP changed). */
    default void adminStateChanged(String name, boolean up) {
    }

    /** @param rxNs receive time on the engine clock ({@link System#nanoTime()}) */
    void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs);

    /** @param wireRttNs the round trip from the probe's departure (payload send time to receive stamp), or -1 */
    default void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs, long wireRttNs) {
        probeReply(ifname, family, from, seq, rxNs);
    }

    void discoveryReply(String ifname, Family family, InetAddress from);

    void routesChanged(List<Route> routes);

    /** Forwards to the engine's methods of the same names. */
    static EventSink of(Engine engine) {
        return new EventSink() {
            @Override
            public void nicAdded(String name, int ifindex, boolean running) {
                engine.nicAdded(name, ifindex, running);
            }

            @Override
            public void nicAdded(String name, int ifindex, boolean running, byte[] mac) {
                engine.nicAdded(name, ifindex, running, mac);
            }

            @Override
            public void nicRemoved(String name) {
                engine.nicRemoved(name);
            }

            @Override
            public void ipmpDeviceIndex(String name, int ifindex) {
                engine.ipmpDeviceIndex(name, ifindex);
            }

            @Override
            public void linkChanged(String name, boolean running) {
                engine.linkChanged(name, running);
            }

            @Override
            public void adminStateChanged(String name, boolean up) {
                engine.adminStateChanged(name, up);
            }

            @Override
            public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs) {
                engine.probeReply(ifname, family, from, seq, rxNs);
            }

            @Override
            public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs, long wireRttNs) {
                engine.probeReply(ifname, family, from, seq, rxNs, wireRttNs);
            }

            @Override
            public void discoveryReply(String ifname, Family family, InetAddress from) {
                engine.discoveryReply(ifname, family, from);
            }

            @Override
            public void routesChanged(List<Route> routes) {
                engine.routesChanged(routes);
            }
        };
    }
}
