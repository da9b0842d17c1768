package ipmpd.linux.platform;

import ipmpd.linux.Errno;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.TcCodec;
import ipmpd.linux.TcCodec.Hook;
import ipmpd.linux.TcCodec.Key;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Packet capture on the device of an IPMP interface (new IPMP): the device itself carries no
 * traffic, so every member of its group mirrors to it the packets to (ingress) and from (egress)
 * the interface's data addresses, with their ARP and neighbour discovery, as snoop on a Solaris
 * IPMP interface shows its data addresses' traffic. Per member: a clsact qdisc and u32 filters
 * at priorities {@link #PRIO_IPV4}, {@link #PRIO_IPV6} and {@link #PRIO_ARP} of both hooks,
 * action mirred egress mirror (the copy is dropped by the dummy or ifb device after the packet
 * taps saw it; the original goes on untouched, and later filters still see it). Test addresses
 * are not mirrored. A member's filters are rewritten when its group's data addresses change; when
 * they go, the clsact qdisc goes too unless someone else's filters are on it.
 * Where the kernel lacks clsact, u32 or mirred, this says so once and does nothing more.
 * Engine thread only.
 */
final class CaptureMirrors {
    static final int PRIO_IPV4 = 0x1d40;
    static final int PRIO_IPV6 = 0x1d41;
    static final int PRIO_ARP = 0x1d42;
    private static final int[] PRIOS = {PRIO_IPV4, PRIO_IPV6, PRIO_ARP};
    static final int ETH_P_IP = 0x0800;
    static final int ETH_P_IPV6 = 0x86dd;
    static final int ETH_P_ARP = 0x0806;
    private static final int IPPROTO_ICMPV6 = 58;

    /** What one member mirrors: the traffic of {@code addresses} to the device {@code device}. */
    record Mirror(int device, Set<InetAddress> addresses) {
    }

    /** One u32 filter: where, for which protocol, what it matches. */
    record Filter(Hook hook, int prio, int ethProtocol, List<Key> keys) {
    }

    /** The traffic-control requests this class makes ({@link Rtnetlink}'s). */
    interface Tc {
        void addClsact(int index) throws IOException;

        void deleteClsact(int index) throws IOException;

        void addMirrorFilter(int index, Hook hook, int prio, int ethProtocol, List<Key> keys, int mirrorTo)
                throws IOException;

        void deleteFilters(int index, Hook hook, int prio) throws IOException;

        /** The priorities of the filters on a hook (one entry per filter). */
        List<Integer> filterPriorities(int index, Hook hook) throws IOException;

        static Tc of(Rtnetlink rt) {
            return new Tc() {
                @Override
                public void addClsact(int index) throws IOException {
                    rt.addClsact(index);
                }

                @Override
                public void deleteClsact(int index) throws IOException {
                    rt.deleteClsact(index);
                }

                @Override
                public void addMirrorFilter(int index, Hook hook, int prio, int ethProtocol, List<Key> keys,
                                            int mirrorTo) throws IOException {
                    rt.addMirrorFilter(index, hook, prio, ethProtocol, keys, mirrorTo);
                }

                @Override
                public void deleteFilters(int index, Hook hook, int prio) throws IOException {
                    rt.deleteFilters(index, hook, prio);
                }

                @Override
                public List<Integer> filterPriorities(int index, Hook hook) throws IOException {
                    return rt.filterPriorities(index, hook);
                }
            };
        }
    }

    private final Tc rt;
    private final Consumer<String> log;
    private final Map<String, String> reported = new HashMap<>();
    /** Member ifindex -> what it mirrors now. */
    private final Map<Integer, Mirror> installed = new HashMap<>();
    private boolean unavailable;

    CaptureMirrors(Tc tc, Consumer<String> log) {
        this.rt = tc;
        this.log = log;
    }

    /** Makes the members' mirrors those of {@code want} (member ifindex -> mirror). */
    void sync(Map<Integer, Mirror> want) {
        if (unavailable) {
            return;
        }
        for (Integer member : new ArrayList<>(installed.keySet())) {
            if (!want.containsKey(member)) {
                remove(member);
            }
        }
        for (Map.Entry<Integer, Mirror> e : want.entrySet()) {
            if (!e.getValue().equals(installed.get(e.getKey()))) {
                install(e.getKey(), e.getValue());
                if (unavailable) {
                    return;
                }
            }
        }
    }

    /** Removes every mirror made here (exit). */
    void removeAll() {
        for (Integer member : new ArrayList<>(installed.keySet())) {
            remove(member);
        }
    }

    /** Member ifindexes mirroring now (for tests and diagnostics). */
    Set<Integer> members() {
        return Set.copyOf(installed.keySet());
    }

    /** The filters that mirror the traffic of data address {@code a}. */
    static List<Filter> filters(InetAddress a) {
        byte[] b = a.getAddress();
        List<Filter> out = new ArrayList<>();
        if (a instanceof Inet4Address) {
            out.add(new Filter(Hook.INGRESS, PRIO_IPV4, ETH_P_IP, TcCodec.match(16, b))); // destination
            out.add(new Filter(Hook.EGRESS, PRIO_IPV4, ETH_P_IP, TcCodec.match(12, b))); // source
            out.add(new Filter(Hook.INGRESS, PRIO_ARP, ETH_P_ARP, TcCodec.match(24, b))); // target protocol address
            out.add(new Filter(Hook.EGRESS, PRIO_ARP, ETH_P_ARP, TcCodec.match(14, b))); // sender protocol address
            return out;
        }
        out.add(new Filter(Hook.INGRESS, PRIO_IPV6, ETH_P_IPV6, TcCodec.match(24, b)));
        out.add(new Filter(Hook.EGRESS, PRIO_IPV6, ETH_P_IPV6, TcCodec.match(8, b)));
        // Neighbour discovery for the address, without matching a packet twice: solicitations to
        // its solicited-node group, and the bound member's proxy advertisements (from its
        // link-local address) whose target it is.
        List<Key> solicit = new ArrayList<>(TcCodec.match(6, new byte[] {IPPROTO_ICMPV6}));
        solicit.addAll(TcCodec.match(24, solicitedNode(b)));
        out.add(new Filter(Hook.INGRESS, PRIO_IPV6, ETH_P_IPV6, solicit));
        List<Key> advert = new ArrayList<>(TcCodec.match(6, new byte[] {IPPROTO_ICMPV6}));
        advert.addAll(TcCodec.matchPrefix(8, new byte[] {(byte) 0xfe, (byte) 0x80}, 10));
        advert.addAll(TcCodec.match(48, b)); // the ND target
        out.add(new Filter(Hook.EGRESS, PRIO_IPV6, ETH_P_IPV6, advert));
        return out;
    }

    /** ff02::1:ffXX:XXXX of an IPv6 address (RFC 4291 2.7.1). */
    static byte[] solicitedNode(byte[] a) {
        byte[] g = new byte[16];
        g[0] = (byte) 0xff;
        g[1] = 0x02;
        g[11] = 0x01;
        g[12] = (byte) 0xff;
        g[13] = a[13];
        g[14] = a[14];
        g[15] = a[15];
        return g;
    }

    private void install(int member, Mirror m) {
        try {
            try {
                rt.addClsact(member);
            } catch (NativeIOException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
            deleteFilters(member);
            installed.remove(member);
            for (InetAddress a : m.addresses()) {
                for (Filter f : filters(a)) {
                    rt.addMirrorFilter(member, f.hook(), f.prio(), f.ethProtocol(), f.keys(), m.device());
                }
            }
            installed.put(member, m);
            reported.remove("install " + member);
        } catch (NativeIOException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EINVAL) {
                unavailable = true;
                log.accept("Capture on IPMP interfaces is unavailable: the kernel refused the traffic-control"
                        + " mirror (needs clsact, cls_u32 and act_mirred): " + e.getMessage());
                remove(member);
                removeAll();
            } else {
                report("install " + member, e);
            }
        } catch (IOException e) {
            report("install " + member, e);
        }
    }

    private void remove(int member) {
        installed.remove(member);
        try {
            deleteFilters(member);
            if (!hasFilters(member)) {
                rt.deleteClsact(member);
            }
            reported.remove("remove " + member);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.ENODEV && e.errno() != Errno.ENOENT && e.errno() != Errno.EINVAL) {
                report("remove " + member, e); // gone: the member or its qdisc, and the filters with it
            }
        } catch (IOException e) {
            report("remove " + member, e);
        }
    }

    /**
     * Whether anyone's filters are left on the member's clsact hooks. An empty clsact qdisc goes
     * (also one an earlier run of ipmpd added and left at a crash); one with filters stays.
     */
    private boolean hasFilters(int member) throws IOException {
        for (Hook hook : Hook.values()) {
            if (!rt.filterPriorities(member, hook).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void deleteFilters(int member) throws IOException {
        for (Hook hook : Hook.values()) {
            for (int prio : PRIOS) {
                try {
                    rt.deleteFilters(member, hook, prio);
                } catch (NativeIOException e) {
                    if (e.errno() != Errno.ENOENT && e.errno() != Errno.EINVAL) {
                        throw e; // ENOENT / EINVAL: no filter at that priority
                    }
                }
            }
        }
    }

    private void report(String what, IOException e) {
        String text = "capture on IPMP interface: " + what.replaceFirst(" (\\d+)$", " of ifindex $1") + ": " + e.getMessage();
        if (!text.equals(reported.put(what, text))) {
            log.accept(text);
        }
    }
}
