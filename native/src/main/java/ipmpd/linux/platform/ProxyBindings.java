package ipmpd.linux.platform;

import ipmpd.linux.Errno;
import ipmpd.linux.LibC;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.ProxyNeighbour;
import ipmpd.linux.Rtnetlink;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Inbound binding of IPv6 data addresses of IPMP interfaces: the bound member holds a proxy
 * neighbour entry for the address ({@code ip -6 neigh add proxy ADDR dev MEMBER}; with proxy_ndp
 * it answers neighbour solicitations for it with its own MAC), no other member does. A rebind adds
 * the new entry before deleting the old one. Entries made here carry NDA_PROTOCOL
 * {@link #PROTOCOL} (as ipmpd's addresses carry IFA_PROTO), so a later run recognises those an
 * earlier one left. Engine thread only; failures are logged once per distinct message and
 * retried by {@link #sync}.
 */
final class ProxyBindings {
    static final int PROTOCOL = PrefixRoutes.RTPROT_IPMPD;
    private final Rtnetlink rt;
    private final Consumer<String> log;
    private final Map<String, String> reported = new HashMap<>();
    /** Entries made here: address -> member ifindex. */
    private final Map<InetAddress, Integer> installed = new HashMap<>();

    ProxyBindings(Rtnetlink rt, Consumer<String> log) {
        this.rt = rt;
        this.log = log;
    }

    /** Moves the entry of {@code address} to member {@code index}, or removes it when {@code index} is null. */
    void bind(InetAddress address, Integer index) {
        Integer now = installed.get(address);
        if (Objects.equals(now, index)) {
            return;
        }
        if (index != null) {
            add(entry(index, address));
            installed.put(address, index);
        } else {
            installed.remove(address);
        }
        if (now != null) {
            delete(entry(now, address));
        }
    }

    private static ProxyNeighbour entry(int index, InetAddress address) {
        return new ProxyNeighbour(index, address, PROTOCOL);
    }

    /**
     * Makes the kernel's proxy entries match {@code want} (address -> member ifindex): missing
     * entries are added; entries for the addresses in {@code ours} or {@code want} on any other
     * interface, and entries an earlier run made ({@link #PROTOCOL}) that are not wanted, are
     * deleted. Other entries are not ours and left alone.
     *
     * @return the entries deleted
     */
    List<ProxyNeighbour> sync(Map<InetAddress, Integer> want, Set<InetAddress> ours) {
        Set<ProxyNeighbour> missing = new HashSet<>();
        want.forEach((a, i) -> missing.add(entry(i, a)));
        List<ProxyNeighbour> deleted = new ArrayList<>();
        try {
            for (ProxyNeighbour p : rt.dumpProxyNeighbours(LibC.AF_INET6)) {
                Integer wanted = want.get(p.address());
                if (wanted != null && wanted == p.index() && p.protocol() == PROTOCOL) {
                    missing.remove(p);
                } else if (ours.contains(p.address()) || wanted != null || p.protocol() == PROTOCOL) {
                    delete(p);
                    deleted.add(p);
                }
            }
        } catch (IOException e) {
            report("dump", e);
            return deleted;
        }
        missing.forEach(this::add);
        installed.clear();
        installed.putAll(want);
        return deleted;
    }

    private void add(ProxyNeighbour p) {
        try {
            rt.addProxyNeighbour(p);
            reported.remove("add " + p);
        } catch (IOException e) {
            report("add " + p, e);
        }
    }

    private void delete(ProxyNeighbour p) {
        try {
            rt.deleteProxyNeighbour(p);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ENODEV) {
                report("delete " + p, e);
            }
        } catch (IOException e) {
            report("delete " + p, e);
        }
    }

    private void report(String what, IOException e) {
        String text = e.getMessage();
        if (!text.equals(reported.put(what, text))) {
            log.accept("inbound binding: proxy neighbour " + what + ": " + text);
        }
    }
}
