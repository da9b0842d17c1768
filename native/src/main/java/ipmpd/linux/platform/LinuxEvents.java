package ipmpd.linux.platform;

import ipmpd.engine.Engine;
import ipmpd.engine.Route;
import ipmpd.linux.AddrInfo;
import ipmpd.linux.CarrierSync;
import ipmpd.linux.EchoReply;
import ipmpd.linux.LibC;
import ipmpd.linux.LinkInfo;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.Epoll;
import ipmpd.linux.Errno;
import ipmpd.linux.EthtoolLink;
import ipmpd.linux.EventFd;
import ipmpd.linux.RouteInfo;
import ipmpd.linux.RtEvent;
import ipmpd.linux.Rtnetlink;
import ipmpd.linux.RtnetlinkMonitor;
import ipmpd.linux.Rtnl;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What happens in the kernel, delivered to the engine: one thread owns an {@link RtnetlinkMonitor}
 * and polls it together with the platform's probe sockets: a thread of its own ({@link #start()}),
 * or the engine's thread, which then sleeps in {@link #step} ({@link #startWithoutThread()}).
 *
 * <ul>
 * <li>{@code nicAdded} for every multicast-capable, non-loopback link (from a dump at start, then
 *     as links appear), {@code nicRemoved}, and {@code linkChanged} with running =
 *     IFF_RUNNING and IFF_LOWER_UP. Besides listening, every {@code linkPollMs} the links of group
 *     members (all links with {@code pollAllLinks}) whose carrier changes linkwatch may hold back
 *     (by up to a second: devices whose iflink is their own index) are made to flush them: the
 *     driver's link report ({@link EthtoolLink}; for most drivers it flushes by itself), then,
 *     where it differs from the events or is missing, a read of their sysfs carrier file
 *     ({@link CarrierSync}), or RTM_GETLINK where sysfs shows another namespace. A flap seen only through IFLA_CARRIER_CHANGES is reported as down
 *     then up.
 * <li>{@code routesChanged} after main-table route events: the default routes and the host routes
 *     with a gateway; the platform is told the whole main table too ({@link LinuxPlatform#mainRoutesChanged}).
 *     Main is also read again after an IPv4 address is deleted and after a link is set down or
 *     goes: the kernel then drops routes through it without a route notification.
 * <li>{@code probeReply} with the kernel's receive stamp moved to the engine clock
 *     ({@code nanoTime() - (realtimeNow - kernelStamp)}); replies with sequence 0 answer the
 *     all-hosts discovery and become {@code discoveryReply}, except from this host's own addresses.
 * <li>ENOBUFS on the monitor: links, addresses and routes are dumped again and compared.
 * </ul>
 * Every delivery goes through {@code engineThread}, in order. Nothing it does not understand stops
 * it: such messages are skipped, and an unexpected failure is logged and followed by a re-dump.
 */
public final class LinuxEvents implements AutoCloseable {
    /**
     * @param linkPollMs         how often links are asked for (0: never, events only)
     * @param pollAllLinks       ask for every link, not only the group members'
     * @param monitorBufferBytes receive buffer of the event socket (overflow: a full re-dump)
     */
    public record Options(long linkPollMs, boolean pollAllLinks, int monitorBufferBytes) {
        public Options(long linkPollMs, boolean pollAllLinks) {
            this(linkPollMs, pollAllLinks, RtnetlinkMonitor.DEFAULT_RECEIVE_BUFFER);
        }

        /**
         * Links polled every 100 ms: a carrier loss the kernel holds back is seen within 100 ms
         * (bonding's usual miimon), at half the cost of 50 ms (ETHTOOL_GLINK per batched member).
         */
        public static Options defaults() {
            return new Options(100, false);
        }
    }

    private record Known(String name, boolean running, int carrierChanges, boolean adminUp) {
    }

    /** The longest wait of the events loop's own thread (so that close() is seen). */
    private static final long OWN_THREAD_MAX_WAIT_NS = 100_000_000L;
    /** Ready descriptors taken per wait; more simply wait for the next one (level-triggered). */
    private static final int MAX_READY = 64;
    private final EventSink sink;
    private final Consumer<Runnable> engineThread;
    private final Consumer<Runnable> replyThread;
    private final LinuxPlatform platform;
    private final Consumer<String> log;
    private final Options options;
    private RtnetlinkMonitor monitor;
    private Rtnetlink rt;
    private Thread thread;
    private volatile boolean stopping;

    // ---- the events thread only (and start() before it runs)
    private final Map<Integer, Known> links = new HashMap<>();
    /** Members' sysfs carrier files, by ifindex; and the members sysfs does not show. */
    private final Map<Integer, CarrierSync> carrierSyncs = new HashMap<>();
    private final Set<Integer> withoutSysfs = new HashSet<>();
    /** Asks drivers for their link state (see needsSync); null if the socket could not be opened. */
    private EthtoolLink ethtool;
    private final Set<Integer> withoutEthtool = new HashSet<>();
    private final List<Integer> polled = new ArrayList<>();
    /** The monitor and the probe sockets; and the probe sockets in it, by descriptor. */
    private Epoll epoll;
    private final Map<Integer, ProbeEndpoint> watched = new HashMap<>();
    private List<ProbeEndpoint> watchedList;
    private int watchedVersion;
    /** Wakes a waiting {@link #step}: in the epoll set too. */
    private volatile EventFd wakeUps;
    private int wakeFd = -1;
    private long nextPoll = System.nanoTime();
    private boolean resyncPending;

    private final Map<InetAddress, Set<Integer>> local = new HashMap<>();
    private List<RouteInfo> lastMain;
    private List<Route> lastRoutes;
    private boolean routesDirty;
    private String lastFailure;
    private final Map<ProbeEndpoint, String> readFailures = new HashMap<>();
    private volatile long resyncs;

    /**
     * @param sink         usually {@link EventSink#of(ipmpd.engine.Engine)}
     * @param engineThread runs a task on the engine thread (e.g. the daemon's engine loop's execute)
     * @param platform     whose probe sockets are read and whose member tables follow the main
     *                     table; may be null (then no probes are read)
     * @param log          messages; called from the events thread
     */
    public LinuxEvents(EventSink sink, Consumer<Runnable> engineThread, LinuxPlatform platform, Consumer<String> log) {
        this(sink, engineThread, platform, log, Options.defaults());
    }

    public LinuxEvents(EventSink sink, Consumer<Runnable> engineThread, LinuxPlatform platform, Consumer<String> log,
                       Options options) {
        this(sink, engineThread, engineThread, platform, log, options);
    }

    /**
     * @param replyThread runs a probe reply's delivery on the engine thread, possibly batched
     *                    with its next wake-up (in order with engineThread's tasks)
     */
    public LinuxEvents(EventSink sink, Consumer<Runnable> engineThread, Consumer<Runnable> replyThread,
                       LinuxPlatform platform, Consumer<String> log, Options options) {
        this.sink = sink;
        this.engineThread = engineThread;
        this.replyThread = replyThread;
        this.platform = platform;
        this.log = log;
        this.options = options;
    }

    /**
     * Opens the netlink sockets, delivers the initial state (links, then routes) to the engine
     * thread, and starts the events thread. Call it on a thread in the daemon's namespace: the
     * sockets and the new thread belong to the caller's namespace. May be called on the engine
     * thread itself (the deliveries are queued behind the current task).
     */
    public synchronized void start() throws IOException {
        open();
        thread = new Thread(this::run, "ipmpd-events");
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY); // link events are the start of every failover

        thread.start();
    }

    /**
     * Like {@link #start()}, without a thread: the caller's loop (the engine thread) calls
     * {@link #step} between its jobs, sleeping in it, so that events, probe replies and the
     * engine's work share one thread and no hand-over wakes a second one. Every delivery then runs
     * on that thread too; {@link #close()} only once that loop no longer calls step().
     */
    public synchronized void startWithoutThread() throws IOException {
        open();
    }

    private void open() throws IOException {
        if (monitor != null) {
            throw new IllegalStateException("already started");
        }
        monitor = RtnetlinkMonitor.open(RtnetlinkMonitor.DEFAULT_GROUPS, options.monitorBufferBytes());
        try {
            epoll = Epoll.open(MAX_READY);
            epoll.add(monitor.fd());
            wakeUps = EventFd.open();
            wakeFd = wakeUps.fd();
            epoll.add(wakeFd);
            rt = Rtnetlink.open();
            try {
                ethtool = EthtoolLink.open();
            } catch (NativeIOException e) {
                ethtool = null; // the carrier files alone, as before
            }
            fullResync();
        } catch (IOException | RuntimeException e) {
            monitor.close();
            if (epoll != null) {
                epoll.close();
            }
            if (wakeUps != null) {
                wakeUps.close();
            }
            if (rt != null) {
                rt.close();
            }
            if (ethtool != null) {
                ethtool.close();
            }
            throw e;
        }
        if (platform != null) {
            platform.attachReader();
        }
    }

    /** Stops the thread (within one poll period) and closes its sockets. */
    @Override
    public synchronized void close() {
        if (monitor == null || stopping) {
            return;
        }
        stopping = true;
        wakeUp();
        if (thread != null && Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (platform != null) {
            platform.detachReader();
        }
        monitor.close();
        epoll.close();
        wakeUps.close();
        rt.close();
        if (ethtool != null) {
            ethtool.close();
        }
        carrierSyncs.values().forEach(CarrierSync::close);
        carrierSyncs.clear();
    }

    /** How many times events were lost (ENOBUFS) and the state was dumped again. */
    public long resyncs() {
        return resyncs;
    }

    // ================================================================ the loop

    private void run() {
        while (!stopping) {
            step(OWN_THREAD_MAX_WAIT_NS);
        }
    }

    /**
     * One turn of the events loop: a pending re-dump, the link poll when it is due, then a wait of
     * up to {@code timeoutNs} (cut short by the next link poll, input, or {@link #wakeUp()}), and
     * the delivery of whatever is ready: link events before probe replies. Without a thread of its
     * own ({@link #startWithoutThread()}) the caller's loop calls this between its jobs; with one,
     * that thread does. A failure is logged (once while it repeats) and the state read again at
     * the next turn: nothing stops the loop.
     *
     * @param timeoutNs the longest wait in nanoseconds; 0 to deliver only what is ready now;
     *                  Long.MAX_VALUE to wait as long as the link polls allow
     */
    public void step(long timeoutNs) {
        try {
            if (resyncPending) {
                resyncPending = false;
                fullResync();
            }
            long now = System.nanoTime();
            long period = options.linkPollMs() * 1_000_000L;
            if (period > 0 && now - nextPoll >= 0) {
                pollLinks();
                nextPoll = now + period;
            }
            watchProbeSockets();
            long wait = timeoutNs;
            if (period > 0) {
                wait = Math.min(wait, Math.max(0, nextPoll - System.nanoTime()));
            }
            int n = epoll.awaitNanos(wait == Long.MAX_VALUE ? -1 : wait);
            int monitorFd = monitor.fd();
            for (int i = 0; i < n; i++) {
                int fd = epoll.readyFd(i);
                if (fd == monitorFd) {
                    resyncPending |= handle(monitor.readAvailable()); // link events before replies
                } else if (fd == wakeFd) {
                    wakeUps.drain();
                }
            }
            for (int i = 0; i < n; i++) {
                ProbeEndpoint ep = watched.get(epoll.readyFd(i));
                if (ep != null) {
                    drain(ep);
                }
            }
            if (routesDirty) {
                refreshRoutes(false);
            }
            if (platform != null) {
                platform.closeRetired();
            }
            lastFailure = null;
        } catch (Throwable t) {
            if (stopping) {
                return;
            }
            String text = String.valueOf(t);
            if (!text.equals(lastFailure)) {
                log.accept("Event loop: " + text + "; reading the kernel's state again");
                lastFailure = text;
            }
            resyncPending = true;
            try {
                Thread.sleep(10); // a failure that repeats must not spin
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Cuts the current or next {@link #step}'s wait short; any thread. */
    public void wakeUp() {
        EventFd w = wakeUps;
        if (w != null) {
            w.signal();
        }
    }

    /**
     * Keeps the epoll set equal to the platform's probe sockets (the monitor is in it from the
     * start): sockets given up leave it before new ones, which may reuse their numbers, join.
     */
    private void watchProbeSockets() throws IOException {
        if (platform == null) {
            return;
        }
        int version = platform.probesVersion();
        if (version == watchedVersion && watchedList != null) {
            return;
        }
        List<ProbeEndpoint> eps = platform.probeEndpoints();
        watchedVersion = version;
        if (eps.equals(watchedList)) {
            return;
        }
        Map<Integer, ProbeEndpoint> now = new HashMap<>();
        for (ProbeEndpoint ep : eps) {
            now.put(ep.fd(), ep);
        }
        for (Map.Entry<Integer, ProbeEndpoint> e : watched.entrySet()) {
            if (now.get(e.getKey()) != e.getValue()) {
                epoll.remove(e.getKey());
            }
        }
        for (Map.Entry<Integer, ProbeEndpoint> e : now.entrySet()) {
            if (watched.get(e.getKey()) != e.getValue()) {
                epoll.add(e.getKey());
            }
        }
        watched.clear();
        watched.putAll(now);
        watchedList = eps;
    }

    /** @return whether a full re-dump is needed (events were lost) */
    private boolean handle(List<RtEvent> events) {
        boolean resync = false;
        for (RtEvent e : events) {
            if (e instanceof RtEvent.Link l) {
                if (l.kind() == RtEvent.Kind.DEL) {
                    linkGone(l.info().index());
                } else {
                    link(l.info());
                }
                // A link gone or set down, like the last IPv4 address of one deleted, takes the
                // routes through it without a route notification (fib_disable_ip): main is read again.
                routesDirty |= l.kind() == RtEvent.Kind.DEL || !l.info().isUp();
            } else if (e instanceof RtEvent.Address a) {
                address(a.kind() == RtEvent.Kind.NEW, a.info());
                routesDirty |= a.kind() != RtEvent.Kind.NEW && a.info().family() == LibC.AF_INET;
            } else if (e instanceof RtEvent.Route r) {
                if (r.info().table() == Rtnl.RT_TABLE_MAIN) {
                    routesDirty = true;
                }
            } else if (e instanceof RtEvent.ResyncNeeded) {
                resyncs++;
                resync = true;
            }
        }
        return resync;
    }

    /** Dumps links, addresses and routes and reports the differences to what was known. */
    private void fullResync() throws IOException {
        Set<Integer> seen = new HashSet<>();
        for (LinkInfo l : rt.dumpLinks()) {
            seen.add(l.index());
            link(l);
        }
        for (Integer index : new ArrayList<>(links.keySet())) {
            if (!seen.contains(index)) {
                linkGone(index);
            }
        }
        local.clear();
        for (AddrInfo a : rt.dumpAddresses()) {
            address(true, a);
        }
        refreshRoutes(true);
    }

    // ================================================================ links

    private void link(LinkInfo l) {
        if (l.name() != null && !links.containsKey(l.index())
                && (IpmpDevices.ALIAS.equals(l.alias()) || platform != null && platform.isIpmpDevice(l.name()))) {
            // The device of an IPMP interface, or one an earlier run left (our alias): never a
            // NIC. Once the platform made it an IPMP interface's, the engine learns its index
            // (each time the kernel reports it: the platform sets the alias when it takes it over).
            if (platform != null && platform.isIpmpDevice(l.name())) {
                String name = l.name();
                int index = l.index();
                deliver(() -> sink.ipmpDeviceIndex(name, index));
            }
            return;
        }
        boolean running = l.isRunning() && l.isLowerUp();
        Known k = links.get(l.index());
        if (k != null && (l.name() == null || l.name().equals(k.name())) && l.carrierChanges() >= 0
                && k.carrierChanges() >= 0 && l.carrierChanges() < k.carrierChanges()) {
            return; // older than what a poll already showed (its event was still queued)
        }
        if (platform != null && l.name() != null) {
            platform.linkState(l.name(), l.index(), running);
        }
        if (k == null) {
            if (l.isLoopback() || !l.isMulticast() || l.name() == null) {
                return;
            }
            links.put(l.index(), new Known(l.name(), running, l.carrierChanges(), l.isUp()));
            String name = l.name();
            int index = l.index();
            byte[] mac = l.address() == null ? null : l.address().bytes();
            deliver(() -> sink.nicAdded(name, index, running, mac));
            return;
        }
        String name = l.name() == null ? k.name() : l.name();
        links.put(l.index(), new Known(name, running, l.carrierChanges(), l.isUp()));
        if (!name.equals(k.name())) {
            forgetCarrierSync(l.index()); // its sysfs directory has the new name
            String old = k.name();
            if (platform != null) {
                platform.linkGone(old);
            }
            int index = l.index();
            deliver(() -> sink.nicRemoved(old));
            deliver(() -> sink.nicAdded(name, index, running));
            return;
        }
        boolean adminChanged = k.adminUp() != l.isUp();
        if (adminChanged && !l.isUp()) {
            // Set down first, so that unit 0 is down before the failure is handled.
            deliver(() -> sink.adminStateChanged(name, false));
        }
        if (adminChanged && l.isUp()) {
            deliver(() -> sink.adminStateChanged(name, true));
        }
        if (k.running() != running) {
            deliver(() -> sink.linkChanged(name, running));
        } else if (running && k.carrierChanges() >= 0 && l.carrierChanges() - k.carrierChanges() >= 2) {
            // Carrier went down and up again between two looks: the engine must see the failure.
            log.accept("Link flap on " + name + " (carrier changes " + k.carrierChanges() + " -> "
                    + l.carrierChanges() + ")");
            deliver(() -> sink.linkChanged(name, false));
            deliver(() -> sink.linkChanged(name, true));
        }
    }

    private void linkGone(int index) {
        forgetCarrierSync(index);
        Known k = links.remove(index);
        if (k != null) {
            if (platform != null) {
                platform.linkGone(k.name());
            }
            deliver(() -> sink.nicRemoved(k.name()));
        }
    }

    /**
     * Forces linkwatch to report pending carrier changes of the links of interest: a read of the
     * link's sysfs carrier file where sysfs shows this namespace (the change then arrives as an
     * event), else RTM_GETLINK. Links whose changes the kernel never holds back are skipped.
     */
    private void pollLinks() throws IOException {
        Set<String> wanted = platform == null || options.pollAllLinks() ? null : platform.memberNames();
        if (wanted != null && wanted.isEmpty()) {
            if (!carrierSyncs.isEmpty()) {
                carrierSyncs.values().forEach(CarrierSync::close);
                carrierSyncs.clear();
            }
            return;
        }
        polled.clear();
        for (Map.Entry<Integer, Known> e : links.entrySet()) {
            if (wanted == null || wanted.contains(e.getValue().name())) {
                polled.add(e.getKey());
            }
        }
        carrierSyncs.entrySet().removeIf(e -> {
            if (polled.contains(e.getKey())) {
                return false;
            }
            e.getValue().close(); // no longer a member
            return true;
        });
        for (Integer index : polled) {
            CarrierSync c = carrierSyncs.get(index);
            if (c == null && !withoutSysfs.contains(index)) {
                c = CarrierSync.open(links.get(index).name(), index).orElse(null);
                if (c == null) {
                    withoutSysfs.add(index);
                } else {
                    carrierSyncs.put(index, c);
                }
            }
            if (c != null) {
                if (!c.batched()) {
                    continue;
                }
                try {
                    if (!needsSync(index)) {
                        continue;
                    }
                    c.sync();
                    continue;
                } catch (NativeIOException x) {
                    forgetCarrierSync(index); // gone or renamed: RTM_GETLINK tells which
                }
            }
            Optional<LinkInfo> l = rt.getLink(index);
            if (l.isPresent()) {
                link(l.get());
            } else {
                linkGone(index);
            }
        }
    }

    /**
     * Whether a batched member's carrier file must be read: when its driver's link report
     * (ETHTOOL_GLINK, cheaper) differs from what the events said, or the driver has none. For
     * drivers with the generic report that ioctl has itself flushed a pending change.
     */
    private boolean needsSync(int index) {
        Known k = links.get(index);
        if (ethtool == null || k == null || withoutEthtool.contains(index)) {
            return true;
        }
        int link = ethtool.link(k.name());
        if (link == EthtoolLink.UNKNOWN) {
            if (ethtool.lastErrno() == Errno.EOPNOTSUPP) {
                withoutEthtool.add(index);
            }
            return true;
        }
        return (link == EthtoolLink.UP) != k.running();
    }

    private void forgetCarrierSync(int index) {
        CarrierSync c = carrierSyncs.remove(index);
        if (c != null) {
            c.close();
        }
        withoutSysfs.remove(index);
        withoutEthtool.remove(index);
    }

    // ================================================================ addresses and routes

    private void address(boolean added, AddrInfo a) {
        InetAddress addr = LinuxPlatform.plain(a.address());
        if (added) {
            local.computeIfAbsent(addr, x -> new HashSet<>()).add(a.index());
        } else {
            Set<Integer> on = local.get(addr);
            if (on != null) {
                on.remove(a.index());
                if (on.isEmpty()) {
                    local.remove(addr);
                }
            }
        }
    }

    private void refreshRoutes(boolean force) throws IOException {
        routesDirty = false;
        List<RouteInfo> main = rt.dumpRoutes();
        if (force || !main.equals(lastMain)) {
            lastMain = main;
            if (platform != null) {
                deliver(() -> platform.mainRoutesChanged(main));
            }
        }
        List<Route> routes = engineRoutes(main);
        if (force || !routes.equals(lastRoutes)) {
            lastRoutes = routes;
            deliver(() -> sink.routesChanged(routes));
        }
    }

    /**
     * The routes target selection needs: main-table default routes and host routes with a gateway,
     * one per next hop of a multipath route.
     */
    public static List<Route> engineRoutes(List<RouteInfo> main) {
        List<Route> out = new ArrayList<>();
        for (RouteInfo r : main) {
            if (r.table() != Rtnl.RT_TABLE_MAIN || r.type() != Rtnl.RTN_UNICAST) {
                continue;
            }
            int full = r.dst().getAddress().length * 8;
            if (r.dstLen() != 0 && r.dstLen() != full) {
                continue;
            }
            // A multipath route (RTA_MULTIPATH) names one router per next hop.
            List<InetAddress> gateways = new ArrayList<>();
            if (r.gateway() != null) {
                gateways.add(r.gateway());
            }
            for (RouteInfo.NextHop h : r.nexthops()) {
                if (h.gateway() != null) {
                    gateways.add(h.gateway());
                }
            }
            for (InetAddress gw : gateways) {
                Route route = new Route(LinuxPlatform.plain(r.dst()), r.dstLen(), LinuxPlatform.plain(gw));
                if (!out.contains(route)) {
                    out.add(route);
                }
            }
        }
        return List.copyOf(out);
    }

    // ================================================================ probes

    private void drain(ProbeEndpoint ep) {
        long offset = System.nanoTime() - LibC.realtimeNanos();
        try {
            // One reply per ready socket and turn: the epoll set is level-triggered, so a socket
            // with more queued is ready again at once, and a reply costs no second recvmsg to
            // learn that nothing more is there (one probe in flight per socket is the usual case).
            Optional<EchoReply> r = ep.socket.receive();
            if (r.isPresent()) {
                reply(ep, r.get(), offset);
            }
            readFailures.remove(ep);
        } catch (IOException | RuntimeException e) {
            String text = String.valueOf(e.getMessage());
            if (!text.equals(readFailures.put(ep, text))) {
                log.accept("Cannot read probe replies on " + ep.ifname + " (" + ep.family.keyword + "): " + text);
            }
        }
    }

    private void reply(ProbeEndpoint ep, EchoReply r, long offset) {
        InetAddress from = r.from() == null ? null : LinuxPlatform.plain(r.from());
        if (from == null) {
            return;
        }
        String ifname = ep.ifname;
        if (r.sequence() == LinuxPlatform.DISCOVERY_SEQ) {
            if (!local.containsKey(from)) {
                deliver(() -> sink.discoveryReply(ifname, ep.family, from));
            }
            return;
        }
        // The kernel stamps CLOCK_REALTIME; the engine runs on nanoTime.
        long rx = Math.min(r.receivedNs() + offset, System.nanoTime());
        int seq = r.sequence();
        replyThread.accept(() -> sink.probeReply(ifname, ep.family, from, seq, rx, wireRtt(r)));
    }

    /**
     * The probe's own round trip, whatever the engine did between deciding to send and sending:
     * from its transmit stamp (when it really left: not while held in neighbour resolution) to the
     * kernel's receive stamp; without transmit stamps from this device, from the payload's send
     * time (taken just before sendto). A device that stamps but did not stamp this probe: unseen.
     */
    static long wireRtt(EchoReply r) {
        long fromDeparture = r.wireRttNanos();
        if (fromDeparture >= 0) {
            return fromDeparture;
        }
        if (r.departuresStamped()) {
            return Engine.DEPARTURE_UNSEEN;
        }
        return r.kernelTimestamp() && r.rttNanos() >= 0 ? r.rttNanos() : -1;
    }

    private void deliver(Runnable r) {
        engineThread.accept(r);
    }
}
