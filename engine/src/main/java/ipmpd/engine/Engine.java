package ipmpd.engine;

import ipmpd.engine.EngineListener.Detection;
import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.engine.Platform.AddressPlacement;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The failover engine: in.mpathd's rules over a model of interfaces, groups and addresses.
 * <p>
 * Deterministic and single-threaded: it is fed events (link changes, probe replies, routing
 * changes, administrative commands) and asks the clock it was given for the time. Timers are kept
 * in a queue that the driver runs ({@link #nextDeadlineNs()}, {@link #runDue()}). It acts only
 * through the {@link Platform} and reports through the {@link EngineListener}.
 */
public final class Engine {
    static final int LINK_UPS_PER_MINUTE = 2;
    static final long MINUTE_NS = 60_000_000_000L;
    static final long NO_TEST_ADDRESS_GRACE_NS = 20_000_000_000L;
    static final int FAILURE_PROBES = 5;
    static final int REPAIR_PROBES = 10;

    /** A scheduled action; cancelled ones are skipped. */
    public static final class Timer {
        final long at;
        final long seq;
        final Runnable action;
        /** The member a probe timer belongs to (its step may change statistics only); null for other timers. */
        final Phyint prober;
        boolean cancelled;

        Timer(long at, long seq, Runnable action, Phyint prober) {
            this.at = at;
            this.seq = seq;
            this.action = action;
            this.prober = prober;
        }

        public void cancel() {
            cancelled = true;
        }
    }

    private final LongSupplier clock;
    private final Platform platform;
    private final EngineListener listener;
    private final RandomGenerator random;
    private EngineConfig config;
    final Map<String, Phyint> phyints = new LinkedHashMap<>();
    final Map<String, Group> groups = new LinkedHashMap<>();
    private List<Route> routes = List.of();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            Comparator.comparingLong((Timer t) -> t.at).thenComparingLong(t -> t.seq));
    private long timerSeq;
    private long lifSerial;
    private long joinSerial;
    /** Boot-persistent configuration (hostname.IF / hostname6.IF), replayed when a NIC attaches. */
    private final Map<String, List<String>> bootConfig4 = new LinkedHashMap<>();
    private final Map<String, List<String>> bootConfig6 = new LinkedHashMap<>();
    /** See {@link #modelGeneration()}; written on the engine's thread only. */
    private volatile long modelGeneration;
    /** See {@link #statisticsGeneration()}; written on the engine's thread only. */
    private volatile long statisticsGeneration;
    /** See {@link #probeStatistics(String)}; written on the engine's thread only. */
    private volatile boolean statisticsStale = true;
    private final java.util.concurrent.ConcurrentHashMap<String, ProbeStatistics> publishedStatistics =
            new java.util.concurrent.ConcurrentHashMap<>();

    public Engine(LongSupplier clockNs, Platform platform, EngineListener listener, RandomGenerator random,
                  EngineConfig config) {
        this.clock = clockNs;
        this.platform = platform;
        this.listener = listener;
        this.random = random;
        this.config = config;
    }

    // ---------------------------------------------------------------- time

    public long now() {
        return clock.getAsLong();
    }

    /** When the next timer is due (engine clock, ns); Long.MAX_VALUE when none. */
    public long nextDeadlineNs() {
        while (!timers.isEmpty() && timers.peek().cancelled) {
            timers.poll();
        }
        return timers.isEmpty() ? Long.MAX_VALUE : timers.peek().at;
    }

    /** Runs every timer due at the current time. */
    public void runDue() {
        long now = now();
        while (!timers.isEmpty() && timers.peek().at <= now) {
            Timer t = timers.poll();
            if (t.cancelled) {
                continue;
            }
            if (t.prober != null) {
                probeStep(t.prober, t.action);
            } else {
                changed();
                t.action.run();
            }
        }
    }

    Timer schedule(long at, Runnable action) {
        return schedule(at, action, null);
    }

    /** A timer of a member's prober: its step counts as a model change only if it changed more than statistics. */
    Timer scheduleProbe(long at, Phyint member, Runnable action) {
        return schedule(at, action, member);
    }

    private Timer schedule(long at, Runnable action, Phyint prober) {
        Timer t = new Timer(at, timerSeq++, action, prober);
        timers.add(t);
        return t;
    }

    // ---------------------------------------------------------------- change counters

    /**
     * Changes whenever what {@link #snapshot()} shows may have changed, except the probe
     * statistics (probes sent, acknowledged, lost; round-trip times): bumped by every event,
     * command and timer, except probe steps (probe sent, reply, timeout) that changed nothing but
     * statistics. Readable from any thread, so a face can keep what it derived from a snapshot
     * until the model changes, without asking the engine's thread. Take the snapshot and this
     * value in the same engine step.
     */
    public long modelGeneration() {
        return modelGeneration;
    }

    /** Changes whenever anything {@link #snapshot()} shows may have changed, statistics included. Any thread. */
    public long statisticsGeneration() {
        return statisticsGeneration;
    }

    private void changed() {
        modelGeneration++;
        statisticsGeneration++;
        statisticsStale = true; // changed() comes before the change: published at the end of the step
    }

    /**
     * The probe statistics of an interface as of the engine's last step, or null when the engine
     * has no such interface or what was published may be behind (then take a snapshot). Any
     * thread: each probe step publishes its member's, and {@link #publishStatistics()} all of them
     * after other changes; so it is as live as a snapshot, without the engine's thread.
     */
    public ProbeStatistics probeStatistics(String ifname) {
        return statisticsStale ? null : publishedStatistics.get(ifname);
    }

    /**
     * Publishes the statistics of every interface if a change other than a probe step may have
     * moved them. The driver calls it after each turn of events and timers; until it does,
     * {@link #probeStatistics(String)} answers null.
     */
    public void publishStatistics() {
        if (!statisticsStale) {
            return;
        }
        publishedStatistics.keySet().retainAll(phyints.keySet());
        for (Phyint p : phyints.values()) {
            publishedStatistics.put(p.name, ProbeStatistics.of(p));
        }
        statisticsStale = false;
    }

    private void publishStatistics(Phyint p) {
        if (phyints.get(p.name) == p) {
            publishedStatistics.put(p.name, ProbeStatistics.of(p));
        }
    }

    /** Runs a probe step of a member, counting it as a model change only when the member or its group's own fields changed. */
    private void probeStep(Phyint p, Runnable step) {
        signedStep(p, step, true);
    }

    /** Runs a step about one member, counting it as a model change only when its group's model (statistics aside) changed. */
    private void modelStep(Phyint p, Runnable step) {
        signedStep(p, step, false);
    }

    private void signedStep(Phyint p, Runnable step, boolean probe) {
        long before = probe ? ModelSignature.ofProbeStep(this, p) : ModelSignature.of(this, p);
        try {
            step.run();
        } finally {
            if (probe) {
                publishStatistics(p); // a probe step moves its member's statistics only
            } else {
                statisticsStale = true; // e.g. a duplicate hardware address offlines another member
            }
            statisticsGeneration++;
            if ((probe ? ModelSignature.ofProbeStep(this, p) : ModelSignature.of(this, p)) != before) {
                modelGeneration++;
            }
        }
    }

    // ---------------------------------------------------------------- accessors for collaborators

    public EngineConfig config() {
        return config;
    }

    Platform platform() {
        return platform;
    }

    EngineListener listener() {
        return listener;
    }

    RandomGenerator random() {
        return random;
    }

    List<Route> routes() {
        return routes;
    }

    long fdtFor(Phyint p) {
        Group g = groupOf(p);
        return g == null ? config.failureDetectionTimeMs() : g.fdtMs;
    }

    Group groupOf(Phyint p) {
        return p.group == null ? null : groups.get(p.group);
    }

    private void log(String message) {
        listener.log(message);
    }

    private boolean tracked(Phyint p) {
        return p.group != null || !config.trackInterfacesOnlyWithGroups();
    }

    // ---------------------------------------------------------------- system events

    /** A NIC exists (at start, or attached later), hardware address unknown. */
    public void nicAdded(String name, int ifindex, boolean running) {
        nicAdded(name, ifindex, running, null);
    }

    /** A NIC exists, or its hardware address changed. */
    public void nicAdded(String name, int ifindex, boolean running, byte[] mac) {
        Phyint known = phyints.get(name);
        if (known != null && known.present) {
            // the platform reports known NICs again (any attribute change): a model change only if it changed the group
            modelStep(known, () -> nicAdded1(known, name, ifindex, running, mac));
        } else {
            changed();
            nicAdded1(known, name, ifindex, running, mac);
        }
    }

    private void nicAdded1(Phyint known, String name, int ifindex, boolean running, byte[] mac) {
        byte[] before = known == null ? null : known.mac;
        if (known != null && mac != null) {
            known.mac = mac.clone(); // before a reattached NIC's boot file is replayed (link-local)
        }
        nicAdded0(name, ifindex, running);
        Phyint p = phyints.get(name);
        p.mac = mac == null ? before : mac.clone();
        if (!java.util.Arrays.equals(before, p.mac)) {
            checkHardwareAddresses(groupOf(p));
        }
    }

    /**
     * Members whose hardware addresses collide cannot all work: the later one is offlined, and put
     * back online once its address is unique again.
     */
    void checkHardwareAddresses(Group g) {
        if (g == null) {
            return;
        }
        List<Phyint> byJoin = new ArrayList<>(g.members);
        byJoin.sort(Comparator.comparingLong(q -> q.joinSerial));
        for (int i = 0; i < byJoin.size(); i++) {
            Phyint p = byJoin.get(i);
            boolean dup = false;
            for (int k = 0; k < i && p.mac != null; k++) {
                Phyint q = byJoin.get(k);
                if (!q.hwDup && java.util.Arrays.equals(p.mac, q.mac)) {
                    dup = true;
                }
            }
            if (dup && !p.hwDup) {
                p.hwDup = true;
                p.offline = true;
                p.inactive = false;
                log("IP interface " + p.name + " has a hardware address which is not unique in group " + g.name
                        + "; offlining");
                for (Instance in : p.instances()) {
                    in.prober.stop();
                }
                platform.usabilityChanged(p.name, false);
                reconcile(g);
            } else if (!dup && p.hwDup) {
                p.hwDup = false;
                p.offline = false;
                log("IP interface " + p.name + " now has a unique hardware address in group " + g.name
                        + "; onlining");
                updateProbing(p);
                platform.usabilityChanged(p.name, p.usable());
                reconcile(g);
            }
        }
    }

    private void nicAdded0(String name, int ifindex, boolean running) {
        Phyint p = phyints.get(name);
        if (p == null) {
            p = new Phyint(name, ifindex);
            p.present = true;
            p.running = running;
            phyints.put(name, p);
            if (!config.trackInterfacesOnlyWithGroups()) {
                updateProbing(p);
            }
            return;
        }
        if (p.present) {
            p.running = running;
            return;
        }
        p.present = true;
        p.ifindex = ifindex;
        p.running = running;
        p.lastChangeNs = now();
        replayBootConfig(p);
    }

    /** A NIC disappeared (dynamic reconfiguration): its data addresses fail over. */
    public void nicRemoved(String name) {
        changed();
        Phyint p = phyints.get(name);
        if (p == null || !p.present) {
            return;
        }
        Group g = groupOf(p);
        p.present = false;
        p.running = false;
        if (g != null && !p.failed && !p.offline) {
            fail(p, Detection.LINK);
        } else {
            reconcile(g);
        }
        // The NIC's own addresses went with it; those that could not fail over are gone too.
        // Addresses that failed over stay homed here, to fail back when the NIC is attached again.
        for (Instance i : p.instances()) {
            i.prober.stop();
        }
        p.v4 = null;
        p.v6 = null;
        if (g == null) {
            phyints.remove(name);
        }
        recompute(g);
    }

    /** RUNNING changed on a NIC. */
    public void linkChanged(String name, boolean running) {
        Phyint p = phyints.get(name);
        if (p == null || !p.present || p.running == running) {
            return; // polled and unchanged: not a change of the model
        }
        changed();
        p.running = running;
        p.lastChangeNs = now();
        if (!tracked(p)) {
            return;
        }
        listener.linkChanged(name, running);
        if (!running) {
            log("The link has gone down on " + name);
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.probeFailed = true;
                    i.prober.resetHistory();
                }
            }
            if (!p.failed && !p.offline) {
                fail(p, Detection.LINK);
            } else {
                recompute(groupOf(p));
            }
            return;
        }
        log("The link has come up on " + name);
        for (Instance i : p.instances()) {
            // Probes sent while the link was down may still be answered (queued behind ARP):
            // they say nothing about the repaired path, so only probes sent from now on count.
            i.prober.resetHistory();
        }
        long now = now();
        p.linkUps.addLast(now);
        while (!p.linkUps.isEmpty() && p.linkUps.peekFirst() <= now - MINUTE_NS) {
            p.linkUps.removeFirst();
        }
        tryLinkRepair(p);
        recompute(groupOf(p));
    }

    private void tryLinkRepair(Phyint p) {
        if (!p.failed || !p.running || !p.present || p.offline) {
            return;
        }
        if (p.probingWithTargets()) {
            return; // probes must confirm: 10 consecutive replies
        }
        long now = now();
        while (!p.linkUps.isEmpty() && p.linkUps.peekFirst() <= now - MINUTE_NS) {
            p.linkUps.removeFirst();
        }
        if (!p.probing() && p.linkUps.size() > LINK_UPS_PER_MINUTE) {
            if (!p.flapReported) {
                log("The link has come up on " + p.name + " more than " + LINK_UPS_PER_MINUTE
                        + " times in the last minute; disabling repair until it stabilizes");
                p.flapReported = true;
            }
            long retry = p.linkUps.peekFirst() + MINUTE_NS;
            schedule(retry, () -> tryLinkRepair(p));
            return;
        }
        p.flapReported = false;
        repair(p, Detection.LINK);
    }

    /** An echo reply arrived on a member's probe socket. */
    public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs) {
        probeReply(ifname, family, from, seq, rxNs, -1);
    }

    /**
     * An echo reply, with the round trip the platform measured from the probe's own departure
     * (the send time carried in its payload to the kernel's receive stamp), or -1. The engine's
     * own measure starts when it decided to send, which can be earlier (a probe socket opened
     * first, a cold start): the shorter of the two counts.
     */
    public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs, long wireRttNs) {
        Phyint p = phyints.get(ifname);
        if (p == null) {
            return;
        }
        Instance i = p.instance(family);
        if (i != null) {
            probeStep(p, () -> i.prober.onReply(from, seq, rxNs, wireRttNs));
        }
    }

    /** A host answered the all-hosts echo sent through a member. */
    public void discoveryReply(String ifname, Family family, InetAddress from) {
        Phyint p = phyints.get(ifname);
        if (p == null || isLocalAddress(from)) {
            return;
        }
        Instance i = p.instance(family);
        if (i != null) {
            probeStep(p, () -> i.prober.onDiscoveryReply(from)); // mostly a target already known
        }
    }

    /** The routing table changed: targets are chosen again. */
    public void routesChanged(List<Route> newRoutes) {
        long before = ModelSignature.ofAll(this);
        try {
            routesChanged0(newRoutes);
        } finally {
            statisticsStale = true;
            statisticsGeneration++;
            if (ModelSignature.ofAll(this) != before) {
                modelGeneration++; // the routes themselves are not shown: only the targets chosen from them
            }
        }
    }

    private void routesChanged0(List<Route> newRoutes) {
        routes = List.copyOf(newRoutes);
        for (Phyint p : phyints.values()) {
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.refreshTargets();
                }
            }
        }
    }

    /** The configured targets of a member's group (empty outside a group). */
    List<InetAddress> groupTargets(Phyint p) {
        Group g = groupOf(p);
        return g == null ? List.of() : g.targets;
    }

    /**
     * Sets a group's configured probe targets (the NMS's equivalent of host routes): they come
     * first, before host routes and routers.
     */
    public void setGroupTargets(String group, List<InetAddress> targets) throws AdminException {
        changed();
        Group g = groups.get(group);
        if (g == null) {
            throw new AdminException("unknown group " + group);
        }
        g.targets = List.copyOf(targets);
        for (Phyint p : g.members) {
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.refreshTargets();
                }
            }
        }
    }

    /** Applies a reread /etc/default/mpathd (SIGHUP) or a change made through SNMP or NETCONF. */
    public void applyConfig(EngineConfig next) {
        changed();
        EngineConfig before = config;
        config = next;
        if (before.failureDetectionTimeMs() != next.failureDetectionTimeMs()) {
            for (Group g : groups.values()) {
                long old = g.fdtMs;
                g.fdtMs = next.failureDetectionTimeMs();
                g.fastSinceNs = -1;
                if (old != g.fdtMs) {
                    listener.fdtChanged(g.name, old, g.fdtMs);
                }
            }
        }
        if (before.trackInterfacesOnlyWithGroups() != next.trackInterfacesOnlyWithGroups()) {
            for (Phyint p : phyints.values()) {
                if (p.group == null) {
                    if (next.trackInterfacesOnlyWithGroups()) {
                        // Stray IPMP state on ungrouped interfaces is cleared.
                        p.failed = false;
                        p.inactive = false;
                        p.offline = false;
                    }
                    updateProbing(p);
                }
            }
        }
        if (!before.failback() && next.failback()) {
            for (Group g : groups.values()) {
                for (Phyint p : g.members) {
                    if (!p.standby) {
                        p.inactive = false;
                    }
                }
                reconcile(g);
            }
        }
    }

    // ---------------------------------------------------------------- probing decisions

    /** Re-evaluates every prober (a quiet period ended). */
    void reevaluate() {
        for (Phyint p : new ArrayList<>(phyints.values())) {
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    probeResolved(i.prober);
                }
            }
        }
    }

    /** Called after each answered or lost probe: failure and repair by probes are decided here. */
    void probeResolved(Prober prober) {
        Phyint p = prober.phyint;
        if (!tracked(p) || p.offline || !p.present) {
            return;
        }
        if (prober.trailingLosses() >= FAILURE_PROBES && !prober.inQuietPeriod()) {
            prober.probeFailed = true;
            if (!p.failed && allProbingFamiliesFailed(p)) {
                detectProbeFailure(p, prober);
                return;
            }
        }
        if (prober.trailingAcks() >= REPAIR_PROBES && prober.probeFailed) {
            for (Instance i : p.instances()) {
                if (i.prober.trailingLosses() < FAILURE_PROBES) {
                    i.prober.probeFailed = false;
                }
            }
            if (p.failed && p.running) {
                repair(p, Detection.PROBE);
            }
        }
    }

    private boolean allProbingFamiliesFailed(Phyint p) {
        for (Instance i : p.instances()) {
            Prober pr = i.prober;
            if (pr.running && !pr.active().isEmpty() && !pr.probeFailed) {
                return false;
            }
        }
        return true;
    }

    private void detectProbeFailure(Phyint p, Prober prober) {
        Group g = groupOf(p);
        if (g == null) {
            fail(p, Detection.PROBE);
            return;
        }
        long since = prober.firstLossNs < 0 ? now() : prober.firstLossNs;
        for (Phyint q : g.members) {
            if (q != p && works(q, since)) {
                fail(p, Detection.PROBE);
                return;
            }
        }
        groupFailure(g);
    }

    /**
     * Another member still works if its link is up and it probes nothing, or it got a probe
     * answered after our losses began.
     */
    private boolean works(Phyint q, long since) {
        if (!q.usable()) {
            return false;
        }
        if (!q.probingWithTargets()) {
            return true;
        }
        for (Instance i : q.instances()) {
            if (i.prober.running && i.prober.lastReplyNs > since) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every member appears to fail at once: no failover, all members FAILED, discovered targets
     * flushed and found again (routers kept).
     */
    private void groupFailure(Group g) {
        for (Phyint q : g.members) {
            if (q.offline || !q.present) {
                continue;
            }
            for (Instance i : q.instances()) {
                if (i.prober.running) {
                    i.prober.probeFailed = true;
                }
            }
            if (!q.failed) {
                q.failed = true;
                q.inactive = false;
                q.failedBy = Detection.PROBE;
                q.lastChangeNs = now();
                listener.interfaceFailed(q.name, g.name, Detection.PROBE);
                platform.usabilityChanged(q.name, false);
            }
        }
        log("All IP interfaces in group " + g.name + " are now unusable");
        for (Phyint q : g.members) {
            for (Instance i : q.instances()) {
                if (i.prober.running) {
                    i.prober.flushHostTargets();
                }
            }
        }
        recompute(g);
    }

    /** Adapts the group's FDT to the RTT of a target (in.mpathd's two messages). */
    void adaptFdt(Prober prober, Target target) {
        Group g = groupOf(prober.phyint);
        if (g == null) {
            return;
        }
        long interval = EngineConfig.probeIntervalNs(g.fdtMs);
        long crtt = target.crttNs();
        if (crtt > interval) {
            List<Target> active = prober.active();
            long slow = active.stream().filter(t -> t.crttNs() > interval).count();
            if (active.size() >= 5 && slow == 1) {
                // One slow target among fast ones: drop it rather than slow the whole group.
                target.status = Target.Status.SLOW;
                target.retryAtNs = now() + Prober.TARGET_RETRY_NS;
                return;
            }
            long newFdt = (long) Math.ceil(7.0 * 2 * crtt / 1_000_000.0);
            if (newFdt > g.fdtMs) {
                long old = g.fdtMs;
                g.fdtMs = newFdt;
                g.fastSinceNs = -1;
                log("Cannot meet requested failure detection time of " + config.failureDetectionTimeMs()
                        + " ms on (" + prober.family.keyword + " " + prober.phyint.name
                        + ") new failure detection time for group \"" + g.name + "\" is " + newFdt + " ms");
                listener.fdtChanged(g.name, old, newFdt);
            }
            return;
        }
        if (g.fdtMs <= config.failureDetectionTimeMs()) {
            g.fastSinceNs = -1;
            return;
        }
        boolean allFast = true;
        for (Phyint q : g.members) {
            for (Instance i : q.instances()) {
                for (Target t : i.prober.active()) {
                    if (t.hasRtt && t.crttNs() >= interval / 4) {
                        allFast = false;
                    }
                }
            }
        }
        long now = now();
        if (!allFast) {
            g.fastSinceNs = -1;
        } else if (g.fastSinceNs < 0) {
            g.fastSinceNs = now;
        } else if (now - g.fastSinceNs >= MINUTE_NS) {
            long old = g.fdtMs;
            g.fdtMs = Math.max(config.failureDetectionTimeMs(), g.fdtMs / 2);
            g.fastSinceNs = now;
            log("Improved failure detection time " + g.fdtMs + " ms on (" + prober.family.keyword + " "
                    + prober.phyint.name + ") for group \"" + g.name + "\"");
            listener.fdtChanged(g.name, old, g.fdtMs);
        }
    }

    /** A prober has no targets: copy discovered hosts from another member, else ask the link. */
    void discoverTargets(Prober prober) {
        Group g = groupOf(prober.phyint);
        if (g != null && prober.targets.isEmpty()) {
            for (Phyint q : g.members) {
                Instance other = q.instance(prober.family);
                if (q == prober.phyint || other == null || !other.prober.running) {
                    continue;
                }
                for (Target t : other.prober.targets) {
                    if (t.origin == Target.Origin.MULTICAST && t.status == Target.Status.ACTIVE
                            && prober.onTestSubnet(t.address)) {
                        prober.onDiscoveryReply(t.address);
                    }
                }
            }
            if (!prober.targets.isEmpty()) {
                return;
            }
        }
        platform.sendDiscovery(prober.phyint.name, prober.family, prober.testAddress);
    }

    boolean isLocalAddress(InetAddress a) {
        for (Phyint p : phyints.values()) {
            for (Instance i : p.instances()) {
                if (i.find(a) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- failure and repair

    private void fail(Phyint p, Detection how) {
        Group g = groupOf(p);
        // p itself counted as usable until now (its link may already be down): the group becomes
        // unusable exactly when no other member is usable.
        boolean othersUsable = g != null && g.members.stream().anyMatch(q -> q != p && q.usable());
        p.failed = true;
        p.inactive = false;
        p.failedBy = how;
        p.lastChangeNs = now();
        if (how == Detection.LINK) {
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.probeFailed = true;
                }
            }
        }
        log("IP interface failure detected on " + p.name + (g == null ? "" : " of group " + g.name));
        listener.interfaceFailed(p.name, g == null ? null : g.name, how);
        platform.usabilityChanged(p.name, false);
        if (g != null && !othersUsable) {
            log("All IP interfaces in group " + g.name + " are now unusable");
        }
        reconcile(g);
    }

    private void repair(Phyint p, Detection how) {
        Group g = groupOf(p);
        boolean groupWasFailed = g != null && !g.hasUsable();
        p.failed = false;
        p.failedBy = null;
        p.lastChangeNs = now();
        if (groupWasFailed) {
            log("At least 1 IP interface (" + p.name + ") in group " + g.name + " is now usable");
        } else {
            log("IP interface repair detected on " + p.name + (g == null ? "" : " of group " + g.name));
        }
        listener.interfaceRepaired(p.name, g == null ? null : g.name, how);
        platform.usabilityChanged(p.name, true);
        if (g != null && !config.failback() && !groupWasFailed && p.upDataCount() == 0) {
            // FAILBACK=no: the repaired interface waits, INACTIVE, until another member fails.
            p.inactive = true;
        }
        reconcile(g);
    }

    // ---------------------------------------------------------------- placement of data addresses

    /**
     * Brings the group's data addresses where the rules want them: off unusable members, back to
     * repaired homes when FAILBACK=yes; then recomputes INACTIVE, nominees and the group state.
     */
    void reconcile(Group g) {
        if (g == null) {
            return;
        }
        for (Phyint x : new ArrayList<>(g.members)) {
            if (x.usable()) {
                continue;
            }
            Phyint chosen = null;
            for (Family f : Family.values()) {
                Instance from = x.instance(f);
                if (from == null || from.dataLifs().isEmpty()) {
                    continue;
                }
                // All of a NIC's addresses go to one NIC when it can take them (as in.mpathd did).
                Phyint y = chosen != null && chosen.instance(f) != null ? chosen : chooseDestination(g, x, f);
                if (y == null) {
                    continue;
                }
                chosen = y;
                Instance to = y.instance(f);
                for (LogicalIf l : from.dataLifs()) {
                    boolean home = y.name.equals(l.homeIf) && to.unitFree(l.homeUnit);
                    move(l, from, to, home ? l.homeUnit : to.nextFreeUnit(), g, MoveReason.FAILOVER);
                }
                log("Successfully failed over from NIC " + x.name + " to NIC " + y.name);
            }
        }
        if (config.failback()) {
            for (Phyint home : g.members) {
                if (!home.usable() || home.inactive || home.standby) {
                    continue;
                }
                boolean moved = false;
                for (Phyint host : g.members) {
                    if (host == home) {
                        continue;
                    }
                    for (Family f : Family.values()) {
                        Instance from = host.instance(f);
                        Instance to = home.instance(f);
                        if (from == null || to == null) {
                            continue;
                        }
                        for (LogicalIf l : from.dataLifs()) {
                            if (home.name.equals(l.homeIf)) {
                                int unit = to.unitFree(l.homeUnit) ? l.homeUnit : to.nextFreeUnit();
                                move(l, from, to, unit, g, MoveReason.FAILBACK);
                                moved = true;
                            }
                        }
                    }
                }
                if (moved) {
                    log("Successfully failed back to NIC " + home.name);
                }
            }
        }
        recompute(g);
    }

    /**
     * Where a failed member's addresses go: never a failed, offline or non-running member, nor one
     * without the family; a standby or inactive member first (unless the source is a standby),
     * else the member with the fewest UP data addresses.
     */
    private Phyint chooseDestination(Group g, Phyint from, Family f) {
        Phyint best = null;
        for (Phyint y : g.members) {
            if (y == from || !y.usable() || y.instance(f) == null) {
                continue;
            }
            if (!from.standby && (y.standby || y.inactive)) {
                return y;
            }
            if (best == null || y.upDataCount() < best.upDataCount()) {
                best = y;
            }
        }
        if (best != null && from.standby && (best.standby || best.inactive)) {
            // From a standby, prefer an active member; a spare is still better than nothing.
            for (Phyint y : g.members) {
                if (y != from && y.usable() && y.instance(f) != null && !y.standby && !y.inactive) {
                    return y;
                }
            }
        }
        return best;
    }

    private void move(LogicalIf l, Instance from, Instance to, int unit, Group g, MoveReason reason) {
        AddressPlacement before = inKernel(from.phyint, l) ? placement(from, l) : null;
        from.lifs.remove(l.unit);
        if (l.unit == 0) {
            LogicalIf hole = new LogicalIf(0, from.family == Family.INET ? Addresses.ANY4 : Addresses.ANY6, 0,
                    Flags.NOFAILOVER, from.phyint.name, lifSerial++);
            hole.placeholder = true;
            from.lifs.put(0, hole);
        }
        l.unit = unit;
        to.lifs.put(unit, l);
        if (to.phyint.inactive && l.isUp() && !to.phyint.standby) {
            to.phyint.inactive = false;
        }
        AddressPlacement after = inKernel(to.phyint, l) ? placement(to, l) : null;
        if (before != null && after != null) {
            platform.moveAddress(before, after);
        } else if (after != null) {
            platform.addAddress(after);
        } else if (before != null) {
            platform.removeAddress(before);
        }
        listener.addressMoved(l.address, g == null ? null : g.name, from.phyint.name, to.phyint.name, reason);
    }

    static boolean inKernel(Phyint p, LogicalIf l) {
        return p.present && l.isUp() && l.hasAddress() && !l.placeholder;
    }

    static AddressPlacement placement(Instance i, LogicalIf l) {
        return new AddressPlacement(i.phyint.name, l.unit, i.family, l.address, l.prefixLen, l.isNoFailover());
    }

    /** INACTIVE of standbys, multicast/broadcast nominees and the group state, with their events. */
    void recompute(Group g) {
        if (g == null) {
            return;
        }
        for (Phyint p : g.members) {
            if (p.failed || p.offline) {
                p.inactive = false;
            } else if (p.standby) {
                p.inactive = p.upDataCount() == 0;
            }
        }
        g.nominee4 = nominee(g, Family.INET, g.nominee4);
        g.nominee6 = nominee(g, Family.INET6, g.nominee6);
        GroupState s;
        long usable = g.members.stream().filter(Phyint::usable).count();
        if (g.members.isEmpty() || usable == 0) {
            s = GroupState.FAILED;
        } else if (usable < g.members.size()) {
            s = GroupState.DEGRADED;
        } else {
            s = GroupState.OK;
        }
        if (s != g.state) {
            GroupState before = g.state;
            g.state = s;
            g.lastChangeNs = now();
            listener.groupStateChanged(g.name, before, s);
        }
    }

    /** Keep the current nominee while it is active, else the next active member after it. */
    private String nominee(Group g, Family f, String current) {
        List<Phyint> m = g.members;
        int start = 0;
        for (int i = 0; i < m.size(); i++) {
            if (m.get(i).name.equals(current)) {
                if (m.get(i).active() && m.get(i).instance(f) != null) {
                    return current;
                }
                start = i + 1;
            }
        }
        for (int k = 0; k < m.size(); k++) {
            Phyint p = m.get((start + k) % m.size());
            if (p.active() && p.instance(f) != null) {
                return p.name;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- probing on/off

    /** Starts or stops probing on each family, with in.mpathd's messages about test addresses. */
    void updateProbing(Phyint p) {
        boolean any = false;
        for (Instance i : p.instances()) {
            LogicalIf test = i.testLif();
            boolean should = tracked(p) && p.present && !p.offline && test != null && isUniqueTest(p, i, test);
            if (should) {
                boolean wasRunning = i.prober.running;
                i.prober.start(test.address, test.prefixLen);
                if (!wasRunning && p.failed && !p.running) {
                    i.prober.probeFailed = true;
                }
                any = true;
            } else if (i.prober.running) {
                i.prober.stop();
            }
        }
        if (any && p.noTestAddressReported) {
            p.noTestAddressReported = false;
            log("Test address now configured on interface " + p.name
                    + "; enabling probe-based failure detection on it");
        }
    }

    /**
     * A test address already probing on another member of the group disables probing here (the
     * member that had it first keeps it).
     */
    private boolean isUniqueTest(Phyint p, Instance mine, LogicalIf test) {
        Group g = groupOf(p);
        if (g == null) {
            return true;
        }
        for (Phyint q : g.members) {
            if (q == p) {
                continue;
            }
            for (Instance i : q.instances()) {
                if (i.prober.running && test.address.equals(i.prober.testAddress)) {
                    if (!test.address.equals(mine.prober.duplicateReported)) {
                        mine.prober.duplicateReported = test.address;
                        log("Test address " + Addresses.format(test.address)
                                + " is not unique in group; disabling probe-based failure detection on " + p.name);
                    }
                    return false;
                }
            }
        }
        mine.prober.duplicateReported = null;
        return true;
    }

    private void checkNoTestAddress(Phyint p) {
        if (p.group == null || !p.present || p.offline || p.probing() || p.noTestAddressReported) {
            return;
        }
        for (Instance i : p.instances()) {
            if (i.prober.duplicateReported != null) {
                return; // it has one; probing is off for another reason, already reported
            }
        }
        p.noTestAddressReported = true;
        log("No test address configured on interface " + p.name
                + "; disabling probe-based failure detection on it");
    }

    // ---------------------------------------------------------------- administration

    Phyint requirePhyint(String name, String errorIfMissing) throws AdminException {
        Phyint p = phyints.get(name);
        if (p == null || !p.present) {
            throw new AdminException(errorIfMissing);
        }
        return p;
    }

    Instance requireInstance(String name, Family f, String errorIfMissing) throws AdminException {
        Phyint p = requirePhyint(name, errorIfMissing);
        Instance i = p.instance(f);
        if (i == null) {
            throw new AdminException(errorIfMissing);
        }
        return i;
    }

    /** The link-local address the kernel gives a NIC: EUI-64 of its hardware address (or of one derived from its index). */
    private InetAddress linkLocalFor(Phyint p) {
        int idx = p.ifindex;
        byte[] mac = p.mac != null && p.mac.length == 6 ? p.mac
                : new byte[] {0x08, 0x00, 0x20, (byte) 0xb9, (byte) (idx >> 8), (byte) idx};
        byte[] a = new byte[16];
        a[0] = (byte) 0xfe;
        a[1] = (byte) 0x80;
        a[8] = (byte) (mac[0] ^ 0x02);
        a[9] = mac[1];
        a[10] = mac[2];
        a[11] = (byte) 0xff;
        a[12] = (byte) 0xfe;
        a[13] = mac[3];
        a[14] = mac[4];
        a[15] = mac[5];
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ifconfig IF [inet6] plumb. */
    public void plumb(String name, Family f) throws AdminException {
        changed();
        Phyint p = requirePhyint(name, "ifconfig: plumb: " + name + ": no such interface");
        if (p.instance(f) != null) {
            throw new AdminException("ifconfig: SIOCSLIFNAME for ip: " + name + ": already exists");
        }
        Instance i = new Instance(p, f, new Prober(this, p, f));
        LogicalIf unit0 = f == Family.INET
                ? new LogicalIf(0, Addresses.ANY4, 8, 0, name, lifSerial++)
                : new LogicalIf(0, linkLocalFor(p), 10, 0, name, lifSerial++);
        i.lifs.put(0, unit0);
        if (f == Family.INET) {
            p.v4 = i;
        } else {
            p.v6 = i;
        }
        p.lastChangeNs = now();
        updateProbing(p);
        recompute(groupOf(p));
    }

    /** ifconfig IF [inet6] unplumb: the instance goes, its addresses with it. */
    public void unplumb(String name, Family f) throws AdminException {
        changed();
        Instance i = requireInstance(name, f, "ifconfig: unplumb: " + name + ": no such interface");
        Phyint p = i.phyint;
        Group g = groupOf(p);
        i.prober.stop();
        for (LogicalIf l : new ArrayList<>(i.lifs.values())) {
            if (g != null && l.isData() && !p.name.equals(l.homeIf)) {
                Phyint home = phyints.get(l.homeIf);
                Phyint dest = home != null && home.usable() && home.instance(f) != null ? home
                        : chooseDestination(g, p, f);
                if (dest != null) {
                    Instance to = dest.instance(f);
                    move(l, i, to, to.unitFree(l.homeUnit) && dest == home ? l.homeUnit : to.nextFreeUnit(), g,
                            MoveReason.ADMIN);
                    continue;
                }
            }
            if (inKernel(p, l)) {
                platform.removeAddress(placement(i, l));
            }
        }
        if (g != null) {
            // Addresses of this interface that failed over elsewhere now belong where they are.
            for (Phyint q : g.members) {
                Instance qi = q.instance(f);
                if (qi != null && q != p) {
                    for (LogicalIf l : qi.lifs.values()) {
                        if (name.equals(l.homeIf)) {
                            l.homeIf = q.name;
                            l.homeUnit = l.unit;
                        }
                    }
                }
            }
        }
        if (f == Family.INET) {
            p.v4 = null;
        } else {
            p.v6 = null;
        }
        if (!p.plumbed() && g != null) {
            leaveGroup(p);
        }
        reconcile(g);
    }

    /** Sets the address of a logical interface (ifconfig IF[:N] ADDR). */
    public void setAddress(String name, int unit, Family f, InetAddress a, int prefixLen) throws AdminException {
        changed();
        Instance i = requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = i.lifs.get(unit);
        if (l == null) {
            throw new AdminException("ifconfig: " + lifName(name, unit) + ": no such interface");
        }
        if (reclaim(i, unit, a)) {
            return;
        }
        checkUnused(a, lifName(name, unit), true);
        boolean wasIn = inKernel(i.phyint, l);
        if (wasIn) {
            platform.removeAddress(placement(i, l));
        }
        l.address = a;
        l.prefixLen = prefixLen;
        l.placeholder = false;
        l.homeIf = name;
        l.homeUnit = unit;
        if (inKernel(i.phyint, l)) {
            platform.addAddress(placement(i, l));
        }
        afterAddressChange(i.phyint);
    }

    /** Changes the prefix length (netmask) of a logical interface. */
    public void setPrefix(String name, int unit, Family f, int prefixLen) throws AdminException {
        changed();
        Instance i = requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = locate(i, unit);
        Instance host = i;
        boolean in = inKernel(host.phyint, l);
        if (in) {
            platform.removeAddress(placement(host, l));
        }
        l.prefixLen = prefixLen;
        if (in) {
            platform.addAddress(placement(host, l));
        }
        updateProbing(host.phyint);
    }

    /**
     * A boot configuration replayed on a reattached NIC names an address that failed over from it:
     * it comes back (fails back) instead of being created twice.
     */
    private boolean reclaim(Instance i, int unit, InetAddress a) {
        for (Phyint q : phyints.values()) {
            Instance qi = q.instance(i.family);
            if (qi == null || q == i.phyint) {
                continue;
            }
            LogicalIf l = qi.find(a);
            if (l == null || !i.phyint.name.equals(l.homeIf)) {
                continue;
            }
            LogicalIf current = i.lifs.get(unit);
            int target = current == null || !current.hasAddress() || current.placeholder ? unit : i.nextFreeUnit();
            move(l, qi, i, target, groupOf(q), MoveReason.FAILBACK);
            reclaimed++;
            recompute(groupOf(q));
            return true;
        }
        return false;
    }

    /** Addresses brought home while replaying a boot configuration. */
    private int reclaimed;

    /**
     * A data address may exist once on the host. A test address may repeat (the kernel allows the
     * same address on two interfaces; in a group the duplicate's probing is disabled).
     */
    private void checkUnused(InetAddress a, String where, boolean testAddress) throws AdminException {
        if (Addresses.isUnspecified(a) || Addresses.isLinkLocal(a)) {
            return;
        }
        for (Phyint q : phyints.values()) {
            for (Instance qi : q.instances()) {
                LogicalIf l = qi.find(a);
                if (l != null && !(testAddress && l.isNoFailover())) {
                    throw new AdminException("ifconfig: " + where + ": address " + Addresses.format(a)
                            + " is already configured on " + lifName(q.name, l.unit));
                }
            }
        }
    }

    /** Specification of a new logical interface, as the arguments after addif describe it. */
    public record NewAddress(InetAddress address, int prefixLen, boolean up, boolean deprecated, boolean noFailover) {
    }

    /**
     * ifconfig IF addif ADDR ...: creates the next logical interface. On a FAILED, INACTIVE or
     * OFFLINE member the address is created on a working member of the group instead; the name
     * actually created is returned ("ce0:2").
     */
    public String addif(String name, Family f, NewAddress spec) throws AdminException {
        changed();
        Instance i = requireInstance(name, f, "ifconfig: addif: SIOCLIFADDIF: " + name + ": no such interface");
        Phyint p = i.phyint;
        Group g = groupOf(p);
        Instance target = i;
        boolean unusable = p.failed || p.inactive || p.offline;
        if (g != null && unusable) {
            if (spec.noFailover()) {
                throw new AdminException("ifconfig: can't set -failover on failed/standby/offlined interface " + name);
            }
            Phyint best = null;
            for (Phyint q : g.members) {
                if (q != p && q.active() && q.instance(f) != null
                        && (best == null || q.upDataCount() < best.upDataCount())) {
                    best = q;
                }
            }
            if (best == null) {
                throw new AdminException("ifconfig: addif: SIOCLIFADDIF: " + name + ": Network is down");
            }
            target = best.instance(f);
        }
        // Replaying a boot file on a reattached NIC: the address is already ours somewhere.
        for (Phyint q : phyints.values()) {
            Instance qi = q.instance(f);
            LogicalIf mine = qi == null ? null : qi.find(spec.address());
            if (mine != null && name.equals(mine.homeIf)) {
                if (q != p) {
                    reclaim(i, i.nextFreeUnit(), spec.address());
                }
                return lifName(name, i.find(spec.address()).unit);
            }
        }
        checkUnused(spec.address(), "addif", spec.noFailover());
        int unit = target.nextFreeUnit();
        long flags = (spec.up() ? Flags.UP : 0) | (spec.deprecated() ? Flags.DEPRECATED : 0)
                | (spec.noFailover() ? Flags.NOFAILOVER : 0);
        LogicalIf l = new LogicalIf(unit, spec.address(), spec.prefixLen(), flags, target.phyint.name, lifSerial++);
        target.lifs.put(unit, l);
        if (inKernel(target.phyint, l)) {
            platform.addAddress(placement(target, l));
        }
        afterAddressChange(target.phyint);
        return lifName(target.phyint.name, unit);
    }

    /**
     * ifconfig IF removeif ADDR: removes the address from the member of IF's group that holds it
     * (only from IF itself when IF is in no group).
     */
    public void removeif(String name, Family f, InetAddress a) throws AdminException {
        changed();
        Instance i = requireInstance(name, f, "ifconfig: removeif: SIOCLIFREMOVEIF: " + name + ": no such interface");
        Instance host = null;
        LogicalIf l = i.find(a);
        if (l != null) {
            host = i;
        } else {
            Group g = groupOf(i.phyint);
            if (g != null) {
                for (Phyint q : g.members) {
                    Instance qi = q.instance(f);
                    if (qi != null && qi.find(a) != null) {
                        host = qi;
                        l = qi.find(a);
                        break;
                    }
                }
            }
        }
        if (l == null || l.placeholder) {
            throw new AdminException("ifconfig: removeif: SIOCLIFREMOVEIF: " + name
                    + ": Cannot assign requested address");
        }
        if (l.unit == 0) {
            throw new AdminException("ifconfig: removeif: SIOCLIFREMOVEIF: " + name + ": Invalid argument");
        }
        if (inKernel(host.phyint, l)) {
            platform.removeAddress(placement(host, l));
        }
        host.lifs.remove(l.unit);
        afterAddressChange(host.phyint);
    }

    /** ifconfig IF group NAME (or group "" to leave). */
    public void setGroup(String name, String group) throws AdminException {
        changed();
        if (name.contains(":")) {
            throw new AdminException("ifconfig: group: " + name
                    + ": groups can only be set on physical interfaces");
        }
        Phyint p = requirePhyint(name, "ifconfig: group: " + name + ": no such interface");
        if (!p.plumbed()) {
            throw new AdminException("ifconfig: group: " + name + ": no such interface");
        }
        String g = group == null ? "" : group;
        validateGroupName(g);
        if (g.equals(p.group == null ? "" : p.group)) {
            return;
        }
        if (p.group != null) {
            leaveGroup(p);
        }
        if (!g.isEmpty()) {
            joinGroup(p, g);
        }
    }

    /** Group names: at most 31 characters (LIFGRNAMSIZ), no white space (ifconfig would hide it). */
    public static void validateGroupName(String g) throws AdminException {
        if (g.length() > 31) {
            throw new AdminException("ifconfig: group: group name \"" + g + "\" is longer than 31 characters");
        }
        for (int k = 0; k < g.length(); k++) {
            if (Character.isWhitespace(g.charAt(k)) || Character.isISOControl(g.charAt(k))) {
                throw new AdminException("ifconfig: group: group name \"" + g + "\" must not contain white space");
            }
        }
    }

    private void joinGroup(Phyint p, String name) {
        Group g = groups.computeIfAbsent(name, n -> new Group(n, config.failureDetectionTimeMs()));
        g.members.add(p);
        p.group = name;
        p.joinSerial = joinSerial++;
        p.lastChangeNs = now();
        p.noTestAddressReported = false;
        platform.memberJoined(p.name, name);
        if (p.v4 != null && p.v6 == null) {
            log("NIC " + p.name + " of group " + name + " is not plumbed for IPv6 and may affect failover capability");
        }
        updateProbing(p);
        long joined = p.joinSerial;
        schedule(now() + NO_TEST_ADDRESS_GRACE_NS, () -> {
            if (p.joinSerial == joined && name.equals(p.group)) {
                checkNoTestAddress(p);
            }
        });
        if (!p.running && !p.failed && !p.offline) {
            fail(p, Detection.LINK);
        } else {
            reconcile(g);
        }
        checkHardwareAddresses(g);
    }

    /**
     * Leaving a group restores the interface's own configuration: addresses it hosts for others go
     * back, addresses of its own that failed over come home.
     */
    private void leaveGroup(Phyint p) {
        Group g = groupOf(p);
        if (g == null) {
            return;
        }
        for (Family f : Family.values()) {
            Instance mine = p.instance(f);
            if (mine == null) {
                continue;
            }
            for (LogicalIf l : mine.dataLifs()) {
                if (p.name.equals(l.homeIf)) {
                    continue;
                }
                Phyint home = phyints.get(l.homeIf);
                Phyint dest = home != null && g.members.contains(home) && home.usable() && home.instance(f) != null
                        ? home : chooseDestination(g, p, f);
                if (dest != null) {
                    Instance to = dest.instance(f);
                    move(l, mine, to, dest == home && to.unitFree(l.homeUnit) ? l.homeUnit : to.nextFreeUnit(), g,
                            MoveReason.ADMIN);
                }
            }
            for (Phyint q : g.members) {
                Instance qi = q.instance(f);
                if (q == p || qi == null) {
                    continue;
                }
                for (LogicalIf l : qi.dataLifs()) {
                    if (p.name.equals(l.homeIf)) {
                        move(l, qi, mine, mine.unitFree(l.homeUnit) ? l.homeUnit : mine.nextFreeUnit(), g,
                                MoveReason.ADMIN);
                    }
                }
            }
        }
        g.members.remove(p);
        p.group = null;
        p.hwDup = false;
        p.failed = false;
        p.inactive = false;
        p.offline = false;
        p.failedBy = null;
        p.lastChangeNs = now();
        platform.memberLeft(p.name);
        platform.usabilityChanged(p.name, true);
        updateProbing(p);
        if (g.members.isEmpty() && !g.declared) {
            groups.remove(g.name);
        } else {
            reconcile(g);
            checkHardwareAddresses(g);
        }
    }

    /** Creates an empty group (an NMS row or a NETCONF list entry); it stays until deleted. */
    public void createGroup(String name) throws AdminException {
        changed();
        validateGroupName(name);
        if (name.isEmpty()) {
            throw new AdminException("group name must not be empty");
        }
        Group g = groups.computeIfAbsent(name, n -> new Group(n, config.failureDetectionTimeMs()));
        g.declared = true;
        recompute(g);
    }

    /** Deletes a group; refused while it has members. */
    public void deleteGroup(String name) throws AdminException {
        changed();
        Group g = groups.get(name);
        if (g == null) {
            throw new AdminException("unknown group " + name);
        }
        if (!g.members.isEmpty()) {
            throw new AdminException("group " + name + " still has members");
        }
        groups.remove(name);
    }

    /** Whether a group was created on its own (and survives without members). */
    public boolean isDeclared(String group) {
        Group g = groups.get(group);
        return g != null && g.declared;
    }

    private Instance plumbed(String name, Family f) throws AdminException {
        Phyint p = requirePhyint(name, "ifconfig: " + name + ": no such interface");
        if (p.instance(f) == null) {
            plumb(name, f);
        }
        return p.instance(f);
    }

    /**
     * Adds a data address that belongs to {@code home}; while home cannot carry it, it is hosted
     * by another member (the NMS names the home, the rules choose the host).
     */
    public void addDataAddress(String home, InetAddress a, int prefixLen) throws AdminException {
        changed();
        Family f = Family.of(a);
        Instance i = plumbed(home, f);
        checkUnused(a, home, false);
        int unit = i.unitFree(0) && !i.lifs.get(0).hasAddress() && f == Family.INET ? 0 : i.nextFreeUnit();
        LogicalIf l = new LogicalIf(unit, a, prefixLen, Flags.UP, home, lifSerial++);
        i.lifs.put(unit, l);
        if (inKernel(i.phyint, l)) {
            platform.addAddress(placement(i, l));
        }
        afterAddressChange(i.phyint);
    }

    /** Removes a data address wherever the host holds it. */
    public void removeDataAddress(InetAddress a) throws AdminException {
        changed();
        for (Phyint q : phyints.values()) {
            for (Instance qi : q.instances()) {
                LogicalIf l = qi.find(a);
                if (l == null || !l.isData()) {
                    continue;
                }
                if (inKernel(q, l)) {
                    platform.removeAddress(placement(qi, l));
                }
                if (l.unit == 0) {
                    l.address = Addresses.ANY4;
                    l.prefixLen = 8;
                } else {
                    qi.lifs.remove(l.unit);
                }
                afterAddressChange(q);
                return;
            }
        }
        throw new AdminException("address " + Addresses.format(a) + " is not a data address here");
    }

    /** Gives a member a test address: IPv4 a DEPRECATED NOFAILOVER address, IPv6 its link-local one. */
    public void addTestAddress(String member, Family f, InetAddress a, int prefixLen) throws AdminException {
        changed();
        Instance i = plumbed(member, f);
        if (f == Family.INET6) {
            setLifFlag(member, 0, f, Flags.NOFAILOVER, true);
            setLifFlag(member, 0, f, Flags.UP, true);
            return;
        }
        addif(member, f, new NewAddress(a, prefixLen, true, true, true));
    }

    /** Removes a member's test address of one family (probing on that family stops). */
    public void removeTestAddress(String member, Family f) throws AdminException {
        changed();
        Instance i = requireInstance(member, f, "ifconfig: " + member + ": no such interface");
        LogicalIf t = i.testLif();
        if (t == null) {
            return;
        }
        if (f == Family.INET6 || t.unit == 0) {
            if (f == Family.INET) {
                setAddress(member, 0, f, Addresses.ANY4, 8);
            }
            setLifFlag(member, 0, f, Flags.NOFAILOVER, false);
            setLifFlag(member, 0, f, Flags.DEPRECATED, false);
            return;
        }
        removeif(member, f, t.address);
    }

    /** Sets or clears UP, DEPRECATED or NOFAILOVER on a logical interface. */
    public void setLifFlag(String name, int unit, Family f, long flag, boolean on) throws AdminException {
        changed();
        Instance i = requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = locate(i, unit);
        Instance host = i;
        Phyint p = host.phyint;
        if (flag == Flags.NOFAILOVER && on && p.group != null && (p.failed || p.inactive || p.offline)
                && !l.isNoFailover()) {
            throw new AdminException("ifconfig: can't set -failover on failed/standby/offlined interface " + name);
        }
        boolean wasIn = inKernel(p, l);
        AddressPlacement before = wasIn ? placement(host, l) : null;
        l.flags = on ? l.flags | flag : l.flags & ~flag;
        boolean isIn = inKernel(p, l);
        if (wasIn && !isIn) {
            platform.removeAddress(before);
        } else if (!wasIn && isIn) {
            platform.addAddress(placement(host, l));
        } else if (wasIn && flag == Flags.NOFAILOVER) {
            platform.removeAddress(before);
            platform.addAddress(placement(host, l));
        }
        afterAddressChange(p);
    }

    private LogicalIf locate(Instance i, int unit) throws AdminException {
        LogicalIf l = i.lifs.get(unit);
        if (l == null) {
            throw new AdminException("ifconfig: " + lifName(i.phyint.name, unit) + ": no such interface");
        }
        return l;
    }

    private void afterAddressChange(Phyint p) {
        updateProbing(p);
        Group g = groupOf(p);
        if (g != null) {
            reconcile(g);
        }
    }

    /** ifconfig IF standby / -standby. */
    public void setStandby(String name, boolean on) throws AdminException {
        changed();
        Phyint p = requirePhyint(name, "ifconfig: " + name + ": no such interface");
        if (p.standby == on) {
            return;
        }
        p.standby = on;
        p.lastChangeNs = now();
        Group g = groupOf(p);
        if (on && g != null) {
            // Data addresses may not stay on a standby: they fail over to another member.
            for (Family f : Family.values()) {
                Instance from = p.instance(f);
                if (from == null || from.dataLifs().isEmpty()) {
                    continue;
                }
                Phyint y = chooseDestination(g, p, f);
                if (y == null) {
                    continue;
                }
                for (LogicalIf l : from.dataLifs()) {
                    move(l, from, y.instance(f), y.instance(f).nextFreeUnit(), g, MoveReason.ADMIN);
                    // A standby owns no data addresses: they now belong where they went.
                    l.homeIf = y.name;
                    l.homeUnit = l.unit;
                }
            }
        }
        if (!on) {
            p.inactive = false;
        }
        reconcile(g);
    }

    /** if_mpadm -d IF. */
    public void offline(String name) throws AdminException {
        changed();
        Phyint p = phyints.get(name);
        if (p == null || !p.present || p.group == null || name.contains(":")) {
            throw new AdminException("if_mpadm: fatal: cannot offline " + name
                    + ": not a physical interface or not in an IPMP group");
        }
        if (p.offline) {
            throw new AdminException("if_mpadm: fatal: interface " + name + " is already offline");
        }
        Group g = groupOf(p);
        boolean other = g.members.stream().anyMatch(q -> q != p && q.usable());
        if (!other) {
            throw new AdminException("if_mpadm: fatal: cannot offline " + name
                    + ": no other functioning interfaces are in its IPMP group");
        }
        p.offline = true;
        p.inactive = false;
        p.lastChangeNs = now();
        for (Instance i : p.instances()) {
            i.prober.stop();
        }
        platform.usabilityChanged(name, false);
        reconcile(g);
    }

    /** if_mpadm -r IF: back online, then treated as repaired. */
    public void undoOffline(String name) throws AdminException {
        changed();
        Phyint p = phyints.get(name);
        if (p == null || !p.present || p.group == null || name.contains(":")) {
            throw new AdminException("if_mpadm: fatal: cannot undo-offline " + name + ": interface is not using IPMP");
        }
        if (!p.offline) {
            throw new AdminException("if_mpadm: fatal: interface " + name + " is not offline");
        }
        Group g = groupOf(p);
        p.offline = false;
        p.failed = false;
        p.lastChangeNs = now();
        updateProbing(p);
        if (!p.running) {
            fail(p, Detection.LINK);
            return;
        }
        platform.usabilityChanged(name, true);
        if (!config.failback() && p.upDataCount() == 0) {
            p.inactive = true;
        }
        reconcile(g);
    }

    static String lifName(String name, int unit) {
        return unit == 0 ? name : name + ":" + unit;
    }

    // ---------------------------------------------------------------- boot-persistent configuration

    /** Remembers an interface's hostname.IF / hostname6.IF lines, replayed when its NIC attaches. */
    public void setBootConfig(String name, Family f, List<String> lines) {
        changed();
        (f == Family.INET ? bootConfig4 : bootConfig6).put(name, List.copyOf(lines));
    }

    /**
     * Configures every interface from its boot configuration, as the start-up scripts do. Data
     * addresses of interfaces whose NIC is missing are hosted on another member of their group
     * ("moving addresses from failed IPv4 interfaces: hme0 (moved to hme1)").
     *
     * @return problems found in the files (file line and token), one message each
     */
    public List<String> boot() {
        changed();
        List<String> problems = new ArrayList<>();
        for (Family f : Family.values()) {
            Map<String, List<String>> files = f == Family.INET ? bootConfig4 : bootConfig6;
            for (Map.Entry<String, List<String>> e : files.entrySet()) {
                Phyint p = phyints.get(e.getKey());
                if (p != null && p.present) {
                    problems.addAll(IfconfigCommand.applyFile(this, e.getKey(), f, e.getValue()));
                }
            }
        }
        for (Family f : Family.values()) {
            Map<String, List<String>> files = f == Family.INET ? bootConfig4 : bootConfig6;
            List<String> moved = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : files.entrySet()) {
                Phyint p = phyints.get(e.getKey());
                if (p != null && p.present) {
                    continue;
                }
                moved.add(hostMissing(e.getKey(), f, e.getValue()));
            }
            if (!moved.isEmpty()) {
                log("moving addresses from failed " + f.label + " interfaces: " + String.join(" ", moved));
            }
        }
        return problems;
    }

    private String hostMissing(String name, Family f, List<String> lines) {
        IfconfigCommand.FileSummary s = IfconfigCommand.summarize(name, f, lines);
        Phyint p = phyints.get(name);
        if (p == null) {
            p = new Phyint(name, 0);
            p.present = false;
            phyints.put(name, p);
        }
        if (s.group() != null && p.group == null) {
            Group g = groups.computeIfAbsent(s.group(), n -> new Group(n, config.failureDetectionTimeMs()));
            g.members.add(p);
            p.group = s.group();
            p.joinSerial = joinSerial++;
            p.failed = true;
            p.failedBy = Detection.LINK;
        }
        Group g = groupOf(p);
        Phyint dest = null;
        if (g != null) {
            for (Phyint q : g.members) {
                if (q != p && q.usable() && q.instance(f) != null
                        && (dest == null || q.upDataCount() < dest.upDataCount())) {
                    dest = q;
                }
            }
        }
        if (dest == null || s.dataAddresses().isEmpty()) {
            recompute(g);
            return name + " (couldn't move; no alternative interface)";
        }
        Instance to = dest.instance(f);
        for (IfconfigCommand.DataAddress d : s.dataAddresses()) {
            if (isLocalAddress(d.address())) {
                continue;
            }
            int unit = to.nextFreeUnit();
            LogicalIf l = new LogicalIf(unit, d.address(), d.prefixLen(), d.up() ? Flags.UP : 0, name, lifSerial++);
            l.homeUnit = d.unit();
            to.lifs.put(unit, l);
            if (inKernel(dest, l)) {
                platform.addAddress(placement(to, l));
            }
        }
        recompute(g);
        return name + " (moved to " + dest.name + ")";
    }

    private void replayBootConfig(Phyint p) {
        for (Family f : Family.values()) {
            List<String> lines = (f == Family.INET ? bootConfig4 : bootConfig6).get(p.name);
            if (lines == null) {
                continue;
            }
            Group g = groupOf(p);
            if (g != null) {
                // Rejoin through the file itself: leave the placeholder membership first.
                g.members.remove(p);
                p.group = null;
                p.failed = false;
                if (g.members.isEmpty()) {
                    groups.remove(g.name);
                }
            }
            reclaimed = 0;
            for (String problem : IfconfigCommand.applyFile(this, p.name, f, lines)) {
                log(problem);
            }
            if (reclaimed > 0) {
                log("Successfully failed back to NIC " + p.name);
            }
            if (g != null && p.group == null) {
                // The file did not name the group again: the addresses homed here stay where they are.
                for (Phyint q : g.members) {
                    for (Instance qi : q.instances()) {
                        for (LogicalIf l : qi.lifs.values()) {
                            if (p.name.equals(l.homeIf)) {
                                l.homeIf = q.name;
                                l.homeUnit = l.unit;
                            }
                        }
                    }
                }
            }
        }
        Group g = groupOf(p);
        if (g != null) {
            reconcile(g);
        }
    }

    // ---------------------------------------------------------------- read model

    /** A consistent, immutable picture of everything: what ipmpstat, SNMP and NETCONF publish. */
    public EngineSnapshot snapshot() {
        return EngineSnapshot.of(this);
    }

    /** The part of {@link #snapshot()} about an interface: its whole group, or itself when in none. */
    public EngineSnapshot snapshotOfInterface(String ifname) {
        return EngineSnapshot.partOf(this, ifname);
    }

    /** The part of {@link #snapshot()} about a group: the group, its members and its data addresses. */
    public EngineSnapshot snapshotOfGroup(String group) {
        return EngineSnapshot.partOfGroup(this, group);
    }
}
