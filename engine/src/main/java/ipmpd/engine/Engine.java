package ipmpd.engine;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The failover engine: in.mpathd's rules over a model of interfaces, groups and addresses.
 * <p>
 * Deterministic and single-threaded (nothing here is for other threads; the daemon publishes
 * what they read): it is fed events (link changes, probe replies, routing
 * changes, administrative commands) and asks the clock it was given for the time. Timers are kept
 * in a queue that the driver runs ({@link #nextDeadlineNs()}, {@link #runDue()}). It acts only
 * through the {@link Platform} and reports through the {@link EngineListener}.
 * <p>
 * This class is the facade: the public entry points (events and commands), the timers and the
 * change counters. The rules live with their concern, as in.mpathd splits its daemon:
 * {@link FailureDetection} and {@link FdtAdaptation} (mpd_probe.c), {@link Membership} (the tables
 * of mpd_tables.c), {@link Placement} (where data addresses go), {@link LogicalInterfaces} (the
 * ifconfig part) and {@link BootConfiguration} (hostname.IF files). docs/ARCHITECTURE.md, "Engine".
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
        /** A periodic check: a model change only if the model's signature changed (it mostly logs nothing). */
        final boolean check;
        boolean cancelled;

        Timer(long at, long seq, Runnable action, Phyint prober, boolean check) {
            this.at = at;
            this.seq = seq;
            this.action = action;
            this.prober = prober;
            this.check = check;
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
    private List<Route> routes = List.of();
    final Membership membership = new Membership(this);
    final FailureDetection detection = new FailureDetection(this);
    final FdtAdaptation fdt = new FdtAdaptation(this);
    final Placement placement = new Placement(this);
    final LogicalInterfaces logicalInterfaces = new LogicalInterfaces(this);
    final BootConfiguration boot = new BootConfiguration(this);
    final IpmpInterfaces ipmp = new IpmpInterfaces(this);
    private final FamilyConsistency familyConsistency = new FamilyConsistency();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            Comparator.comparingLong((Timer t) -> t.at).thenComparingLong(t -> t.seq));
    private long timerSeq;
    private long modelGeneration;
    private long statisticsGeneration;
    /** Since {@link #takeStatisticsChanges()}: a change other than a probe step may have moved every interface's statistics. */
    private boolean statisticsStale = true;
    /** Since {@link #takeStatisticsChanges()}: the members whose probe steps ran. */
    private final Set<String> statisticsTouched = new LinkedHashSet<>();

    public Engine(LongSupplier clockNs, Platform platform, EngineListener listener, RandomGenerator random,
                  EngineConfig config) {
        this.clock = clockNs;
        this.platform = platform;
        this.listener = listener;
        this.random = random;
        this.config = config;
        scheduleConfigCheck(clockNs.getAsLong() + FamilyConsistency.CHECK_INTERVAL_NS);
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
            } else if (t.check) {
                checkStep(t.action);
            } else {
                changed();
                t.action.run();
            }
        }
    }

    Timer schedule(long at, Runnable action) {
        return schedule(at, action, null, false);
    }

    /** A timer of a member's prober: its step counts as a model change only if it changed more than statistics. */
    Timer scheduleProbe(long at, Phyint member, Runnable action) {
        return schedule(at, action, member, false);
    }

    private Timer schedule(long at, Runnable action, Phyint prober, boolean check) {
        Timer t = new Timer(at, timerSeq++, action, prober, check);
        timers.add(t);
        return t;
    }

    /**
     * in.mpathd's check_config() after its interface scan, every {@link FamilyConsistency#CHECK_INTERVAL_NS}:
     * members not plumbed for a family their group has, and members consistent again.
     */
    private void scheduleConfigCheck(long at) {
        schedule(at, () -> {
            familyConsistency.check(this);
            scheduleConfigCheck(at + FamilyConsistency.CHECK_INTERVAL_NS);
        }, null, true);
    }

    private void checkStep(Runnable step) {
        long before = ModelSignature.ofAll(this);
        step.run();
        if (ModelSignature.ofAll(this) != before) {
            changed();
        }
    }

    // ---------------------------------------------------------------- change counters

    /**
     * Changes whenever what {@link #snapshot()} shows may have changed, except the probe
     * statistics (probes sent, acknowledged, lost; round-trip times): bumped by every event,
     * command and timer, except probe steps (probe sent, reply, timeout) that changed nothing but
     * statistics. So a face can keep what it derived from a snapshot until the model changes.
     * Take the snapshot and this value in the same engine step. Engine thread, like everything
     * here: the daemon publishes it to other threads.
     */
    public long modelGeneration() {
        return modelGeneration;
    }

    /** Changes whenever anything {@link #snapshot()} shows may have changed, statistics included. */
    public long statisticsGeneration() {
        return statisticsGeneration;
    }

    private void changed() {
        modelGeneration++;
        statisticsGeneration++;
        statisticsStale = true;
    }

    /** The probe statistics of an interface now, or null when the engine has no such interface. */
    public ProbeStatistics probeStatistics(String ifname) {
        Phyint p = membership.phyints.get(ifname);
        return p == null ? null : ProbeStatistics.of(p);
    }

    /** The names of every interface the engine knows (those {@link #probeStatistics} answers for). */
    public Set<String> interfaceNames() {
        return Set.copyOf(membership.phyints.keySet());
    }

    /**
     * Whose probe statistics may have changed since the previous call: every interface's after a
     * change other than a probe step, else those of the members whose probe steps ran.
     *
     * @param all every interface's may have changed (then {@code interfaces} is empty)
     */
    public record StatisticsChanges(boolean all, Set<String> interfaces) {
        public boolean none() {
            return !all && interfaces.isEmpty();
        }
    }

    /** Takes (and forgets) what changed in the probe statistics; see {@link StatisticsChanges}. */
    public StatisticsChanges takeStatisticsChanges() {
        StatisticsChanges c = statisticsStale ? new StatisticsChanges(true, Set.of())
                : new StatisticsChanges(false, Set.copyOf(statisticsTouched));
        statisticsStale = false;
        statisticsTouched.clear();
        return c;
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
                statisticsTouched.add(p.name); // a probe step moves its member's statistics only
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

    void log(String message) {
        listener.log(message);
    }

    // ---------------------------------------------------------------- system events

    /** A NIC exists (at start, or attached later), hardware address unknown. */
    public void nicAdded(String name, int ifindex, boolean running) {
        nicAdded(name, ifindex, running, null);
    }

    /** A NIC exists, or its hardware address changed. */
    public void nicAdded(String name, int ifindex, boolean running, byte[] mac) {
        if (ipmp.get(name) != null) {
            ipmpDeviceIndex(name, ifindex); // the IPMP interface's device: its index, nothing more
            return;
        }
        Phyint known = membership.phyints.get(name);
        if (known != null && known.present) {
            // the platform reports known NICs again (any attribute change): a model change only if it changed the group
            modelStep(known, () -> membership.nicAdded(known, name, ifindex, running, mac));
        } else {
            changed();
            membership.nicAdded(known, name, ifindex, running, mac);
        }
    }

    /**
     * The platform's device of IPMP interface {@code name} exists with kernel index {@code ifindex}
     * (shown by ifconfig). Not a NIC: nothing else changes; a name that is no IPMP interface (a
     * device left by an earlier run, before the configuration made it one) is ignored.
     */
    public void ipmpDeviceIndex(String name, int ifindex) {
        if (ipmp.get(name) != null) {
            changed();
            ipmp.deviceIndex(name, ifindex);
        }
    }

    /** A NIC disappeared (dynamic reconfiguration): its data addresses fail over. */
    public void nicRemoved(String name) {
        if (ipmp.get(name) != null) {
            return; // the IPMP interface's own device: the engine's, removed when unplumbed
        }
        changed();
        membership.nicRemoved(name);
    }

    /** The kernel set a NIC administratively up or down (Linux's IFF_UP): unit 0 follows. */
    public void adminStateChanged(String name, boolean up) {
        changed();
        logicalInterfaces.kernelAdminState(name, up);
    }

    /** RUNNING changed on a NIC. */
    public void linkChanged(String name, boolean running) {
        Phyint p = membership.phyints.get(name);
        if (p == null || !p.present || p.running == running) {
            return; // polled and unchanged: not a change of the model
        }
        changed();
        detection.linkChanged(p, running);
    }

    /** An echo reply arrived on a member's probe socket. */
    public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs) {
        probeReply(ifname, family, from, seq, rxNs, -1);
    }

    /**
     * {@code wireRttNs} of a reply to a probe that the platform did not see leave (its device
     * stamps departures, this one was not stamped): the reply counts, its round trip is no sample.
     */
    public static final long DEPARTURE_UNSEEN = -2;

    /**
     * An echo reply, with the round trip the platform measured from the probe's own departure
     * (the kernel's transmit stamp, or the send time carried in its payload, to the kernel's
     * receive stamp), -1 if none, or {@link #DEPARTURE_UNSEEN}. The engine's own measure starts
     * when it decided to send, which can be earlier (a probe socket opened first, a cold start,
     * a wait in neighbour resolution): the shorter of the two counts.
     */
    public void probeReply(String ifname, Family family, InetAddress from, int seq, long rxNs, long wireRttNs) {
        Phyint p = membership.phyints.get(ifname);
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
        Phyint p = membership.phyints.get(ifname);
        if (p == null || membership.isLocalAddress(from)) {
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
            routes = List.copyOf(newRoutes);
            detection.routesChanged();
        } finally {
            statisticsStale = true;
            statisticsGeneration++;
            if (ModelSignature.ofAll(this) != before) {
                modelGeneration++; // the routes themselves are not shown: only the targets chosen from them
            }
        }
    }

    /**
     * Sets a group's configured probe targets (the NMS's equivalent of host routes): they come
     * first, before host routes and routers.
     */
    public void setGroupTargets(String group, List<InetAddress> targets) throws AdminException {
        changed();
        detection.setGroupTargets(group, targets);
    }

    /** Applies a reread /etc/default/mpathd (SIGHUP) or a change made through SNMP or NETCONF. */
    public void applyConfig(EngineConfig next) {
        changed();
        EngineConfig before = config;
        config = next;
        if (before.failureDetectionTimeMs() != next.failureDetectionTimeMs()) {
            fdt.configured(next.failureDetectionTimeMs());
            // At once, in every group and on ungrouped tracked interfaces: the pending sends were
            // timed on the old interval (from 600000 ms that would stop probing for minutes).
            for (Phyint p : membership.phyints.values()) {
                for (Instance i : p.instances()) {
                    i.prober.restartTimer();
                }
            }
        }
        if (before.trackInterfacesOnlyWithGroups() != next.trackInterfacesOnlyWithGroups()) {
            membership.trackingChanged(next.trackInterfacesOnlyWithGroups());
        }
        if (!before.failback() && next.failback()) {
            placement.failbackEnabled(membership.groups.values());
        }
    }

    // ---------------------------------------------------------------- administration: ifconfig

    /** ifconfig IF [inet6] plumb. */
    public void plumb(String name, Family f) throws AdminException {
        changed();
        IpmpInterface i = ipmp.get(name);
        if (i != null) {
            throw new AdminException(i.plumbed(f) ? "ifconfig: SIOCSLIFNAME for ip: " + name + ": already exists"
                    : "ifconfig: plumb: " + name + ": is an IPMP interface (ifconfig " + name + " "
                    + f.keyword + " ipmp plumbs it for " + f.label + ")");
        }
        logicalInterfaces.plumb(name, f);
    }

    /**
     * ifconfig IF:N [inet6] plumb: creates logical interface N (down, no address); on a failed,
     * standby or offline member of a group, on a working member instead (refused when the line
     * makes it a test address, {@code noFailover}). Returns the name created.
     */
    public String plumbLogical(String name, int unit, Family f, boolean noFailover) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            return ipmp.plumbLogical(name, unit, f);
        }
        return logicalInterfaces.plumbLogical(name, unit, f, noFailover);
    }

    /** ifconfig IF [inet6] unplumb: the instance goes, its addresses with it. */
    public void unplumb(String name, Family f) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.unplumb(name, f);
            return;
        }
        logicalInterfaces.unplumb(name, f);
    }

    /** Sets the address of a logical interface (ifconfig IF[:N] ADDR). */
    public void setAddress(String name, int unit, Family f, InetAddress a, int prefixLen) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.setAddress(name, unit, f, a, prefixLen);
            return;
        }
        logicalInterfaces.setAddress(name, unit, f, a, prefixLen);
    }

    /** "broadcast +": the broadcast address follows the address and netmask again (ipif_set_default). */
    public void resetBroadcast(String name, int unit, Family f) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.resetBroadcast(name, unit, f);
            return;
        }
        logicalInterfaces.resetBroadcast(name, unit, f);
    }

    /** Changes the prefix length (netmask) of a logical interface. */
    public void setPrefix(String name, int unit, Family f, int prefixLen) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.setPrefix(name, unit, f, prefixLen);
            return;
        }
        logicalInterfaces.setPrefix(name, unit, f, prefixLen);
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
        if (ipmp.get(name) != null) {
            return ipmp.addif(name, f, spec);
        }
        return logicalInterfaces.addif(name, f, spec);
    }

    /**
     * ifconfig IF removeif ADDR: removes the address from the member of IF's group that holds it
     * (only from IF itself when IF is in no group).
     */
    public void removeif(String name, Family f, InetAddress a) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.removeif(name, f, a);
            return;
        }
        logicalInterfaces.removeif(name, f, a);
    }

    /** Sets or clears UP, DEPRECATED or NOFAILOVER on a logical interface. */
    public void setLifFlag(String name, int unit, Family f, long flag, boolean on) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.setLifFlag(name, unit, f, flag, on);
            return;
        }
        logicalInterfaces.setLifFlag(name, unit, f, flag, on);
    }

    /**
     * Adds a data address that belongs to {@code home}; while home cannot carry it, it is hosted
     * by another member (the NMS names the home, the rules choose the host).
     */
    public void addDataAddress(String home, InetAddress a, int prefixLen) throws AdminException {
        changed();
        IpmpInterface i = ipmp.get(home);
        if (i != null) {
            // As the boot file's "ipmp ADDR up": the family is plumbed if need be, and the first
            // address takes the interface's own logical unit 0, later ones addif's next units.
            Family f = Family.of(a);
            if (!i.plumbed(f)) {
                ipmp.create(home, f, i.group);
            }
            LogicalIf zero = i.lifs(f).get(0);
            if (zero != null && Addresses.isUnspecified(zero.address)) {
                ipmp.setAddress(home, 0, f, a, prefixLen);
                ipmp.setLifFlag(home, 0, f, Flags.UP, true);
                return;
            }
            ipmp.addif(home, f, new NewAddress(a, prefixLen, true, false, false));
            return;
        }
        logicalInterfaces.addDataAddress(home, a, prefixLen);
    }

    /** Removes a data address wherever the host holds it. */
    public void removeDataAddress(InetAddress a) throws AdminException {
        changed();
        if (ipmp.removeDataAddress(a)) {
            return;
        }
        logicalInterfaces.removeDataAddress(a);
    }

    /** Gives a member a test address: IPv4 a DEPRECATED NOFAILOVER address, IPv6 its link-local one. */
    public void addTestAddress(String member, Family f, InetAddress a, int prefixLen) throws AdminException {
        changed();
        logicalInterfaces.addTestAddress(member, f, a, prefixLen);
    }

    /** Removes a member's test address of one family (probing on that family stops). */
    public void removeTestAddress(String member, Family f) throws AdminException {
        changed();
        logicalInterfaces.removeTestAddress(member, f);
    }

    static String lifName(String name, int unit) {
        return LogicalInterfaces.lifName(name, unit);
    }

    // ---------------------------------------------------------------- administration: new IPMP

    /**
     * ifconfig NAME [inet6] ipmp [group G]: creates the IPMP interface NAME of group G (G defaults
     * to NAME; a group has at most one), or plumbs another family of it. It holds the group's data
     * addresses; each UP one is bound to an active member (see docs/ARCHITECTURE.md, "New IPMP").
     */
    public void createIpmpInterface(String name, Family f, String group) throws AdminException {
        changed();
        ipmp.create(name, f, group);
    }

    /** Whether NAME can name an IPMP interface: a letter first, a number last, at most 15 characters. */
    public static boolean validIpmpInterfaceName(String name) {
        return name != null && IpmpInterfaces.validName(name);
    }

    /** Whether NAME is an IPMP interface (new IPMP). */
    public boolean isIpmpInterface(String name) {
        return ipmp.get(name) != null;
    }

    // ---------------------------------------------------------------- administration: membership

    /** ifconfig IF group NAME (or group "" to leave). */
    public void setGroup(String name, String group) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            ipmp.setGroup(name, group);
            return;
        }
        membership.setGroup(name, group);
    }

    /** Group names: at most 31 characters (LIFGRNAMSIZ), no white space (ifconfig would hide it). */
    public static void validateGroupName(String g) throws AdminException {
        Membership.validateGroupName(g);
    }

    /** Creates an empty group (an NMS row or a NETCONF list entry); it stays until deleted. */
    public void createGroup(String name) throws AdminException {
        changed();
        membership.createGroup(name);
    }

    /** Deletes a group; refused while it has members. */
    public void deleteGroup(String name) throws AdminException {
        changed();
        membership.deleteGroup(name);
    }

    /** Whether a group was created on its own (and survives without members). */
    public boolean isDeclared(String group) {
        return membership.isDeclared(group);
    }

    /** ifconfig IF standby / -standby. */
    public void setStandby(String name, boolean on) throws AdminException {
        changed();
        if (ipmp.get(name) != null) {
            throw new AdminException("ifconfig: " + (on ? "" : "-") + "standby: " + name
                    + ": an IPMP interface cannot be a standby (its members can)");
        }
        membership.setStandby(name, on);
    }

    /** if_mpadm -d IF. */
    public void offline(String name) throws AdminException {
        changed();
        membership.offline(name);
    }

    /** if_mpadm -r IF: back online, then treated as repaired. */
    public void undoOffline(String name) throws AdminException {
        changed();
        membership.undoOffline(name);
    }

    // ---------------------------------------------------------------- boot-persistent configuration

    /** Remembers an interface's hostname.IF / hostname6.IF lines, replayed when its NIC attaches. */
    public void setBootConfig(String name, Family f, List<String> lines) {
        changed();
        boot.set(name, f, lines);
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
        return boot.boot();
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
