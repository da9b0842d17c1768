package ipmpd.agent.platform;

import ipmpd.agent.ConfigDirectory;
import ipmpd.agent.EngineLoop;
import ipmpd.engine.Addresses;
import ipmpd.engine.Engine;
import ipmpd.engine.Family;
import ipmpd.engine.Route;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A platform that touches no real interface: it records the addresses the engine puts "in the
 * kernel" and answers probes from a configured set of neighbours after a fixed delay (0.3 ms by
 * default), in real time through the {@link EngineLoop}. For tests and demonstrations of the
 * daemon and its tools ({@code ipmpd --platform=loopback}).
 * <p>
 * Options ({@code --platform-opt KEY=VALUE}):
 * <ul>
 * <li>{@code nics=IF,IF...}: the NICs present (default: every interface a hostname file names)</li>
 * <li>{@code hosts=ADDR,...}: neighbours that answer echo requests (probe and all-hosts)</li>
 * <li>{@code routers=ADDR,...}: neighbours that answer and are next hops (default routes)</li>
 * <li>{@code rtt-us=N}: the reply delay in microseconds (default 300)</li>
 * </ul>
 */
public final class LoopbackPlatform implements DaemonPlatform {
    private final EngineLoop loop;
    private final List<String> nics;
    /** neighbour address (formatted) -> answering */
    private final Map<String, Boolean> neighbours = new ConcurrentHashMap<>();
    /** neighbours in configuration order (discovery answers in this order) */
    private final List<InetAddress> neighbourAddresses = new CopyOnWriteArrayList<>();
    private final List<InetAddress> routers;
    private final Map<String, Boolean> links = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> kernel = new ConcurrentHashMap<>();
    private final long rttNs;
    private final AtomicLong probesSent = new AtomicLong();
    /** NIC -> echo requests sent and replies received, as a NIC's counters would show them. */
    private final Map<String, EchoCounts> echoes = new ConcurrentHashMap<>();
    private final Map<String, Integer> indexes = new ConcurrentHashMap<>();
    private volatile Engine engine;
    private volatile boolean closed;

    public LoopbackPlatform(EngineLoop loop, List<String> nics, List<InetAddress> hosts, List<InetAddress> routers,
                            long rttNs) {
        this.loop = loop;
        this.nics = List.copyOf(nics);
        this.routers = List.copyOf(routers);
        this.rttNs = rttNs;
        for (InetAddress a : hosts) {
            if (neighbours.put(Addresses.format(a), Boolean.TRUE) == null) {
                neighbourAddresses.add(a);
            }
        }
        for (InetAddress a : routers) {
            if (neighbours.put(Addresses.format(a), Boolean.TRUE) == null) {
                neighbourAddresses.add(a);
            }
        }
        for (String n : nics) {
            links.put(n, Boolean.TRUE);
        }
    }

    static DaemonPlatform create(EngineLoop loop, PlatformFactory.Context ctx) throws PlatformFactory.PlatformException {
        Map<String, String> o = new LinkedHashMap<>(ctx.options());
        List<String> nics = new ArrayList<>();
        String nicOpt = o.remove("nics");
        if (nicOpt != null) {
            for (String n : split(nicOpt)) {
                nics.add(n);
            }
        } else {
            nics.addAll(ConfigDirectory.interfaces(ctx.hostnameFiles()));
        }
        List<InetAddress> hosts = addresses(o.remove("hosts"), "hosts");
        List<InetAddress> routers = addresses(o.remove("routers"), "routers");
        long rtt = 300_000;
        String r = o.remove("rtt-us");
        if (r != null) {
            try {
                rtt = Long.parseLong(r) * 1000;
            } catch (NumberFormatException e) {
                throw new PlatformFactory.PlatformException("loopback platform: bad rtt-us " + r);
            }
        }
        if (!o.isEmpty()) {
            throw new PlatformFactory.PlatformException("loopback platform: unknown option "
                    + o.keySet().iterator().next() + " (known: nics, hosts, routers, rtt-us)");
        }
        return new LoopbackPlatform(loop, nics, hosts, routers, rtt);
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.strip());
            }
        }
        return out;
    }

    private static List<InetAddress> addresses(String s, String what) throws PlatformFactory.PlatformException {
        List<InetAddress> out = new ArrayList<>();
        if (s == null) {
            return out;
        }
        for (String p : split(s)) {
            out.add(Addresses.parse(p).orElseThrow(
                    () -> new PlatformFactory.PlatformException("loopback platform: " + what + ": bad address " + p)));
        }
        return out;
    }

    @Override
    public void start(Engine e) {
        this.engine = e;
        int index = 2;
        for (String n : nics) {
            indexes.put(n, index);
            e.nicAdded(n, index++, links.getOrDefault(n, Boolean.TRUE));
        }
        if (!routers.isEmpty()) {
            List<Route> routes = new ArrayList<>();
            for (InetAddress r : routers) {
                routes.add(new Route(Family.of(r) == Family.INET ? Addresses.ANY4 : Addresses.ANY6, 0, r));
            }
            e.routesChanged(routes);
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    // ------------------------------------------------------------------ controls (any thread)

    /** Pulls or plugs a NIC's cable (RUNNING cleared / set). */
    public void setLink(String ifname, boolean up) {
        links.put(ifname, up);
        loop.execute(() -> engine.linkChanged(ifname, up));
    }

    /** A neighbour stops or resumes answering. */
    public void setNeighbour(InetAddress address, boolean answering) {
        if (neighbours.put(Addresses.format(address), answering) == null) {
            neighbourAddresses.add(address);
        }
    }

    /** The addresses the engine installed, per interface ("192.0.2.10/24"), sorted by interface. */
    public Map<String, Set<String>> kernel() {
        Map<String, Set<String>> out = new TreeMap<>();
        kernel.forEach((k, v) -> {
            synchronized (v) {
                if (!v.isEmpty()) {
                    out.put(k, new LinkedHashSet<>(v));
                }
            }
        });
        return out;
    }

    public long probesSent() {
        return probesSent.get();
    }

    /**
     * A NIC's counters as the echo traffic of its probes makes them (ICMP echo frames on Ethernet:
     * 98 octets over IPv4, 118 over IPv6), MTU 1500, hardware address 02:00:00:00:00:INDEX, speed unknown.
     */
    @Override
    public Map<Integer, InterfaceStatistics> interfaceStatistics() {
        Map<Integer, InterfaceStatistics> out = new HashMap<>();
        indexes.forEach((name, index) -> {
            EchoCounts c = echoes.getOrDefault(name, new EchoCounts());
            boolean running = links.getOrDefault(name, Boolean.TRUE);
            out.put(index, new InterfaceStatistics(1500, new byte[] {2, 0, 0, 0, 0, (byte) (int) index}, -1, "", false,
                    true, c.inOctets.get(), c.in.get(), 0, 0, 0, 0, c.outOctets.get(), c.out.get(), 0, 0, name, false,
                    true, running));
        });
        return out;
    }

    private static final class EchoCounts {
        final AtomicLong in = new AtomicLong();
        final AtomicLong inOctets = new AtomicLong();
        final AtomicLong out = new AtomicLong();
        final AtomicLong outOctets = new AtomicLong();

        static int frameOctets(Family f) {
            return f == Family.INET ? 98 : 118;
        }
    }

    private EchoCounts echoesOf(String ifname) {
        return echoes.computeIfAbsent(ifname, k -> new EchoCounts());
    }

    // ------------------------------------------------------------------ Platform (engine thread)

    private boolean linkUp(String ifname) {
        return links.getOrDefault(ifname, Boolean.TRUE);
    }

    @Override
    public void addAddress(AddressPlacement p) {
        Set<String> s = kernel.computeIfAbsent(p.ifname(), k -> new LinkedHashSet<>());
        synchronized (s) {
            s.add(Addresses.format(p.address()) + "/" + p.prefixLen());
        }
    }

    @Override
    public void removeAddress(AddressPlacement p) {
        Set<String> s = kernel.get(p.ifname());
        if (s != null) {
            synchronized (s) {
                s.remove(Addresses.format(p.address()) + "/" + p.prefixLen());
            }
        }
    }

    @Override
    public void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int sequence) {
        probesSent.incrementAndGet();
        String key = Addresses.format(target);
        if (closed || !linkUp(ifname)) {
            return;
        }
        EchoCounts counts = echoesOf(ifname);
        counts.out.incrementAndGet();
        counts.outOctets.addAndGet(EchoCounts.frameOctets(family));
        if (!neighbours.getOrDefault(key, Boolean.FALSE) || Family.of(target) != family) {
            return;
        }
        Engine e = engine;
        loop.schedule(rttNs, () -> {
            if (!closed && linkUp(ifname) && neighbours.getOrDefault(key, Boolean.FALSE)) {
                counts.in.incrementAndGet();
                counts.inOctets.addAndGet(EchoCounts.frameOctets(family));
                e.probeReply(ifname, family, target, sequence, System.nanoTime());
            }
        });
    }

    @Override
    public void sendDiscovery(String ifname, Family family, InetAddress source) {
        if (closed || !linkUp(ifname)) {
            return;
        }
        Engine e = engine;
        for (InetAddress a : neighbourAddresses) {
            String key = Addresses.format(a);
            if (Family.of(a) != family || a.equals(source) || !neighbours.getOrDefault(key, Boolean.FALSE)) {
                continue;
            }
            loop.schedule(rttNs, () -> {
                if (!closed && linkUp(ifname) && neighbours.getOrDefault(key, Boolean.FALSE)) {
                    e.discoveryReply(ifname, family, a);
                }
            });
        }
    }
}
