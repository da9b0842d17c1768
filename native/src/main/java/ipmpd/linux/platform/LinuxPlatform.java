package ipmpd.linux.platform;

import ipmpd.engine.Family;
import ipmpd.engine.Platform;
import ipmpd.linux.AddrInfo;
import ipmpd.linux.Announcer;
import ipmpd.linux.Errno;
import ipmpd.linux.IcmpProbeSocket;
import ipmpd.linux.Interfaces;
import ipmpd.linux.LibC;
import ipmpd.linux.MemberSysctls;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.Rtnl;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine's {@link Platform} on Linux: addresses through rtnetlink, ICMP probes through raw
 * sockets, gratuitous ARP / unsolicited NA after moves, member sysctls, and routing that keeps
 * traffic off dead members for link- and probe-detected failures alike.
 *
 * <p><b>Wiring.</b> Construct it on a thread inside the daemon's network namespace (in the daemon
 * any thread: the whole process runs there), give it the engine loop's {@code execute} as
 * {@code engineThread}, build the {@code Engine} with it, then start a {@link LinuxEvents} with
 * the same platform. Every {@link Platform} method, and {@link #mainRoutesChanged}, runs on the
 * engine thread, which must be in the same namespace: sockets and interface lookups belong to the
 * namespace of the thread that makes them. Announcement repeats run on an internal timer thread.
 * {@code log} is called from the engine thread and from that timer thread.
 *
 * <p><b>Addresses.</b> IPv4 addresses carry the label of their logical interface ("eth1", "eth1:2";
 * none if longer than 15 characters). IPv4 test addresses get {@code IFA_F_NOPREFIXROUTE}: a test
 * address then never becomes the preferred source of a kernel prefix route, so host-originated
 * traffic picks a data address (Linux has no DEPRECATED for IPv4). Probing does not need that route:
 * probes are pinned with SO_BINDTODEVICE (IPv4 then assumes the target on-link) and the test
 * address's rule leads to its member's table. IPv6 link-local addresses are the kernel's and never
 * touched (the engine's are only its model; probes use the kernel's); a moved IPv6 address is
 * added with {@code IFA_F_NODAD}. EEXIST on add and EADDRNOTAVAIL on delete count as success.
 * {@link #moveAddress} adds, announces, moves the address's rule, deletes the old copy; the
 * announcement is repeated after 50 and 250 ms.
 *
 * <p><b>Routing</b>, four parts, all following the engine's decisions:
 * <ol>
 * <li>Source steering ({@link SourceSteering}): rule {@code from ADDR lookup 30000+ifindex(M)}
 *     (priority 1000) for every address placed on member M, and for M's link-local probe source;
 *     the member table holds the main table with the group's routes rewritten onto M plus the
 *     group's connected prefixes. A move moves the rule (add new, delete old). Replies from a data
 *     address therefore leave through the member hosting it, whatever the main table prefers:
 *     this is what carries probe-detected failures (carrier up, so ignore_routes_with_linkdown
 *     does not help).
 * <li>Prefix routes for IPv4 data addresses the kernel gave none ({@link PrefixRoutes}).
 * <li>Gateway routes (default...) of the main table leave an unusable member for a usable one and
 *     come back on repair ({@link GatewayRouteFailover}), for traffic that has no source yet; they
 *     also leave a member before its last IPv4 address is deleted (the kernel would drop them
 *     with it), and one the kernel dropped anyway (member set down) is put back.
 * <li>ignore_routes_with_linkdown (member sysctl) for link failures.
 * </ol>
 * Parts 2 and 3 run after the current engine task, so they never delay a failover.
 *
 * <p><b>New IPMP</b> (docs/ARCHITECTURE.md, "New IPMP on Linux"): an IPMP interface is a device of
 * its own ({@link IpmpDevices}) holding the group's data addresses; each is answered by the member
 * {@link #bindInbound} names, through its rule (IPv4, arp_filter) and a proxy entry (IPv6,
 * {@link ProxyBindings}); with spreading, flow rules by protocol send its flows to the group's
 * spread table while its plain rule keeps naming the bound member.
 */
public final class LinuxPlatform implements Platform, AutoCloseable {
    /**
     * @param rulePriority     priority of the per-address rules (must run before "from all lookup
     *                         main", 32766)
     * @param tableBase        member M's table is {@code tableBase + ifindex(M)}
     * @param announceDelaysMs when announcements are sent after a move (0 = at once)
     * @param spreadOutbound   outbound load spreading ({@link SpreadTables}, on by default): the
     *                         rules of data addresses point at their group's spread table instead
     *                         of the table of the member holding them
     * @param convergeMs       how often the kernel is checked against what was asked of it
     *                         (addresses, rules, member tables) and made to match again
     */
    public record Options(int rulePriority, int tableBase, List<Long> announceDelaysMs, boolean spreadOutbound,
                          long convergeMs) {
        public Options(int rulePriority, int tableBase, List<Long> announceDelaysMs) {
            this(rulePriority, tableBase, announceDelaysMs, true, 5000);
        }

        public static Options defaults() {
            return new Options(1000, 30000, List.of(0L, 50L, 250L));
        }

        /** The same options with outbound load spreading on or off. */
        public Options withSpreading(boolean on) {
            return new Options(rulePriority, tableBase, announceDelaysMs, on, convergeMs);
        }

        public Options withConvergeMs(long ms) {
            return new Options(rulePriority, tableBase, announceDelaysMs, spreadOutbound, ms);
        }
    }

    private static final int IFNAMSIZ_LABEL = 15;
    /**
     * IFA_PROTO of every address ipmpd adds (the number its prefix routes carry as rtm_protocol):
     * after a crash, the next start recognises the addresses an earlier run placed
     * ({@link #removeOrphans()}); addresses added by anyone else carry another value.
     */
    public static final int ADDRESS_PROTO = PrefixRoutes.RTPROT_IPMPD;
    private final Consumer<String> log;
    private final Options options;
    private final Rtnetlink rt;
    private final MemberSysctls sysctls;
    private final SourceSteering steering;
    private final GatewayRouteFailover gatewayRoutes;
    private final PrefixRoutes prefixRoutes;
    private final SpreadTables spreadTables;
    private final IpmpDevices ipmpDevices;
    private final ArpSources arpSources;
    private final ProxyBindings proxyBindings;
    private final CaptureMirrors captureMirrors;
    private boolean mirrorsPending;
    private final Consumer<Runnable> engineThread;
    private boolean mainWorkPending;
    private boolean syncPending;
    private boolean fullSyncPending;
    private final ScheduledThreadPoolExecutor timer;
    private final int pid = (int) ProcessHandle.current().pid();

    // ---- engine thread only
    /** Addresses placed by us (IPv6 without scope id) and where they are. */
    private final Map<InetAddress, AddressPlacement> placed = new LinkedHashMap<>();
    /**
     * Where the engine wants each address, whether or not the kernel took it: what
     * {@link #converge} makes the kernel hold again (in.mpathd's invariants re-applied).
     */
    private final Map<InetAddress, AddressPlacement> wanted = new LinkedHashMap<>();
    /** Removals the kernel refused, retried by {@link #converge}. */
    private final Map<InetAddress, AddressPlacement> unwanted = new LinkedHashMap<>();
    private boolean convergePending;
    /** Member tables verified so far, in topology order: where the next round's slice begins. */
    private long verifiedTables;
    /** How many member tables a convergence round reads back from the kernel. */
    static final int TABLES_VERIFIED_PER_ROUND = 16;
    /** Group members: name -> group. */
    private final Map<String, String> members = new LinkedHashMap<>();
    private final Set<String> unusable = new HashSet<>();
    private final Map<String, Announcer> announcers = new HashMap<>();
    private final Map<InetAddress, List<ScheduledFuture<?>>> pendingAnnouncements = new HashMap<>();
    private final Map<String, String> reported = new HashMap<>();
    /** IPv6 probe sources (the kernel's link-local addresses), steered like placed addresses. */
    private final Map<String, InetAddress> linkLocalSources = new HashMap<>();
    private List<RouteInfo> mainRoutes;
    /** Group -> the number of its spread table ({@link SourceSteering#spreadTableOf}). */
    private final Map<String, Integer> spreadNumbers = new HashMap<>();
    private int nextSpreadNumber;
    /** Group -> its outbound members as the engine last told them (absent: derived here). */
    private final Map<String, List<String>> engineOutbound = new HashMap<>();
    /** Group -> the outbound members (ifindexes) its spread table was last written for. */
    private final Map<String, List<Integer>> spreadWritten = new HashMap<>();
    /** Per group, per family (LibC.AF_INET / AF_INET6): the outbound members the engine named for it. */
    private final Map<String, Map<Integer, List<String>>> engineOutboundByFamily = new HashMap<>();
    /** Per group: the per-family outbound members (ifindexes) its spread table was last written with. */
    private final Map<String, Map<Integer, List<Integer>>> spreadWrittenByFamily = new HashMap<>();
    /** Groups whose spread table is looked at after the current engine task. */
    private final Set<String> pendingSpread = new LinkedHashSet<>();
    /** IPMP interfaces (new IPMP): name -> group. */
    private final Map<String, String> ipmpInterfaces = new LinkedHashMap<>();
    /**
     * IPMP interface -> its data addresses -> the member bound to answer for them (absent:
     * unbound). Kept while an address is off the interface (the binding applies again when it is
     * placed again), dropped with the interface.
     */
    private final Map<String, Map<InetAddress, String>> inbound = new HashMap<>();

    // ---- shared with LinuxEvents
    private final ConcurrentHashMap<String, ProbeEndpoint> probes = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<ProbeEndpoint> retired = new ConcurrentLinkedQueue<>();
    /** Moves after every change of {@link #probes} (so a reader copies the set only when it changed). */
    private final java.util.concurrent.atomic.AtomicInteger probesVersion = new java.util.concurrent.atomic.AtomicInteger();
    private final Set<String> memberNames = ConcurrentHashMap.newKeySet();
    /** Names of the IPMP interfaces' devices: never reported to the engine as NICs. */
    private final Set<String> ipmpDeviceNames = ConcurrentHashMap.newKeySet();
    private final Set<String> linksDown = ConcurrentHashMap.newKeySet();
    /**
     * Interface indexes as {@link LinuxEvents} last saw them in link messages. A failover syncs the
     * tables of every member, and at 256 members looking each index up (if_nametoindex: socket,
     * ioctl, close) cost about 6 ms of the engine thread per sync.
     */
    private final Map<String, Integer> indexByName = new ConcurrentHashMap<>();
    private volatile boolean readerAttached;
    private volatile boolean closed;

    /**
     * @param engineThread runs a task later on the engine thread (the daemon's engine loop): work
     *                     that must not delay a failover (main-table routes) is queued there
     * @param log          messages for the daemon's log (engine thread and the announcement timer)
     */
    public LinuxPlatform(Consumer<Runnable> engineThread, Consumer<String> log) throws IOException {
        this(engineThread, log, Options.defaults());
    }

    public LinuxPlatform(Consumer<Runnable> engineThread, Consumer<String> log, Options options) throws IOException {
        this(engineThread, log, options, new MemberSysctls());
    }

    /** @param sysctls where member sysctls are written (tests may point it elsewhere) */
    public LinuxPlatform(Consumer<Runnable> engineThread, Consumer<String> log, Options options,
                         MemberSysctls sysctls) throws IOException {
        this.engineThread = engineThread;
        this.log = log;
        this.options = options;
        this.sysctls = sysctls;
        this.rt = Rtnetlink.open();
        this.steering = new SourceSteering(rt, options.rulePriority(), options.tableBase(), log);
        this.gatewayRoutes = new GatewayRouteFailover(rt, log);
        this.prefixRoutes = new PrefixRoutes(rt, log);
        this.spreadTables = new SpreadTables(rt, log);
        this.ipmpDevices = new IpmpDevices(rt, log);
        this.arpSources = new ArpSources(rt, log);
        this.proxyBindings = new ProxyBindings(rt, log);
        this.captureMirrors = new CaptureMirrors(CaptureMirrors.Tc.of(rt), log);
        steering.removeAll(List.of()); // leftovers of a previous run
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ipmpd-announce");
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.prestartCoreThread(); // created here, so it starts in this thread's namespace
        if (options.convergeMs() > 0) {
            timer.scheduleWithFixedDelay(this::scheduleConverge, options.convergeMs(), options.convergeMs(),
                    TimeUnit.MILLISECONDS);
        }
    }

    // ================================================================ addresses

    @Override
    public void addAddress(AddressPlacement p) {
        if (kernelOwned(p)) {
            return;
        }
        InetAddress a = plain(p.address());
        want(p);
        AddressPlacement before = placed.get(a);
        // Already in the kernel elsewhere (or was, on a NIC that went away): this is a move.
        boolean moving = before != null && !before.ifname().equals(p.ifname());
        if (add(p, moving) && !p.testAddress()
                && (moving || p.family() == Family.INET || ipmpInterfaces.containsKey(p.ifname()))) {
            announce(p);
        }
    }

    @Override
    public void removeAddress(AddressPlacement p) {
        if (kernelOwned(p)) {
            return;
        }
        unwant(p);
        remove(p);
    }

    /** Make before break: add on the new member and announce it there, then delete the old copy. */
    @Override
    public void moveAddress(AddressPlacement from, AddressPlacement to) {
        if (kernelOwned(from) || kernelOwned(to)) {
            addAddress(to);
            removeAddress(from);
            return;
        }
        want(to);
        unwant(from);
        boolean added = addToKernel(to, true);
        if (added && !to.testAddress()) {
            // Announced as soon as the survivor has it: the neighbours' caches are what the
            // clients wait for; the rules and the old copy's removal follow at once.
            announce(to);
        }
        if (added) {
            place(to);
        }
        remove(from);
    }

    /** IPv6 link-local addresses belong to the kernel (and the engine's are only its model). */
    private static boolean kernelOwned(AddressPlacement p) {
        return p.family() == Family.INET6 && p.address().isLinkLocalAddress();
    }

    private boolean add(AddressPlacement p, boolean moving) {
        if (!addToKernel(p, moving)) {
            return false;
        }
        place(p);
        return true;
    }

    /** Adds the address to its member in the kernel (EEXIST is success); failures are logged. */
    private boolean addToKernel(AddressPlacement p, boolean moving) {
        InetAddress a = plain(p.address());
        int index;
        try {
            index = ifindex(p.ifname()); // as link messages showed it: no lookup (3 syscalls) in a failover
        } catch (NativeIOException e) {
            log.accept("Cannot add " + ipmpd.engine.Addresses.format(a) + " to " + p.logicalName() + ": " + e.getMessage());
            return false;
        }
        AddrInfo req = AddrInfo.of(index, a, p.prefixLen()).withProto(ADDRESS_PROTO);
        int flags = 0;
        if (p.family() == Family.INET) {
            req = req.withLabel(label(p));
            if (p.testAddress()) {
                flags |= Rtnl.IFA_F_NOPREFIXROUTE;
            }
        } else {
            if (p.testAddress()) {
                flags |= Rtnl.IFA_F_NOPREFIXROUTE;
            }
            if (moving) {
                // With DAD the new copy collides with the old one and stays tentative for ~1 s.
                flags |= Rtnl.IFA_F_NODAD;
            }
        }
        if (ipmpInterfaces.containsKey(p.ifname())) {
            // On the IPMP interface's device: the group's prefix routes go through the members
            // (a route through the device would swallow the link's traffic), and DAD on a device
            // without a wire means nothing (the members answer for the address).
            flags |= Rtnl.IFA_F_NOPREFIXROUTE | (p.family() == Family.INET6 ? Rtnl.IFA_F_NODAD : 0);
        }
        req = req.withFlags(flags);
        try {
            rt.addAddress(req);
        } catch (NativeIOException e) {
            if (e.errno() != Errno.EEXIST) {
                report("add " + a.getHostAddress(), "Cannot add " + ipmpd.engine.Addresses.format(a) + "/" + p.prefixLen() + " to "
                        + p.logicalName() + ": " + e.getMessage() + " (retried)");
                return false;
            }
        } catch (IOException e) {
            report("add " + a.getHostAddress(), "Cannot add " + ipmpd.engine.Addresses.format(a) + " to " + p.logicalName() + ": "
                    + e.getMessage() + " (retried)");
            return false;
        }
        return true;
    }

    /** Records where the address is and steers its traffic through that member. */
    private void place(AddressPlacement p) {
        InetAddress a = plain(p.address());
        boolean newPrefix = !hasPlacedPrefix(p);
        placed.put(a, p);
        String group = groupOf(p);
        if (ipmpInterfaces.containsKey(p.ifname()) && p.family() == Family.INET6) {
            proxyBindings.bind(a, boundIndex(p));
        }
        if (ipmpInterfaces.containsKey(p.ifname())) {
            scheduleMirrors();
        }
        if (group != null) {
            if (newPrefix) {
                // The group's tables must know the new prefix before traffic is steered.
                syncGroupTables(group);
            }
            if (!p.testAddress()) {
                scheduleSpread(group);
            }
            steer(a);
            scheduleMainWork();
        }
    }

    /** The IPv4 label: the logical interface name, none if longer than IFNAMSIZ - 1. */
    static String label(AddressPlacement p) {
        String label = p.logicalName();
        return label.length() <= IFNAMSIZ_LABEL && label.startsWith(p.ifname()) ? label : null;
    }

    /** Whether an address of the same prefix is already placed on a member of p's group. */
    private boolean hasPlacedPrefix(AddressPlacement p) {
        SourceSteering.Prefix mine = SourceSteering.Prefix.of(p.address(), p.prefixLen());
        String group = groupOf(p);
        for (AddressPlacement q : placed.values()) {
            if (group != null && group.equals(groupOf(q))
                    && SourceSteering.Prefix.of(q.address(), q.prefixLen()).equals(mine)) {
                return true;
            }
        }
        return false;
    }

    private void remove(AddressPlacement p) {
        InetAddress a = plain(p.address());
        AddressPlacement current = placed.get(a);
        if (current != null && current.ifname().equals(p.ifname())) {
            placed.remove(a);
            cancelAnnouncements(a);
            steer(a);
            if (ipmpInterfaces.containsKey(p.ifname())) {
                proxyBindings.bind(a, null); // off the device, the address is no one's to answer for
                scheduleMirrors();
            }
            String group = groupOf(p);
            if (group != null && !p.testAddress()) {
                scheduleSpread(group);
            }
            scheduleMainWork();
        }
        int index;
        try {
            index = Interfaces.index(p.ifname());
        } catch (NativeIOException e) {
            return; // the interface is gone, and its addresses with it
        }
        if (p.family() == Family.INET && members.containsKey(p.ifname()) && !placesOtherIpv4(p.ifname(), a)) {
            keepRoutesOf(p.ifname(), index, a);
        }
        if (!deleteFromKernel(index, p)) {
            AddressPlacement w = wanted.get(a);
            if (w == null || !w.ifname().equals(p.ifname())) {
                unwanted.put(a, p);
            }
        }
    }

    /** Whether we placed another IPv4 address than {@code a} on {@code ifname}. */
    private boolean placesOtherIpv4(String ifname, InetAddress a) {
        for (AddressPlacement q : placed.values()) {
            if (q.family() == Family.INET && q.ifname().equals(ifname) && !plain(q.address()).equals(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Make before break for main's routes: {@code a} may be the last IPv4 address of member
     * {@code ifname}, and with it the kernel would drop every route through the member
     * (fib_disable_ip). If it is, the member's gateway routes move to one that keeps an address
     * first ({@link GatewayRouteFailover#evacuate}).
     */
    private void keepRoutesOf(String ifname, int index, InetAddress a) {
        try {
            Map<String, GatewayRouteFailover.Link> links = memberLinks(index, a);
            GatewayRouteFailover.Link mine = links.get(ifname);
            if (mine == null || mine.ipv4()) {
                return; // another address stays (the administrator's): the kernel drops nothing
            }
            gatewayRoutes.evacuate(rt.dumpRoutes(LibC.AF_INET, Rtnl.RT_TABLE_MAIN), ifname, index, links, members,
                    unusable);
        } catch (IOException e) {
            report("keep routes " + ifname, "Cannot move the routes through " + ifname
                    + " before its last address goes: " + e.getMessage());
        }
    }

    /**
     * The members' links as the kernel holds them now (up, with an IPv4 address), taking
     * {@code leaving} on interface {@code leavingIndex} as already deleted (0 / null: none).
     */
    private Map<String, GatewayRouteFailover.Link> memberLinks(int leavingIndex, InetAddress leaving)
            throws IOException {
        Map<Integer, Boolean> up = new HashMap<>();
        for (ipmpd.linux.LinkInfo l : rt.dumpLinks()) {
            up.put(l.index(), l.isUp());
        }
        Set<Integer> withIpv4 = new HashSet<>();
        for (AddrInfo i : rt.dumpAddresses(LibC.AF_INET)) {
            if (i.index() != leavingIndex || !plain(i.address()).equals(leaving)) {
                withIpv4.add(i.index());
            }
        }
        Map<String, GatewayRouteFailover.Link> links = new LinkedHashMap<>();
        memberIndexes().forEach((name, index) -> {
            if (up.containsKey(index)) {
                links.put(name, new GatewayRouteFailover.Link(index, up.get(index), withIpv4.contains(index)));
            }
        });
        return links;
    }

    /** Deletes the address from interface {@code index}; false (logged) when the kernel refused. */
    private boolean deleteFromKernel(int index, AddressPlacement p) {
        InetAddress a = plain(p.address());
        try {
            rt.deleteAddress(AddrInfo.of(index, a, p.prefixLen()));
        } catch (NativeIOException e) {
            if (e.errno() != Errno.EADDRNOTAVAIL && e.errno() != Errno.ENODEV) {
                report("remove " + a.getHostAddress(), "Cannot remove " + ipmpd.engine.Addresses.format(a) + " from "
                        + p.logicalName() + ": " + e.getMessage() + " (retried)");
                return false;
            }
        } catch (IOException e) {
            report("remove " + a.getHostAddress(), "Cannot remove " + ipmpd.engine.Addresses.format(a) + " from " + p.logicalName()
                    + ": " + e.getMessage() + " (retried)");
            return false;
        }
        return true;
    }

    private void want(AddressPlacement p) {
        InetAddress a = plain(p.address());
        wanted.put(a, p);
        AddressPlacement refused = unwanted.get(a);
        if (refused != null && refused.ifname().equals(p.ifname())) {
            unwanted.remove(a);
        }
    }

    private void unwant(AddressPlacement p) {
        InetAddress a = plain(p.address());
        AddressPlacement w = wanted.get(a);
        if (w != null && w.ifname().equals(p.ifname())) {
            wanted.remove(a);
        }
    }

    // ================================================================ convergence

    private void scheduleConverge() {
        if (closed) {
            return;
        }
        engineThread.accept(() -> {
            if (!convergePending && !closed) {
                convergePending = true;
                try {
                    converge();
                } finally {
                    convergePending = false;
                }
            }
        });
    }

    /**
     * Makes the kernel hold what the engine asked for, as in.mpathd re-applies its invariants: an
     * address the kernel refused or lost (deleted behind the daemon's back) is added again and
     * announced, a removal the kernel refused is retried, and our rules and member tables are
     * rewritten where they differ. Runs on the engine thread every {@code convergeMs}.
     */
    void converge() {
        for (String name : ipmpInterfaces.keySet()) {
            ipmpDevices.ensure(name, true); // its addresses are restored below
        }
        syncMirrors(); // a device made again has a new index
        Set<String> present = new HashSet<>();
        Set<Integer> withIpv4 = new HashSet<>();
        try {
            for (AddrInfo i : rt.dumpAddresses()) {
                present.add(i.index() + " " + plain(i.address()).getHostAddress());
                if (i.family() == LibC.AF_INET) {
                    withIpv4.add(i.index());
                }
            }
        } catch (IOException e) {
            report("converge", "Cannot read the kernel's addresses: " + e.getMessage());
            return;
        }
        for (AddressPlacement p : new ArrayList<>(wanted.values())) {
            int index;
            try {
                index = ifindex(p.ifname());
            } catch (NativeIOException e) {
                continue; // the NIC is gone: nothing to hold
            }
            InetAddress a = plain(p.address());
            if (present.contains(index + " " + a.getHostAddress())) {
                continue;
            }
            AddressPlacement before = placed.get(a);
            boolean moving = before != null && !before.ifname().equals(p.ifname());
            if (addToKernel(p, moving || p.family() == Family.INET6)) {
                log.accept("Restored " + ipmpd.engine.Addresses.format(a) + "/" + p.prefixLen() + " on " + p.logicalName()
                        + ": the kernel did not hold it");
                reported.remove("add " + a.getHostAddress());
                place(p);
                if (!p.testAddress()) {
                    announce(p);
                }
            }
        }
        for (AddressPlacement p : new ArrayList<>(unwanted.values())) {
            InetAddress a = plain(p.address());
            int index;
            try {
                index = ifindex(p.ifname());
            } catch (NativeIOException e) {
                unwanted.remove(a);
                continue;
            }
            if (!present.contains(index + " " + a.getHostAddress()) || deleteFromKernel(index, p)) {
                unwanted.remove(a);
                reported.remove("remove " + a.getHostAddress());
            }
        }
        if (!ipmpInterfaces.isEmpty()) {
            syncProxies();
        }
        if (!members.isEmpty()) {
            // Routes the kernel dropped with a member's addresses are put back (a link set down
            // is an event of its own, and main-table work follows it).
            if (gatewayRoutes.needsLook(withIpv4)) {
                scheduleMainWork();
            }
            steering.syncRules(wantedRules(), wantedFlowRules());
            // Member tables are many dumps on a large host (two per member): each round reads a
            // slice of them in turn, so that a round never holds the engine thread for long (all
            // 256 tables at once took it for about half a second, delaying failovers and traps).
            List<SourceSteering.Member> all = topology();
            if (!all.isEmpty()) {
                int from = (int) (verifiedTables++ % all.size());
                List<SourceSteering.Member> slice = new ArrayList<>();
                for (int i = 0; i < Math.min(TABLES_VERIFIED_PER_ROUND, all.size()); i++) {
                    slice.add(all.get((from + i) % all.size()));
                }
                verifiedTables += slice.size() - 1;
                syncTables(true, slice);
            }
        }
    }

    /**
     * ifconfig IF up: on Linux the link itself must be up for any of its addresses to work, so a
     * link held administratively down (ip link set IF down, or never set up at boot) is set up,
     * as ifconfig's IFF_UP would on Solaris. Carrier then decides whether the member is repaired.
     */
    @Override
    public void interfaceUp(String ifname) {
        try {
            int index = ifindex(ifname);
            java.util.Optional<ipmpd.linux.LinkInfo> link = rt.getLink(index);
            if (link.isEmpty() || link.get().isUp()) {
                return;
            }
            rt.setLinkUp(index, true);
            log.accept("Link " + ifname + " was administratively down: set up (ifconfig " + ifname + " up)");
        } catch (IOException e) {
            log.accept("Cannot set link " + ifname + " up (ifconfig " + ifname + " up): " + e.getMessage());
        }
    }

    // ================================================================ announcements

    /**
     * Announces an address from the member that answers for it: the member holding it, or for a
     * data address of an IPMP interface the member bound to it (none while unbound).
     */
    private void announce(AddressPlacement p) {
        InetAddress a = plain(p.address());
        cancelAnnouncements(a);
        String from = ipmpInterfaces.containsKey(p.ifname()) ? boundMember(p) : p.ifname();
        Announcer announcer = from == null ? null : announcer(from);
        if (announcer == null) {
            return;
        }
        List<ScheduledFuture<?>> later = new ArrayList<>();
        for (long delay : options.announceDelaysMs()) {
            if (delay <= 0) {
                sendAnnouncement(announcer, a, from);
            } else if (!closed) {
                later.add(timer.schedule(() -> sendAnnouncement(announcer, a, from), delay, TimeUnit.MILLISECONDS));
            }
        }
        if (!later.isEmpty()) {
            pendingAnnouncements.put(a, later);
        }
    }

    private void cancelAnnouncements(InetAddress a) {
        List<ScheduledFuture<?>> l = pendingAnnouncements.remove(a);
        if (l != null) {
            l.forEach(f -> f.cancel(false));
        }
    }

    private void sendAnnouncement(Announcer announcer, InetAddress a, String ifname) {
        try {
            announcer.announce(a);
        } catch (IOException | RuntimeException e) {
            log.accept("Cannot announce " + a.getHostAddress() + " on " + ifname + ": " + e.getMessage());
        }
    }

    /** The announcer of a member, reopened if the interface was re-created under the same name. */
    private Announcer announcer(String ifname) {
        try {
            int index = ifindex(ifname);
            Announcer a = announcers.get(ifname);
            if (a != null && a.interfaceIndex() == index) {
                return a;
            }
            if (a != null) {
                a.close();
            }
            a = Announcer.open(ifname);
            announcers.put(ifname, a);
            return a;
        } catch (IOException e) {
            report("announcer " + ifname, "Cannot announce addresses on " + ifname + ": " + e.getMessage());
            return null;
        }
    }

    // ================================================================ probes

    @Override
    public void sendProbe(String ifname, Family family, InetAddress source, InetAddress target, int sequence) {
        send(ifname, family, source, target, sequence & 0xffff);
    }

    /**
     * Echo to all hosts with sequence 0, which the engine never uses for probes: {@link LinuxEvents}
     * reports replies carrying it as discovery replies.
     */
    @Override
    public void sendDiscovery(String ifname, Family family, InetAddress source) {
        send(ifname, family, source, family == Family.INET ? ALL_HOSTS_V4 : ALL_NODES_V6, DISCOVERY_SEQ);
    }

    static final int DISCOVERY_SEQ = 0;
    private static final InetAddress ALL_HOSTS_V4 = literal(new byte[] {(byte) 224, 0, 0, 1});
    private static final InetAddress ALL_NODES_V6 = literal(
            new byte[] {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});

    private void send(String ifname, Family family, InetAddress source, InetAddress target, int seq) {
        if (linksDown.contains(ifname)) {
            // Lost anyway; and a probe sent now would wait in the ARP/ND queue of the flushed
            // neighbour entry and leave when the link returns, carrying a bogus RTT of seconds.
            return;
        }
        ProbeEndpoint ep = endpoint(ifname, family, source);
        if (ep == null) {
            return;
        }
        try {
            ep.socket.send(target, seq);
            if (ep.lastError != null) {
                log.accept("Probes on " + ifname + " (" + family.keyword + ") are sent again");
                ep.lastError = null;
            }
        } catch (IOException | RuntimeException e) {
            String text = e.getMessage();
            if (!text.equals(ep.lastError)) {
                log.accept("Cannot send probe on " + ifname + " (" + family.keyword + "): " + text);
                ep.lastError = text;
            }
            if (e instanceof NativeIOException n && (n.errno() == Errno.ENODEV || n.errno() == 6 /* ENXIO */)) {
                retire(key(ifname, family));
            }
        }
    }

    private static String key(String ifname, Family family) {
        return ifname + "/" + family.keyword;
    }

    /** The probe socket for (member, family, test address), opened on first use. */
    private ProbeEndpoint endpoint(String ifname, Family family, InetAddress source) {
        String key = key(ifname, family);
        ProbeEndpoint ep = probes.get(key);
        if (ep != null && ep.engineSource.equals(source)) {
            return ep;
        }
        if (ep != null) {
            retire(key);
        }
        try {
            int index = Interfaces.index(ifname);
            InetAddress bind = source;
            if (family == Family.INET6 && source.isLinkLocalAddress()) {
                bind = kernelLinkLocal(index);
                if (bind == null) {
                    report("probe " + key, "Cannot probe on " + ifname + " (inet6): no usable link-local address yet");
                    return null;
                }
            }
            IcmpProbeSocket s = IcmpProbeSocket.open(ifname, bind, (pid ^ index) & 0xffff);
            ep = new ProbeEndpoint(ifname, family, source, s);
            probes.put(key, ep);
            probesVersion.incrementAndGet();
            if (family == Family.INET6 && bind.isLinkLocalAddress()) {
                // Without a rule, a probe from the link-local address to an on-link global target
                // (a router named by a route) finds no route through this member: ENETUNREACH.
                InetAddress ll = plain(bind);
                InetAddress old = linkLocalSources.put(ifname, ll);
                if (old != null && !old.equals(ll)) {
                    steering.steer(old, null);
                }
                steering.steer(ll, tableFor(ifname));
            }
            reported.remove("probe " + key);
            return ep;
        } catch (IOException e) {
            report("probe " + key, "Cannot open probe socket on " + ifname + " (" + family.keyword + "): "
                    + e.getMessage());
            return null;
        }
    }

    /** The kernel's non-tentative link-local address on an interface, with its scope id. */
    private InetAddress kernelLinkLocal(int index) throws IOException {
        for (AddrInfo a : rt.dumpAddresses(LibC.AF_INET6)) {
            if (a.index() == index && a.isLinkLocal() && !a.isTentative()
                    && (a.flags() & Rtnl.IFA_F_DADFAILED) == 0) {
                return Inet6Address.getByAddress(null, a.address().getAddress(), index);
            }
        }
        return null;
    }

    private void retire(String key) {
        ProbeEndpoint ep = probes.remove(key);
        probesVersion.incrementAndGet();
        if (ep == null) {
            return;
        }
        if (readerAttached) {
            retired.add(ep); // LinuxEvents closes it between two polls
        } else {
            ep.socket.close();
        }
    }

    // ---- for LinuxEvents (any thread)

    /** Changes whenever {@link #probeEndpoints()} may have (read it before the endpoints). */
    int probesVersion() {
        return probesVersion.get();
    }

    /** The probe sockets open now. */
    List<ProbeEndpoint> probeEndpoints() {
        return new ArrayList<>(probes.values());
    }

    /** From now on sockets are closed by the reader ({@link #closeRetired()}), never under its poll. */
    void attachReader() {
        readerAttached = true;
    }

    void detachReader() {
        readerAttached = false;
        closeRetired();
    }

    /** Closes sockets given up since the last call; on the reader's thread, between polls. */
    void closeRetired() {
        ProbeEndpoint ep;
        while ((ep = retired.poll()) != null) {
            ep.socket.close();
        }
    }

    /** Link state as {@link LinuxEvents} sees it (any thread): no probes leave a member whose link is down. */
    void linkState(String ifname, int index, boolean running) {
        indexByName.put(ifname, index);
        if (running) {
            linksDown.remove(ifname);
        } else {
            linksDown.add(ifname);
        }
    }

    /** From {@link LinuxEvents}: the interface is gone, or has another name now. */
    void linkGone(String ifname) {
        indexByName.remove(ifname);
        // The kernel dropped its addresses with it; the engine places them again on its return.
        engineThread.accept(() -> {
            wanted.values().removeIf(p -> p.ifname().equals(ifname));
            unwanted.values().removeIf(p -> p.ifname().equals(ifname));
        });
    }

    /** The interface's index: as link messages last showed it, else asked of the kernel. */
    private int ifindex(String ifname) throws NativeIOException {
        Integer known = indexByName.get(ifname);
        return known != null ? known : Interfaces.index(ifname);
    }

    /** Names of the current group members (whose links {@link LinuxEvents} polls). */
    Set<String> memberNames() {
        return memberNames;
    }

    // ================================================================ members and steering

    /**
     * The member whose main-table prefix route serves a data address of an IPMP interface: the
     * member bound to it if usable, else the first usable member of its group, else its first.
     */
    private String prefixMember(AddressPlacement p) {
        String bound = boundMember(p);
        if (bound != null && !unusable.contains(bound)) {
            return bound;
        }
        String group = ipmpInterfaces.get(p.ifname());
        String first = null;
        for (Map.Entry<String, String> m : members.entrySet()) {
            if (m.getValue().equals(group)) {
                if (!unusable.contains(m.getKey())) {
                    return m.getKey();
                }
                first = first == null ? m.getKey() : first;
            }
        }
        return first;
    }

    // ================================================================ IPMP interfaces (new IPMP)

    /**
     * Creates the device of the IPMP interface ({@link IpmpDevices}) and tunes the group's members
     * for binding: its data addresses arrive through {@link #addAddress} with its name, and each
     * is answered by the member {@link #bindInbound} names.
     */
    @Override
    public void ipmpInterfaceCreated(String name, String group) {
        if (members.containsKey(name)) {
            log.accept("Cannot create IPMP interface " + name + ": " + name + " is a member of group "
                    + members.get(name));
            return;
        }
        for (Map.Entry<String, String> i : ipmpInterfaces.entrySet()) {
            if (i.getValue().equals(group) && !i.getKey().equals(name)) {
                log.accept("Cannot create IPMP interface " + name + ": group " + group + " has IPMP interface "
                        + i.getKey());
                return;
            }
        }
        String foreign = ipmpDevices.foreignKind(name);
        if (foreign != null) {
            log.accept("Cannot create IPMP interface " + name + ": a device of kind " + foreign + " has that name");
            return;
        }
        // Known before the device exists: its link events are never reported as a NIC's.
        ipmpDeviceNames.add(name);
        indexByName.remove(name);
        ipmpInterfaces.put(name, group);
        ipmpDevices.ensure(name, false);
        for (Map.Entry<String, String> m : members.entrySet()) {
            if (m.getValue().equals(group)) {
                tune(m.getKey(), group);
            }
        }
        scheduleMirrors();
    }

    /** Deletes the device of the IPMP interface; its members answer only for their own addresses again. */
    @Override
    public void ipmpInterfaceRemoved(String name) {
        String group = ipmpInterfaces.get(name);
        if (group == null) {
            return;
        }
        for (AddressPlacement p : new ArrayList<>(placed.values())) {
            if (p.ifname().equals(name)) {
                removeAddress(p); // the engine removes them first; a leftover goes with the device
            }
        }
        ipmpInterfaces.remove(name);
        inbound.remove(name);
        ipmpDevices.delete(name);
        ipmpDeviceNames.remove(name);
        indexByName.remove(name);
        for (Map.Entry<String, String> m : members.entrySet()) {
            if (m.getValue().equals(group)) {
                tune(m.getKey(), group);
            }
        }
        syncMirrors(); // now: the filters must not outlive the device they mirror to
    }

    private void scheduleMirrors() {
        if (mirrorsPending || closed) {
            return;
        }
        mirrorsPending = true;
        engineThread.accept(() -> {
            mirrorsPending = false;
            if (!closed) {
                syncMirrors();
            }
        });
    }

    /**
     * Every member of a group with an IPMP interface mirrors the traffic of the interface's data
     * addresses to its device, so capture on it shows them ({@link CaptureMirrors}).
     */
    private void syncMirrors() {
        Map<Integer, CaptureMirrors.Mirror> want = new HashMap<>();
        for (Map.Entry<String, String> i : ipmpInterfaces.entrySet()) {
            Set<InetAddress> data = new HashSet<>();
            for (Map.Entry<InetAddress, AddressPlacement> e : placed.entrySet()) {
                if (e.getValue().ifname().equals(i.getKey()) && !e.getValue().testAddress()) {
                    data.add(e.getKey());
                }
            }
            if (data.isEmpty()) {
                continue;
            }
            int device;
            try {
                device = Interfaces.index(i.getKey());
            } catch (NativeIOException e) {
                continue; // no device (yet): convergence makes it and comes back here
            }
            for (Map.Entry<String, String> m : members.entrySet()) {
                if (m.getValue().equals(i.getValue())) {
                    try {
                        want.put(ifindex(m.getKey()), new CaptureMirrors.Mirror(device, Set.copyOf(data)));
                    } catch (NativeIOException e) {
                        // the member's link is gone
                    }
                }
            }
        }
        captureMirrors.sync(want);
    }

    /**
     * Binds a data address of an IPMP interface to the member that answers ARP / NS for it:
     * the new rule (IPv4, through arp_filter) or proxy entry (IPv6) first, then the old one goes,
     * then the new member announces the address (repeated as after a classic move). A null member
     * unbinds: no member answers. The address itself never leaves the IPMP interface's device.
     */
    @Override
    public void bindInbound(String ipmpInterface, InetAddress address, String member) {
        InetAddress a = plain(address);
        String what = ipmpd.engine.Addresses.format(a) + " of IPMP interface " + ipmpInterface;
        String group = ipmpInterfaces.get(ipmpInterface);
        if (group == null) {
            log.accept("Cannot bind " + what + ": not an IPMP interface");
            return;
        }
        if (member != null && !group.equals(members.get(member))) {
            log.accept("Cannot bind " + what + " to " + member + ": not a member of group " + group);
            return;
        }
        Map<InetAddress, String> bindings = inbound.computeIfAbsent(ipmpInterface, x -> new HashMap<>());
        String before = member == null ? bindings.remove(a) : bindings.put(a, member);
        if (java.util.Objects.equals(before, member)) {
            return;
        }
        AddressPlacement p = placed.get(a);
        if (p == null || !p.ifname().equals(ipmpInterface)) {
            return; // applied when the address is placed
        }
        steer(a);
        if (p.family() == Family.INET6) {
            proxyBindings.bind(a, boundIndex(p));
        }
        if (member != null) {
            announce(p);
        } else {
            cancelAnnouncements(a);
        }
        scheduleSpread(group); // derived outbound members follow the bindings
        scheduleMainWork(); // the prefix route follows the bound member
    }

    /** Proxy entries of the IPMP interfaces' IPv6 data addresses as bound (convergence); the ones deleted. */
    private List<ipmpd.linux.ProxyNeighbour> syncProxies() {
        Map<InetAddress, Integer> want = new HashMap<>();
        Set<InetAddress> ours = new HashSet<>();
        for (Map.Entry<InetAddress, AddressPlacement> e : placed.entrySet()) {
            AddressPlacement p = e.getValue();
            if (p.family() == Family.INET6 && ipmpInterfaces.containsKey(p.ifname())) {
                ours.add(e.getKey());
                Integer i = boundIndex(p);
                if (i != null) {
                    want.put(e.getKey(), i);
                }
            }
        }
        return proxyBindings.sync(want, ours);
    }

    /** Whether {@code name} is the device of an IPMP interface (for {@link LinuxEvents}; any thread). */
    boolean isIpmpDevice(String name) {
        return ipmpDeviceNames.contains(name);
    }

    /** The member sysctls for the kind of group: with an IPMP interface or classic. */
    private void tune(String ifname, String group) {
        try {
            boolean newIpmp = ipmpInterfaces.containsValue(group);
            if (newIpmp) {
                arpSources.ensure(ifname);
            } else {
                arpSources.remove(ifname);
            }
            List<MemberSysctls.Change> changes = newIpmp ? sysctls.applyNewIpmp(ifname) : sysctls.applyClassic(ifname);
            for (MemberSysctls.Change c : changes) {
                log.accept(c.toString());
            }
        } catch (IOException | RuntimeException e) {
            log.accept("Cannot tune " + ifname + " for failover: " + e.getMessage());
        }
    }

    // ================================================================ members

    @Override
    public void memberJoined(String ifname, String group) {
        tune(ifname, group);
        try {
            if (options.spreadOutbound()) {
                for (MemberSysctls.Change c : sysctls.applyHostWide()) {
                    log.accept(c.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            log.accept("Cannot tune " + ifname + " for failover: " + e.getMessage());
        }
        warnAboutMemberLinks(ifname, group);
        members.put(ifname, group);
        memberNames.add(ifname);
        announcer(ifname); // opened now, not in the middle of the first failover
        scheduleMirrors();
        scheduleSync(true);
        scheduleMainWork();
    }

    /**
     * VLAN-like members (seeds 002/003): a second member on the same physical link, or a VLAN of
     * another ID, gives the group no redundancy ({@link MemberLinkCheck}). Said once when it joins.
     */
    private void warnAboutMemberLinks(String ifname, String group) {
        java.util.Optional<ipmpd.linux.LinkInfo> mine = link(ifname);
        if (mine.isEmpty()) {
            return;
        }
        Map<String, ipmpd.linux.LinkInfo> others = new java.util.TreeMap<>();
        for (Map.Entry<String, String> m : members.entrySet()) {
            if (group.equals(m.getValue()) && !m.getKey().equals(ifname)) {
                link(m.getKey()).ifPresent(l -> others.put(m.getKey(), l));
            }
        }
        MemberLinkCheck.warnings(mine.get(), group, others, LinuxPlatform::linkName).forEach(log);
    }

    private java.util.Optional<ipmpd.linux.LinkInfo> link(String ifname) {
        try {
            return rt.getLink(ifindex(ifname));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static String linkName(int index) {
        try {
            return Interfaces.name(index);
        } catch (NativeIOException e) {
            return "index " + index;
        }
    }

    @Override
    public void memberLeft(String ifname) {
        arpSources.remove(ifname);
        String group = members.remove(ifname);
        memberNames.remove(ifname);
        unusable.remove(ifname);
        syncMirrors(); // now: a member that left is the user's again
        if (group != null && members.containsValue(group)) {
            scheduleSpread(group);
        }
        try {
            steering.flushTable(steering.tableOf(Interfaces.index(ifname)));
        } catch (NativeIOException e) {
            // gone: the kernel dropped its routes
        }
        scheduleSync(true);
        scheduleMainWork();
    }

    @Override
    public void usabilityChanged(String ifname, boolean usable) {
        // Source steering follows the placement of each address (its rule points at the table of
        // the member hosting it), so the engine's moves carry the data addresses' traffic away.
        // What remains is traffic without a source yet: gateway routes leave an unusable member.
        boolean changed = usable ? unusable.remove(ifname) : unusable.add(ifname);
        if (changed && members.containsKey(ifname)) {
            // Off (or back into) the group's outbound spreading right after this engine task:
            // the moves and announcements of a failover come first. A member set down lost its
            // next hops in the kernel: the table is read again then.
            String group = members.get(ifname);
            if (options.spreadOutbound() && spreadNumbers.containsKey(group)) {
                spreadTables.forget(steering.spreadTableOf(spreadNumbers.get(group)));
            }
            scheduleSpread(group);
            scheduleMainWork();
            // An interface set down loses its routes in every table: its member table is read
            // again (after the current task) instead of being taken for what was written to it.
            Integer table = tableFor(ifname);
            if (table != null) {
                steering.forgetTable(table);
                scheduleSync(false);
            }
        }
    }

    /**
     * Main-table work (prefix routes of data addresses, gateway routes off unusable members) runs
     * after the current engine task: the engine reports a failure before it moves the addresses,
     * and the moves must not wait for routes that only serve traffic without a source yet.
     */
    private void scheduleMainWork() {
        if (mainWorkPending || closed) {
            return;
        }
        mainWorkPending = true;
        engineThread.accept(() -> {
            mainWorkPending = false;
            if (!closed) {
                mainWork();
            }
        });
    }

    private void mainWork() {
        if (members.isEmpty()) {
            return;
        }
        mainWorkNow();
    }

    private void mainWorkNow() {
        {
            try {
                mainRoutes = rt.dumpRoutes();
            } catch (IOException e) {
                report("dump main", "Cannot read the main routing table: " + e.getMessage());
                return;
            }
        }
        Map<String, Integer> index = memberIndexes();
        List<PrefixRoutes.Wanted> data = new ArrayList<>();
        // One member per prefix of an IPMP interface: the kernel refuses a second route of the same
        // prefix and metric through another member.
        Map<SourceSteering.Prefix, String> prefixVia = new HashMap<>();
        for (AddressPlacement p : placed.values()) {
            if (p.testAddress()) {
                continue;
            }
            if (ipmpInterfaces.containsKey(p.ifname())) {
                // The device has none (noprefixroute): the prefix goes through a member, both families.
                String via = prefixVia.computeIfAbsent(SourceSteering.Prefix.of(p.address(), p.prefixLen()),
                        x -> prefixMember(p));
                Integer i = via == null ? null : index.get(via);
                if (i != null) {
                    data.add(new PrefixRoutes.Wanted(i, plain(p.address()), p.prefixLen()));
                }
                continue;
            }
            Integer i = index.get(p.ifname());
            if (i != null && p.family() == Family.INET) {
                data.add(new PrefixRoutes.Wanted(i, plain(p.address()), p.prefixLen()));
            }
        }
        if (prefixRoutes.update(mainRoutes, data)) {
            try {
                mainRoutes = rt.dumpRoutes();
            } catch (IOException e) {
                report("dump main", "Cannot read the main routing table: " + e.getMessage());
                return;
            }
        }
        try {
            gatewayRoutes.update(mainRoutes, memberLinks(0, null), members, unusable);
        } catch (IOException e) {
            report("dump links", "Cannot read the links and addresses for the main table's routes: " + e.getMessage());
        }
    }

    /**
     * Start-up, once the engine has applied the boot configuration (engine thread): removes every
     * address an earlier run of ipmpd placed (IFA_PROTO {@link #ADDRESS_PROTO}) that the engine
     * does not hold there now: what a crash left of a configuration the files no longer hold
     * (a confirmed commit rolled back at the start, a commit lost before its commit point). Then
     * the prefix routes ipmpd placed follow the addresses. Addresses added by hand carry no mark
     * and are never touched; the policy rules were swept at construction and follow placements.
     *
     * @return the addresses removed, as "ADDRESS/PREFIX on IF" (each also logged)
     */
    public List<String> removeOrphans() {
        List<String> removed = new ArrayList<>();
        List<AddrInfo> all;
        try {
            all = rt.dumpAddresses();
        } catch (IOException e) {
            log.accept("Cannot read the addresses to remove those of an earlier run: " + e.getMessage());
            return removed;
        }
        for (AddrInfo a : all) {
            if (a.proto() != ADDRESS_PROTO || arpSources.holds(a.index(), plain(a.address()))) {
                continue;
            }
            AddressPlacement p = placed.get(plain(a.address()));
            Integer where = p == null ? null : indexOf(p.ifname());
            if (where != null && where == a.index()) {
                continue;
            }
            String ifname;
            try {
                ifname = Interfaces.name(a.index());
            } catch (NativeIOException e) {
                ifname = "ifindex " + a.index();
            }
            String what = a.address().getHostAddress() + "/" + a.prefixLen() + " on " + ifname;
            try {
                rt.deleteAddress(AddrInfo.of(a.index(), a.address(), a.prefixLen()));
                removed.add(what);
                log.accept("Removed " + what + ": placed by an earlier run of ipmpd, not in the configuration now");
            } catch (IOException e) {
                log.accept("Cannot remove " + what + " (placed by an earlier run): " + e.getMessage());
            }
        }
        // IPMP interface devices of an earlier run that the configuration no longer has, and the
        // proxy entries it made that no binding wants now.
        removed.addAll(ipmpDevices.removeOrphans(ipmpInterfaces.keySet()));
        for (ipmpd.linux.ProxyNeighbour p : syncProxies()) {
            String what = "proxy " + ipmpd.engine.Addresses.format(p.address()) + " on ifindex " + p.index();
            removed.add(what);
            log.accept("Removed " + what + ": made by an earlier run of ipmpd, not bound now");
        }
        mainWorkNow(); // prefix routes of an earlier run go with their addresses
        return removed;
    }

    private Integer indexOf(String ifname) {
        Integer i = indexByName.get(ifname);
        if (i != null) {
            return i;
        }
        try {
            return Interfaces.index(ifname);
        } catch (NativeIOException e) {
            return null;
        }
    }

    /**
     * The main routing table changed (from {@link LinuxEvents}, on the engine thread): member
     * tables follow it.
     */
    public void mainRoutesChanged(List<RouteInfo> main) {
        mainRoutes = List.copyOf(main);
        scheduleSync(false);
        // The list may predate our own last changes: main-table work reads the table afresh.
        scheduleMainWork();
    }

    /**
     * Member tables (and, with {@code full}, rules) are made to match after the current engine
     * task: a configuration that adds many members at once (the boot of a large host) then costs
     * one synchronisation instead of one per member.
     */
    private void scheduleSync(boolean full) {
        if (closed) {
            return;
        }
        boolean queued = syncPending;
        syncPending = true;
        fullSyncPending |= full;
        if (queued) {
            return;
        }
        engineThread.accept(() -> {
            boolean fresh = fullSyncPending;
            syncPending = false;
            fullSyncPending = false;
            if (closed) {
                return;
            }
            if (fresh) {
                syncAll();
            } else {
                syncTables(false, topology());
                syncAllSpread(false);
            }
        });
    }

    /** Re-reads the main table and every member table, then makes member tables and rules match. */
    private void syncAll() {
        syncTables(true, topology());
        syncAllSpread(true);
        steering.syncRules(wantedRules(), wantedFlowRules());
    }

    /** The tables of one group's members (from what was last written to them). */
    private void syncGroupTables(String group) {
        List<SourceSteering.Member> mine = new ArrayList<>();
        Map<Integer, String> byIndex = new HashMap<>();
        memberIndexes().forEach((name, index) -> byIndex.put(index, name));
        for (SourceSteering.Member m : topology()) {
            if (group.equals(members.get(byIndex.get(m.ifindex())))) {
                mine.add(m);
            }
        }
        syncTables(false, mine);
        if (options.spreadOutbound()) {
            syncSpread(group, outbound(group), false);
        }
    }

    private void syncTables(boolean fresh, List<SourceSteering.Member> which) {
        if (members.isEmpty()) {
            return;
        }
        if (fresh || mainRoutes == null) {
            try {
                mainRoutes = rt.dumpRoutes();
            } catch (IOException e) {
                report("dump main", "Cannot read the main routing table: " + e.getMessage());
                if (mainRoutes == null) {
                    return;
                }
            }
        }
        steering.syncTables(which, mainRoutes, fresh);
    }

    private Map<String, Integer> memberIndexes() {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (String m : members.keySet()) {
            try {
                index.put(m, ifindex(m));
            } catch (NativeIOException e) {
                // absent NIC
            }
        }
        return index;
    }

    /** Each member with its group's ifindexes and the prefixes placed on the group. */
    private List<SourceSteering.Member> topology() {
        Map<String, Integer> index = memberIndexes();
        // One pass over members and one over placed addresses (not one per member: 256 members).
        Map<String, Set<Integer>> peers = new HashMap<>();
        for (Map.Entry<String, Integer> m : index.entrySet()) {
            peers.computeIfAbsent(members.get(m.getKey()), g -> new LinkedHashSet<>()).add(m.getValue());
        }
        Map<String, Set<SourceSteering.Prefix>> prefixes = new HashMap<>();
        for (AddressPlacement p : placed.values()) {
            String group = groupOf(p);
            if (group != null) {
                prefixes.computeIfAbsent(group, g -> new LinkedHashSet<>())
                        .add(SourceSteering.Prefix.of(p.address(), p.prefixLen()));
            }
        }
        List<SourceSteering.Member> out = new ArrayList<>();
        for (Map.Entry<String, Integer> m : index.entrySet()) {
            String group = members.get(m.getKey());
            out.add(new SourceSteering.Member(m.getValue(), peers.get(group), prefixes.getOrDefault(group, Set.of())));
        }
        return out;
    }

    private Map<InetAddress, Integer> wantedRules() {
        Map<InetAddress, Integer> want = new HashMap<>();
        for (Map.Entry<InetAddress, AddressPlacement> e : placed.entrySet()) {
            Integer t = ruleTable(e.getValue());
            if (t != null) {
                want.put(e.getKey(), t);
            }
        }
        for (Map.Entry<String, InetAddress> e : linkLocalSources.entrySet()) {
            Integer t = tableFor(e.getKey());
            if (t != null) {
                want.put(e.getValue(), t);
            }
        }
        return want;
    }

    /** The flow rules wanted: data addresses of IPMP interfaces whose group spreads (address -> spread table). */
    private Map<InetAddress, Integer> wantedFlowRules() {
        Map<InetAddress, Integer> want = new HashMap<>();
        for (Map.Entry<InetAddress, AddressPlacement> e : placed.entrySet()) {
            Integer t = flowTable(e.getValue());
            if (t != null) {
                want.put(e.getKey(), t);
            }
        }
        return want;
    }

    private Integer tableFor(String ifname) {
        if (ifname == null || !members.containsKey(ifname)) {
            return null;
        }
        try {
            return steering.tableOf(ifindex(ifname));
        } catch (NativeIOException e) {
            return null;
        }
    }

    private void steer(InetAddress a) {
        AddressPlacement p = placed.get(a);
        steering.steer(a, p == null ? null : ruleTable(p));
        steering.steerFlows(a, p == null ? null : flowTable(p));
    }

    /**
     * The table an address's rule points at: a data address of an IPMP interface uses the table
     * of the member bound to it (the kernel's arp_filter lookup finds it, so that member alone
     * answers ARP), another data address of a group with outbound members the group's spread
     * table, anything else the table of the member holding it.
     */
    private Integer ruleTable(AddressPlacement p) {
        if (ipmpInterfaces.containsKey(p.ifname())) {
            return tableFor(boundMember(p));
        }
        Integer own = tableFor(p.ifname());
        if (own == null || p.testAddress()) {
            return own;
        }
        return spreadTable(members.get(p.ifname()), own);
    }

    /** The group's spread table while it has outbound members written, else {@code otherwise}. */
    private Integer spreadTable(String group, Integer otherwise) {
        List<Integer> written = spreadWritten.get(group);
        return written == null || written.isEmpty() ? otherwise : Integer.valueOf(steering.spreadTableOf(spreadNumber(group)));
    }

    /**
     * The table of the flow rules (TCP, UDP, ICMP) of an address: for a data address of an IPMP
     * interface, its group's spread table while it spreads; null (no flow rules) otherwise.
     */
    private Integer flowTable(AddressPlacement p) {
        String group = ipmpInterfaces.get(p.ifname());
        return group == null || p.testAddress() ? null : spreadTable(group, null);
    }

    /** The member bound to a data address of an IPMP interface, null if unbound (or not on one). */
    private String boundMember(AddressPlacement p) {
        Map<InetAddress, String> bindings = inbound.get(p.ifname());
        return bindings == null ? null : bindings.get(plain(p.address()));
    }

    /** The group of an address: its member's, or its IPMP interface's; null if neither. */
    private String groupOf(AddressPlacement p) {
        String group = members.get(p.ifname());
        return group != null ? group : ipmpInterfaces.get(p.ifname());
    }

    /** The ifindex of the member bound to a data address of an IPMP interface, null if unbound or absent. */
    private Integer boundIndex(AddressPlacement p) {
        String member = boundMember(p);
        if (member == null) {
            return null;
        }
        try {
            return ifindex(member);
        } catch (NativeIOException e) {
            return null;
        }
    }

    // ================================================================ outbound load spreading

    @Override
    public boolean spreadsOutbound() {
        return options.spreadOutbound();
    }

    @Override
    public void outboundMembersChanged(String group, List<String> outboundMembers) {
        engineOutbound.put(group, List.copyOf(outboundMembers));
        if (members.containsValue(group)) {
            scheduleSpread(group);
        }
    }

    @Override
    public void outboundMembersChanged(String group, Family family, List<String> familyMembers) {
        engineOutboundByFamily.computeIfAbsent(group, g -> new HashMap<>())
                .put(family == Family.INET ? LibC.AF_INET : LibC.AF_INET6, List.copyOf(familyMembers));
        if (members.containsValue(group)) {
            scheduleSpread(group);
        }
    }

    /**
     * Per family the engine named members for: those of {@code outbound} (ifindexes, in its
     * order) it named. A family it named none for is absent (spread over all of {@code outbound}).
     */
    Map<Integer, List<Integer>> outboundByFamily(String group, List<Integer> outbound) {
        Map<Integer, List<Integer>> out = new HashMap<>();
        Map<Integer, List<String>> told = engineOutboundByFamily.getOrDefault(group, Map.of());
        if (told.isEmpty()) {
            return out;
        }
        Map<String, Integer> indexes = memberIndexes();
        for (Map.Entry<Integer, List<String>> e : told.entrySet()) {
            Set<Integer> named = new HashSet<>();
            for (String name : e.getValue()) {
                Integer i = indexes.get(name);
                if (i != null) {
                    named.add(i);
                }
            }
            out.put(e.getKey(), outbound.stream().filter(named::contains).toList());
        }
        return out;
    }

    /**
     * The members (ifindexes, in join order) that carry a group's outbound data traffic: those
     * the engine named, else the usable members that hold a data address (an INACTIVE member,
     * standby or waiting for failback, holds none; a standby that took over holds some). Never
     * an unusable one.
     */
    List<Integer> outbound(String group) {
        List<String> told = engineOutbound.get(group);
        Set<String> hosting = new HashSet<>();
        if (told == null) {
            for (AddressPlacement p : placed.values()) {
                if (!p.testAddress()) {
                    // On an IPMP interface: the member answering for it stands for its host.
                    hosting.add(ipmpInterfaces.containsKey(p.ifname()) ? boundMember(p) : p.ifname());
                }
            }
        }
        List<Integer> out = new ArrayList<>();
        for (Map.Entry<String, String> m : members.entrySet()) {
            String name = m.getKey();
            if (!group.equals(m.getValue()) || unusable.contains(name)
                    || !(told != null ? told.contains(name) : hosting.contains(name))) {
                continue;
            }
            try {
                out.add(ifindex(name));
            } catch (NativeIOException e) {
                // absent NIC
            }
        }
        return out;
    }

    /** The outbound members (ifindexes) of a group, for diagnostics and tests. */
    public List<Integer> outboundIndexes(String group) {
        List<Integer> written = spreadWritten.get(group);
        return written == null ? List.of() : written;
    }

    /**
     * {@link #spreadChanged} for the group after the current engine task (once however often it
     * was asked): a failover's moves and announcements never wait for the spread table.
     */
    private void scheduleSpread(String group) {
        if (!options.spreadOutbound() || closed || !pendingSpread.add(group) || pendingSpread.size() > 1) {
            return;
        }
        engineThread.accept(() -> {
            List<String> groups = new ArrayList<>(pendingSpread);
            pendingSpread.clear();
            if (!closed) {
                for (String g : groups) {
                    if (members.containsValue(g)) {
                        spreadChanged(g);
                    }
                }
            }
        });
    }

    /**
     * The group's outbound members may have changed: if so its spread table follows at once and
     * its data addresses' rules are pointed where {@link #ruleTable} says.
     */
    private void spreadChanged(String group) {
        if (!options.spreadOutbound()) {
            return;
        }
        List<Integer> now = outbound(group);
        if (now.equals(spreadWritten.get(group))
                && outboundByFamily(group, now).equals(spreadWrittenByFamily.get(group))) {
            return;
        }
        syncSpread(group, now, false);
        steerData(group);
    }

    /** Points the rules of a group's data addresses where {@link #ruleTable} says. */
    private void steerData(String group) {
        for (Map.Entry<InetAddress, AddressPlacement> e : placed.entrySet()) {
            if (!e.getValue().testAddress() && group.equals(groupOf(e.getValue()))) {
                steer(e.getKey());
            }
        }
    }

    private int spreadNumber(String group) {
        return spreadNumbers.computeIfAbsent(group, g -> nextSpreadNumber++ % SourceSteering.TABLE_SPAN);
    }

    /** Writes a group's spread table for these outbound members (emptied when there are none). */
    private void syncSpread(String group, List<Integer> outbound, boolean verify) {
        int table = steering.spreadTableOf(spreadNumber(group));
        Map<Integer, List<Integer>> byFamily = outboundByFamily(group, outbound);
        if (outbound.isEmpty()) {
            spreadTables.sync(table, Map.of(), verify);
            spreadWritten.put(group, outbound);
            spreadWrittenByFamily.put(group, byFamily);
            return;
        }
        if (mainRoutes == null) {
            try {
                mainRoutes = rt.dumpRoutes();
            } catch (IOException e) {
                report("dump main", "Cannot read the main routing table: " + e.getMessage());
                return;
            }
        }
        Set<Integer> indexes = new LinkedHashSet<>();
        for (Map.Entry<String, Integer> m : memberIndexes().entrySet()) {
            if (group.equals(members.get(m.getKey()))) {
                indexes.add(m.getValue());
            }
        }
        Set<SourceSteering.Prefix> prefixes = new LinkedHashSet<>();
        for (AddressPlacement p : placed.values()) {
            if (group.equals(groupOf(p))) {
                prefixes.add(SourceSteering.Prefix.of(p.address(), p.prefixLen()));
            }
        }
        spreadTables.sync(table, SpreadTables.spreadTable(mainRoutes, indexes, outbound, byFamily, table, prefixes), verify);
        spreadWritten.put(group, outbound);
        spreadWrittenByFamily.put(group, byFamily);
    }

    /** Every group's spread table (after the main table or membership changed); gone groups' are emptied. */
    private void syncAllSpread(boolean verify) {
        if (!options.spreadOutbound()) {
            return;
        }
        Set<String> groups = new LinkedHashSet<>(members.values());
        for (String gone : new ArrayList<>(spreadNumbers.keySet())) {
            if (!groups.contains(gone)) {
                spreadTables.flush(steering.spreadTableOf(spreadNumbers.remove(gone)));
                spreadWritten.remove(gone);
                spreadWrittenByFamily.remove(gone);
            }
        }
        for (String group : groups) {
            List<Integer> before = spreadWritten.get(group);
            List<Integer> now = outbound(group);
            syncSpread(group, now, verify);
            if (!now.equals(before)) {
                steerData(group);
            }
        }
    }

    // ================================================================ misc

    private void report(String key, String text) {
        if (!text.equals(reported.put(key, text))) {
            log.accept(text);
        }
    }

    static InetAddress plain(InetAddress a) {
        if (a instanceof Inet6Address six && six.getScopeId() != 0) {
            return literal(a.getAddress());
        }
        return a;
    }

    private static InetAddress literal(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Removes our rules and member tables and closes every socket; call after LinuxEvents.close()
     * and once the engine thread no longer calls in. Addresses stay where they are (as with
     * in.mpathd), and so do the main-table routes that follow them (data prefix routes, moved
     * gateway routes): they match the addresses' current places.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        steering.removeAll(memberIndexes().values());
        arpSources.removeAll();
        captureMirrors.removeAll();
        spreadTables.close();
        announcers.values().forEach(Announcer::close);
        announcers.clear();
        for (String k : new ArrayList<>(probes.keySet())) {
            ProbeEndpoint ep = probes.remove(k);
            probesVersion.incrementAndGet();
            if (ep != null) {
                ep.socket.close();
            }
        }
        readerAttached = false;
        closeRetired();
        rt.close();
    }

    /** Whether the engine last said this member may carry data traffic (for diagnostics). */
    public boolean isUsable(String ifname) {
        return !unusable.contains(ifname);
    }
}
