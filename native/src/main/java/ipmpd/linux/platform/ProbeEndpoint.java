package ipmpd.linux.platform;

import ipmpd.engine.Family;
import ipmpd.linux.IcmpProbeSocket;

import java.net.InetAddress;

/**
 * One probe socket of {@link LinuxPlatform}: the member, the family, the test address the engine
 * asked for and the address actually bound (IPv6: the kernel's link-local address). The platform
 * sends on it from the engine thread; {@link LinuxEvents} polls and reads it on its own thread, and
 * is the only one to close it once it is attached (so a descriptor is never closed while polled).
 */
final class ProbeEndpoint {
    final String ifname;
    final Family family;
    final InetAddress engineSource;
    final IcmpProbeSocket socket;
    /** Last send error text, so a failing member is reported once, not at every probe. */
    String lastError;

    ProbeEndpoint(String ifname, Family family, InetAddress engineSource, IcmpProbeSocket socket) {
        this.ifname = ifname;
        this.family = family;
        this.engineSource = engineSource;
        this.socket = socket;
    }

    int fd() {
        return socket.fd();
    }

    @Override
    public String toString() {
        return ifname + "/" + family.keyword + " from " + socket.source().getHostAddress() + " id "
                + socket.identifier();
    }
}
