package ipmpd.engine;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Probe-based detection for one interface instance: when to send, to which target, when a probe
 * is lost, the RTT of each target, and target discovery. It reports every resolved probe to the
 * engine, which decides about failure and repair.
 */
final class Prober {
    static final int MAX_ACTIVE_TARGETS = 5;
    static final int HISTORY = 64;
    /** Send times lie on a grid of interval / SEND_GRID (see onSendGrid). */
    static final int SEND_GRID = 16;
    static final long TARGET_RETRY_NS = 60_000_000_000L;

    private final Engine engine;
    final Phyint phyint;
    final Family family;

    InetAddress testAddress;
    int testPrefix;
    final List<Target> targets = new ArrayList<>();
    private int rotation;
    final ArrayDeque<Probe> history = new ArrayDeque<>();
    private int nextSeq = 1;
    boolean running;
    /** "Test address ... is not unique in group" was logged for this address. */
    InetAddress duplicateReported;
    private long baseNs;
    private Engine.Timer sendTimer;
    private Engine.Timer quietTimer;
    long startedNs;
    boolean gotReply;
    /** Probe-based detection considers this instance failed (until 10 consecutive replies). */
    boolean probeFailed;
    long lastReplyNs = -1;
    long firstLossNs = -1;
    long sent;
    long acked;
    long lost;

    Prober(Engine engine, Phyint phyint, Family family) {
        this.engine = engine;
        this.phyint = phyint;
        this.family = family;
    }

    long intervalNs() {
        return EngineConfig.probeIntervalNs(engine.fdt.fdtFor(phyint));
    }

    List<Target> active() {
        List<Target> out = new ArrayList<>(MAX_ACTIVE_TARGETS);
        for (Target t : targets) {
            if (t.status == Target.Status.ACTIVE) {
                out.add(t);
                if (out.size() == MAX_ACTIVE_TARGETS) {
                    break;
                }
            }
        }
        return out;
    }

    /** The active targets in firing order (the round-robin order: configured, routers, hosts). */
    List<Target> firingOrder() {
        return active();
    }

    void start(InetAddress test, int prefix) {
        long now = engine.now();
        if (running && test.equals(testAddress)) {
            return;
        }
        stop();
        testAddress = test;
        testPrefix = prefix;
        running = true;
        startedNs = now;
        gotReply = false;
        history.clear();
        firstLossNs = -1;
        refreshTargets();
        // The first base time is spread over one interval so members do not probe in lock-step.
        baseNs = now + (long) (engine.random().nextDouble() * intervalNs());
        scheduleSend();
        long quiet = engine.config().probeQuietPeriodMs() * 1_000_000L;
        if (quiet > 0) {
            quietTimer = engine.schedule(now + quiet, engine.detection::reevaluate);
        }
    }

    void stop() {
        running = false;
        testAddress = null;
        if (sendTimer != null) {
            sendTimer.cancel();
            sendTimer = null;
        }
        if (quietTimer != null) {
            quietTimer.cancel();
            quietTimer = null;
        }
        history.clear();
        probeFailed = false;
        targets.clear();
    }

    /**
     * Starts the send timer again on the current interval, as in.mpathd's start_timer() when it
     * restarts with a new FAILURE_DETECTION_TIME (SIGHUP re-executes it): the next base time is
     * spread over one interval from now and the pending send is dropped, so a changed FDT takes
     * effect at once instead of after the old interval runs out. Targets, RTTs and the probe
     * history (failure and repair counts) are kept.
     */
    void restartTimer() {
        if (!running) {
            return;
        }
        if (sendTimer != null) {
            sendTimer.cancel();
        }
        baseNs = engine.now() + (long) (engine.random().nextDouble() * intervalNs());
        scheduleSend();
    }

    boolean inQuietPeriod() {
        long quiet = engine.config().probeQuietPeriodMs() * 1_000_000L;
        return !gotReply && engine.now() < startedNs + quiet;
    }

    private void scheduleSend() {
        long interval = intervalNs();
        long at = baseNs + (long) ((0.5 + 0.5 * engine.random().nextDouble()) * interval);
        sendTimer = engine.scheduleProbe(Math.max(onSendGrid(at, interval), engine.now()), phyint, this::sendOne);
    }

    /**
     * The random send time moved back to a grid of 1/16 of the interval shared by every member
     * probing at that interval, yet kept within [0.5, 1.0] of the interval after the base: the
     * members whose random points fall into the same sixteenth send in one wake-up of the engine's
     * thread (at 64 members and FDT 1 s about 110 wake-ups a second instead of 448), while the
     * points stay spread over the half interval.
     */
    private long onSendGrid(long at, long interval) {
        long grid = interval / SEND_GRID;
        if (grid <= 0) {
            return at;
        }
        long q = Math.floorDiv(at, grid) * grid;
        return q < baseNs + interval / 2 ? q + grid : q;
    }

    private void sendOne() {
        if (!running) {
            return;
        }
        long now = engine.now();
        baseNs += intervalNs();
        if (baseNs + intervalNs() < now) {
            baseNs = now; // we fell behind (a stalled loop); do not burst to catch up
        }
        scheduleSend();
        retryTargets(now);
        List<Target> act = active();
        if (act.isEmpty()) {
            engine.detection.discoverTargets(this);
            return;
        }
        // At most two probes unanswered: sending a new one gives up on the older ones. So only
        // the last two sent can still be pending (every send leaves at most the previous one).
        Probe newest = null;
        int looked = 0;
        for (Iterator<Probe> it = history.descendingIterator(); it.hasNext() && looked++ < 2; ) {
            Probe p = it.next();
            if (p.status != Probe.Status.PENDING) {
                continue;
            }
            if (newest == null) {
                newest = p;
            } else {
                markLost(p);
            }
        }
        Target target = act.get(rotation % act.size());
        rotation = (rotation + 1) % act.size();
        int seq = nextSeq;
        nextSeq = nextSeq == 0xffff ? 1 : nextSeq + 1;
        Probe probe = new Probe(seq, target, now);
        history.addLast(probe);
        while (history.size() > HISTORY) {
            history.removeFirst();
        }
        sent++;
        engine.platform().sendProbe(phyint.name, family, testAddress, target.address, seq);
        if (act.size() == 1 && !hasRouteTargets()) {
            // A single discovered host gives no resilience: keep asking the all-hosts group for
            // more with every probe until there are others (in.mpathd's phyint_inst_timer).
            engine.platform().sendDiscovery(phyint.name, family, testAddress);
        }
        long timeout = target.hasRtt ? Math.max(target.crttNs(), Math.min(intervalNs() / 2, 2_000_000L))
                : intervalNs();
        probe.timeout = engine.scheduleProbe(now + timeout, phyint, () -> {
            if (probe.status == Probe.Status.PENDING) {
                markLost(probe);
                engine.detection.probeResolved(this);
            }
        });
    }

    /**
     * A router set aside comes back one step a minute (in.mpathd's target_next): a dead one is
     * first slow, a slow one is used again.
     */
    private void retryTargets(long now) {
        for (Target t : targets) {
            if (t.retryAtNs > now) {
                continue;
            }
            if (t.status == Target.Status.DEAD) {
                t.status = Target.Status.SLOW;
                t.retryAtNs = now + TARGET_RETRY_NS;
            } else if (t.status == Target.Status.SLOW) {
                t.status = Target.Status.ACTIVE;
                t.consecutiveLosses = 0;
            }
        }
    }

    private void markLost(Probe p) {
        if (p.status != Probe.Status.PENDING) {
            return;
        }
        p.status = Probe.Status.LOST;
        lost++;
        p.target.consecutiveLosses++;
        if (trailingLossesIncludingPending() == 1 || firstLossNs < 0) {
            firstLossNs = p.sentAtNs;
        }
        engine.listener().probeResolved(new ProbeEvent(p.sentAtNs, phyint.name, family, p.seq, false, -1, -1,
                p.target.rttAvgNs(), p.target.rttDevNs(), p.target.address));
        checkTargetDead(p.target);
    }

    /** A reply: accepted only from the probed target, in the recent window, and not twice. */
    /** @param wireRttNs the platform's measure from the probe's departure, or -1 (see Engine.probeReply) */
    void onReply(InetAddress from, int seq, long rxNs, long wireRttNs) {
        if (!running || !phyint.running) {
            return; // replies are ignored while the link is down
        }
        for (Probe p : history) {
            if (p.seq != seq || !p.target.address.equals(from)) {
                continue;
            }
            if (p.status == Probe.Status.ACKED) {
                return;
            }
            boolean late = p.status == Probe.Status.LOST;
            if (late) {
                lost--; // a late reply: the probe was not lost after all
            }
            long now = engine.now();
            p.status = Probe.Status.ACKED;
            if (p.timeout != null) {
                p.timeout.cancel();
                p.timeout = null;
            }
            p.ackedAtNs = now;
            acked++;
            long netRtt = Math.max(rxNs - p.sentAtNs, 0);
            if (wireRttNs >= 0 && wireRttNs < netRtt) {
                netRtt = wireRttNs; // a longer one (a clock step between the two stamps) is not believed
            }
            if (wireRttNs != Engine.DEPARTURE_UNSEEN
                    && (!late || netRtt <= engine.fdt.fdtFor(phyint) * 1_000_000L)) {
                // A late reply slower than the whole detection time was queued somewhere (behind
                // ARP during an outage): it says nothing about the path and would stretch the FDT.
                p.target.sample(netRtt, intervalNs());
            }
            p.target.consecutiveLosses = 0;
            lastReplyNs = now;
            gotReply = true;
            if (trailingLosses() == 0) {
                firstLossNs = -1;
            }
            engine.listener().probeResolved(new ProbeEvent(p.sentAtNs, phyint.name, family, p.seq, true, netRtt,
                    Math.max(now - p.sentAtNs, 0), p.target.rttAvgNs(), p.target.rttDevNs(), p.target.address));
            engine.fdt.adapt(this, p.target);
            engine.detection.probeResolved(this);
            return;
        }
    }

    private int trailingLossesIncludingPending() {
        int n = 0;
        for (Iterator<Probe> it = history.descendingIterator(); it.hasNext(); ) {
            Probe p = it.next();
            if (p.status == Probe.Status.PENDING) {
                continue;
            }
            if (p.status != Probe.Status.LOST) {
                break;
            }
            n++;
        }
        return n;
    }

    /** Consecutive lost probes, newest first, ignoring probes still in flight. */
    int trailingLosses() {
        return trailingLossesIncludingPending();
    }

    /** Consecutive answered probes, newest first, ignoring probes still in flight. */
    int trailingAcks() {
        int n = 0;
        for (Iterator<Probe> it = history.descendingIterator(); it.hasNext(); ) {
            Probe p = it.next();
            if (p.status == Probe.Status.PENDING) {
                continue;
            }
            if (p.status != Probe.Status.ACKED) {
                break;
            }
            n++;
        }
        return n;
    }

    /** Forget probe results (link went down: repair must be earned by new replies). */
    void resetHistory() {
        history.clear();
        firstLossNs = -1;
    }

    /**
     * A target that misses five probes in a row while the interface as a whole still gets
     * answers is dead: a router is set aside and retried later, a discovered host is replaced.
     */
    private void checkTargetDead(Target t) {
        if (t.consecutiveLosses < 5 || t.status != Target.Status.ACTIVE) {
            return;
        }
        boolean interfaceFine = false;
        for (Probe p : history) {
            if (p.status == Probe.Status.ACKED && p.target != t && p.sentAtNs > lastSentTo(t, 5)) {
                interfaceFine = true;
                break;
            }
        }
        if (!interfaceFine) {
            return;
        }
        if (t.origin == Target.Origin.MULTICAST) {
            targets.remove(t);
            engine.listener().probeTargetChanged(phyint.name, phyint.group, t.address,
                    EngineListener.TargetChange.REPLACED);
            engine.detection.discoverTargets(this);
        } else {
            t.status = Target.Status.DEAD;
            t.retryAtNs = engine.now() + TARGET_RETRY_NS;
            engine.listener().probeTargetChanged(phyint.name, phyint.group, t.address, EngineListener.TargetChange.DEAD);
        }
    }

    private long lastSentTo(Target t, int nth) {
        int seen = 0;
        for (Iterator<Probe> it = history.descendingIterator(); it.hasNext(); ) {
            Probe p = it.next();
            if (p.target == t && ++seen == nth) {
                return p.sentAtNs;
            }
        }
        return Long.MIN_VALUE;
    }

    /**
     * Rebuilds the target list from the routing table: configured host routes first, then routers
     * on the test subnet; discovered hosts stay only while no route-based target exists.
     */
    void refreshTargets() {
        if (testAddress == null) {
            return;
        }
        List<Target> fresh = new ArrayList<>();
        for (InetAddress a : engine.detection.groupTargets(phyint)) {
            if (Family.of(a) == family && onTestSubnet(a) && fresh.stream().noneMatch(t -> t.address.equals(a))) {
                fresh.add(reuse(a, Target.Origin.CONFIGURED));
            }
        }
        for (Route r : engine.routes()) {
            if (r.family() != family || !r.isHostTarget()) {
                continue;
            }
            if (onTestSubnet(r.destination()) && fresh.stream().noneMatch(t -> t.address.equals(r.destination()))) {
                fresh.add(reuse(r.destination(), Target.Origin.CONFIGURED));
            }
        }
        for (Route r : engine.routes()) {
            if (r.family() != family || r.isHostTarget() || r.gateway() == null) {
                continue;
            }
            if (onTestSubnet(r.gateway()) && fresh.stream().noneMatch(t -> t.address.equals(r.gateway()))) {
                fresh.add(reuse(r.gateway(), Target.Origin.ROUTER));
            }
        }
        if (fresh.isEmpty()) {
            for (Target t : targets) {
                if (t.origin == Target.Origin.MULTICAST) {
                    fresh.add(t);
                }
            }
        }
        targets.clear();
        targets.addAll(fresh);
        if (rotation >= Math.max(1, active().size())) {
            rotation = 0;
        }
    }

    private Target reuse(InetAddress a, Target.Origin origin) {
        for (Target t : targets) {
            if (t.address.equals(a) && t.origin == origin) {
                return t;
            }
        }
        return new Target(a, origin);
    }

    boolean onTestSubnet(InetAddress a) {
        if (testAddress == null || Family.of(a) != family) {
            return false;
        }
        if (family == Family.INET6) {
            // IPv6 probes go from the link-local address: any on-link router or host qualifies.
            return true;
        }
        return Addresses.sameSubnet(testAddress, a, testPrefix);
    }

    boolean hasRouteTargets() {
        return targets.stream().anyMatch(t -> t.origin != Target.Origin.MULTICAST);
    }

    /** A host answered the all-hosts echo: take it while we have room and no router. */
    void onDiscoveryReply(InetAddress from) {
        if (!running || hasRouteTargets() || !onTestSubnet(from)) {
            return; // only hosts on the test address's subnet can be probed from it
        }
        for (Target t : targets) {
            if (t.address.equals(from)) {
                return;
            }
        }
        if (targets.size() < MAX_ACTIVE_TARGETS) {
            targets.add(new Target(from, Target.Origin.MULTICAST));
        }
    }

    /** Drops discovered hosts (after a group failure they are rediscovered); routers stay. */
    void flushHostTargets() {
        targets.removeIf(t -> t.origin == Target.Origin.MULTICAST);
        rotation = 0;
    }

    /** ipmpstat -t MODE. */
    String mode() {
        if (!running) {
            return "disabled";
        }
        return hasRouteTargets() ? "routes" : "multicast";
    }
}
