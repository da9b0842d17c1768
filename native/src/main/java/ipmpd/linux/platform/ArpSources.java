package ipmpd.linux.platform;

import ipmpd.linux.AddrInfo;
import ipmpd.linux.Errno;
import ipmpd.linux.HwAddress;
import ipmpd.linux.Interfaces;
import ipmpd.linux.LibC;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * New IPMP: an IPv4 address of its own for every member of a group with an IPMP interface, so that
 * its ARP requests never carry a data address. A member without a test address has no IPv4 address,
 * and the kernel (arp_announce=2) then takes the sender address of its requests from another
 * interface: often a data address of the IPMP interface, bound to another member; a Linux neighbour
 * updates the sender's entry from a request, so the data address's entry would move to this member,
 * against its binding (and stay there when this member fails: nothing announces the address).
 *
 * <p>Each such member gets 169.254.X.Y/32 (IPv4 link-local, RFC 3927; X.Y from its MAC, X in
 * 1..254), scope link, {@code noprefixroute}, IFA_PROTO {@link LinuxPlatform#ADDRESS_PROTO}:
 * arp_announce=2 still prefers an address of the target's subnet (a test address where there is
 * one), and a link-scope address is never the source of routed traffic. Removed when the group
 * loses its IPMP interface or the member leaves. Engine thread only.
 */
final class ArpSources {
    private final Rtnetlink rt;
    private final Consumer<String> log;
    /** The address added, by member. */
    private final Map<String, AddrInfo> held = new HashMap<>();

    ArpSources(Rtnetlink rt, Consumer<String> log) {
        this.rt = rt;
        this.log = log;
    }

    /** 169.254.X.Y for a MAC: X = 1 + (mac[4] mod 254), Y = mac[5] (169.254.0/24 and .255/24 are reserved). */
    static InetAddress addressFor(byte[] mac) {
        int x = 1 + (mac[mac.length - 2] & 0xff) % 254;
        int y = mac[mac.length - 1] & 0xff;
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 169, (byte) 254, (byte) x, (byte) y});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Gives member {@code ifname} its ARP source address (again, if the kernel lost it). */
    void ensure(String ifname) {
        try {
            int index = Interfaces.index(ifname);
            HwAddress mac = Interfaces.hardwareAddress(ifname);
            if (mac == null || mac.bytes().length < 2) {
                return; // no hardware address, no ARP
            }
            AddrInfo want = new AddrInfo(index, LibC.AF_INET, addressFor(mac.bytes()), 32, ifname.length() <= 15 ? ifname : null,
                    Rtnl.IFA_F_NOPREFIXROUTE, Rtnl.RT_SCOPE_LINK, LinuxPlatform.ADDRESS_PROTO);
            AddrInfo had = held.get(ifname);
            if (had != null && !(had.index() == want.index() && had.address().equals(want.address()))) {
                remove(ifname);
            }
            try {
                rt.addAddress(want);
                if (had == null) {
                    log.accept("Added " + want.address().getHostAddress() + "/32 to " + ifname
                            + ": the source of its ARP requests (a member of a group with an IPMP interface)");
                }
            } catch (NativeIOException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
            held.put(ifname, want);
        } catch (IOException e) {
            log.accept("Cannot add an ARP source address to " + ifname + ": " + e.getMessage());
        }
    }

    /** Takes member {@code ifname}'s ARP source address away (nothing if it has none). */
    void remove(String ifname) {
        AddrInfo had = held.remove(ifname);
        if (had == null) {
            return;
        }
        try {
            rt.deleteAddress(AddrInfo.of(had.index(), had.address(), had.prefixLen()));
            log.accept("Removed " + had.address().getHostAddress() + "/32 from " + ifname + " (ARP source address)");
        } catch (NativeIOException e) {
            if (e.errno() != Errno.EADDRNOTAVAIL && e.errno() != Errno.ENODEV) {
                log.accept("Cannot remove the ARP source address of " + ifname + ": " + e.getMessage());
            }
        } catch (IOException e) {
            log.accept("Cannot remove the ARP source address of " + ifname + ": " + e.getMessage());
        }
    }

    /** Whether this is a member's ARP source address (not an orphan of an earlier run). */
    boolean holds(int index, InetAddress address) {
        return held.values().stream().anyMatch(a -> a.index() == index && a.address().equals(address));
    }

    void removeAll() {
        for (String ifname : new ArrayList<>(held.keySet())) {
            remove(ifname);
        }
    }
}
