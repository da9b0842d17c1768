package ipmpd.sim;

import ipmpd.engine.Addresses;
import ipmpd.engine.Engine;
import ipmpd.engine.Family;
import ipmpd.engine.HostResolver;
import ipmpd.engine.Netmasks;
import ipmpd.engine.Platform;
import ipmpd.engine.Route;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * A simulated IP link: neighbours that answer echo requests after a short RTT, NICs whose
 * cables can be pulled, and paths that can be cut behind a NIC while its link stays up. It is the
 * engine's {@link Platform} in ipmpsim and in the engine's tests, and it keeps the addresses the
 * engine put "in the kernel" so tests can check where data addresses really are.
 */
public final class SimLink implements Platform {
    /** A neighbour on the link. */
    static final class Host {
        final InetAddress address;
        boolean up = true;
        boolean router;
        long rttNs;

        Host(InetAddress address, long rttNs) {
            this.address = address;
            this.rttNs = rttNs;
        }
    }

    private record Event(long at, long seq, Runnable action) {
    }

    final VirtualClock clock;
    private Random random;
    private Engine engine;
    final Map<String, Host> hosts = new LinkedHashMap<>();
    final Set<String> cut = new HashSet<>();
    final Map<String, Boolean> links = new LinkedHashMap<>();
    final List<Route> routes = new ArrayList<>();
    /** The simulated hosts file: name (lower case) -> its addresses, in definition order. */
    private final Map<String, List<InetAddress>> names = new LinkedHashMap<>();
    /** Addresses installed per interface ("eth0" -> "192.0.2.5/24"), as the kernel would hold them. */
    final Map<String, Set<String>> kernel = new LinkedHashMap<>();
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            Comparator.comparingLong(Event::at).thenComparingLong(Event::seq));
    private long eventSeq;
    long probesSent;
    /**
     * How long after the engine's send a probe leaves (as when the platform first opens a probe
     * socket, or a cold start): the engine sees it in its own measure; the wire round trip the
     * platform reports with the reply does not include it.
     */
    long sendLagNs;
    /** IPMP devices the engine created (new IPMP), with the index the simulated kernel gave them. */
    final Map<String, Integer> ipmpDevices = new LinkedHashMap<>();
    /** Gives a new IPMP device its index (set by the scenario, which knows the NICs' indexes). */
    java.util.function.ToIntFunction<String> ipmpIndex = name -> 0;
    /** The platform calls about traffic (IPMP devices, their addresses, bindings, outbound members), in order. */
    private final List<String> calls = new ArrayList<>();
    /** The simulator's netmasks database, in file order. */
    private final List<Map.Entry<InetAddress, Integer>> netmaskEntries = new ArrayList<>();

    public SimLink(VirtualClock clock, long seed) {
        this.clock = clock;
        this.random = new Random(seed);
    }

    /** Defines a host name (the simulator's hosts file); a name may have an address of each family. */
    public void defineName(String name, InetAddress address) {
        List<InetAddress> list = names.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>());
        list.removeIf(a -> Family.of(a) == Family.of(address));
        list.add(address);
    }

    /** Adds a line of the simulator's netmasks database (network, prefix length). */
    public void defineNetmask(InetAddress network, int prefixLen) {
        netmaskEntries.add(Map.entry(network, prefixLen));
    }

    /** "netmask +" looks in the simulator's own netmasks table only, never in the host's file. */
    @Override
    public Netmasks netmasks() {
        return Netmasks.of(netmaskEntries);
    }

    /** Names resolve from the simulator's own table only: a simulation never asks the real resolver. */
    @Override
    public HostResolver hostResolver() {
        return (name, family) -> names.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()).stream()
                .filter(a -> Family.of(a) == family).findFirst();
    }

    /** The addresses the engine installed, per interface ("192.0.2.5/24"), as the kernel would hold them. */
    public Map<String, Set<String>> kernelAddresses() {
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        kernel.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        return copy;
    }

    /** Probes sent so far (all interfaces). */
    public long probesSent() {
        return probesSent;
    }

    void attach(Engine engine) {
        this.engine = engine;
    }

    void reseed(long seed) {
        random = new Random(seed);
    }

    Random random() {
        return random;
    }

    Host addHost(InetAddress a, boolean router) {
        Host h = hosts.computeIfAbsent(Addresses.format(a),
                k -> new Host(a, 250_000L + 50_000L * hosts.size()));
        if (router && !h.router) {
            h.router = true;
            InetAddress any = Family.of(a) == Family.INET ? Addresses.ANY4 : Addresses.ANY6;
            routes.add(new Route(any, 0, a));
            engine.routesChanged(routes);
        }
        return h;
    }

    boolean linkUp(String ifname) {
        return links.getOrDefault(ifname, Boolean.TRUE);
    }

    private boolean pathOk(String ifname) {
        return linkUp(ifname) && !cut.contains(ifname);
    }

    private void at(long when, Runnable action) {
        events.add(new Event(when, eventSeq++, action));
    }

    private Runnable afterStep = () -> { };

    /** Runs {@code r} after every reply delivered and every timer run while time advances (for tests). */
    public void afterEachStep(Runnable r) {
        afterStep = r;
    }

    /** Advances virtual time to {@code until}, delivering replies and running engine timers in order. */
    void advanceTo(long until) {
        while (true) {
            long te = engine.nextDeadlineNs();
            long ts = events.isEmpty() ? Long.MAX_VALUE : events.peek().at();
            long t = Math.min(te, ts);
            if (t > until) {
                break;
            }
            clock.set(Math.max(t, clock.nanos()));
            if (ts <= te) {
                events.poll().action().run();
            } else {
                engine.runDue();
            }
            afterStep.run();
        }
        clock.set(Math.max(until, clock.nanos()));
    }

    private long jitter(long base) {
        return base + (long) (random.nextDouble() * 100_000L);
    }

    /** The platform calls recorded since the previous take (and forgets them). */
    public List<String> takeCalls() {
        List<String> out = List.copyOf(calls);
        calls.clear();
        return out;
    }

    @Override
    public void ipmpInterfaceCreated(String name, String group) {
        calls.add("ipmpInterfaceCreated " + name + " group " + group);
        int index = ipmpIndex.applyAsInt(name);
        ipmpDevices.put(name, index);
        // The kernel reports the new device as any link, after the command (as rtnetlink would).
        at(clock.nanos(), () -> {
            if (ipmpDevices.containsKey(name)) {
                engine.ipmpDeviceIndex(name, index);
            }
        });
    }

    @Override
    public void ipmpInterfaceRemoved(String name) {
        calls.add("ipmpInterfaceRemoved " + name);
        ipmpDevices.remove(name);
        kernel.remove(name);
    }

    @Override
    public void bindInbound(String ipmpInterface, InetAddress address, String member) {
        calls.add("bindInbound " + ipmpInterface + " " + Addresses.format(address) + " "
                + (member == null ? "none" : member));
    }

    @Override
    public void outboundMembersChanged(String group, List<String> members) {
        calls.add("outboundMembersChanged " + group + " [" + String.join(" ", members) + "]");
    }

    /** The latest per-family outbound members told, by "GROUP inet" / "GROUP inet6" (not in the transcript). */
    public final Map<String, List<String>> outboundByFamily = new java.util.TreeMap<>();

    @Override
    public void outboundMembersChanged(String group, Family family, List<String> members) {
        outboundByFamily.put(group + " " + family.keyword, List.copyOf(members));
    }

    @Override
    public void addAddress(AddressPlacement p) {
        if (ipmpDevices.containsKey(p.ifname())) {
            calls.add("addAddress " + p.logicalName() + " " + Addresses.format(p.address()) + "/" + p.prefixLen());
        }
        kernel.computeIfAbsent(p.ifname(), k -> new java.util.LinkedHashSet<>())
                .add(Addresses.format(p.address()) + "/" + p.prefixLen());
    }

    @Override
    public void removeAddress(AddressPlacement p) {
        if (ipmpDevices.containsKey(p.ifname())) {
            calls.add("removeAddress " + p.logicalName() + " " + Addresses.format(p.address()) + "/" + p.prefixLen());
        }
        Set<String> s = kernel.get(p.ifname());
        if (s != null) {
            s.remove(Addresses.format(p.address()) + "/" + p.prefixLen());
        }
    }

    @Override
    public void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int sequence) {
        probesSent++;
        Host h = hosts.get(Addresses.format(target));
        if (h == null || !h.up || !pathOk(ifname) || Family.of(target) != family) {
            return;
        }
        long delay = jitter(h.rttNs);
        at(clock.nanos() + sendLagNs + delay, () -> {
            if (pathOk(ifname) && h.up) {
                engine.probeReply(ifname, family, target, sequence, clock.nanos(), delay);
            }
        });
    }

    @Override
    public void sendDiscovery(String ifname, Family family, InetAddress source) {
        if (!pathOk(ifname)) {
            return;
        }
        for (Host h : hosts.values()) {
            if (!h.up || Family.of(h.address) != family || h.address.equals(source)) {
                continue;
            }
            at(clock.nanos() + jitter(h.rttNs), () -> {
                if (pathOk(ifname) && h.up) {
                    engine.discoveryReply(ifname, family, h.address);
                }
            });
        }
    }
}
