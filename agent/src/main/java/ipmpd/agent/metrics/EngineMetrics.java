package ipmpd.agent.metrics;

import ipmpd.engine.Addresses;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.ProbeStatistics;
import ipmpd.engine.Vocabulary;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The engine's state as metrics: groups, their members (state, link, probes, failures) and the
 * members' probe targets (round-trip times). A snapshot of the model is kept until the engine's
 * model generation changes (read without the engine's thread), so scrapes between changes cost
 * the engine nothing; probe counters and round-trip times come from what the engine publishes
 * for other threads ({@code EnginePublisher}), as for the SNMP agent.
 */
public final class EngineMetrics {
    /** The engine as the metrics read it. */
    public interface EngineReads {
        /** {@code EnginePublisher.modelGeneration()}: any thread. */
        long modelGeneration();

        /** {@code EnginePublisher.probeStatistics(ifname)}: any thread; null when not published. */
        ProbeStatistics probeStatistics(String ifname);

        /** A snapshot and the model generation, taken in one engine step (the caller waits; the engine does not). */
        Taken take() throws Exception;
    }

    public record Taken(EngineSnapshot snapshot, long modelGeneration) {
    }

    static final List<String> GROUP_STATES = List.of("ok", "degraded", "failed");
    static final List<String> MEMBER_STATES = List.of("ok", "failed", "offline", "unknown");
    static final List<String> LINK_STATES = List.of("up", "down", "unknown");
    static final List<String> PROBE_STATES = List.of("ok", "failed", "unknown", "disabled");
    /** The IPMP-MIB's words for a detection: link, probeIPv4, probeIPv6, administrative. */
    static final List<String> DETECTIONS = Vocabulary.DETECTION.stream().map(Vocabulary.Term::mibLabel).toList();

    /** A snapshot kept between scrapes, with the wall-clock time it was taken at (engine times are monotonic). */
    private record Kept(Taken taken, long wallMsAtTake) {
        /** An engine time of the snapshot as Unix time in seconds. */
        double epochSeconds(long engineNs) {
            return (wallMsAtTake - (taken.snapshot().takenAtNs() - engineNs) / 1_000_000L) / 1000.0;
        }
    }

    private final EngineReads engine;
    private final LongSupplier wallClockMs;
    private final Object rebuild = new Object();
    private volatile Kept kept;

    /** @param wallClockMs the wall clock (ms since the epoch), for the times of failures and failovers */
    public EngineMetrics(EngineReads engine, LongSupplier wallClockMs) {
        this.engine = engine;
        this.wallClockMs = wallClockMs;
    }

    /** The kept snapshot while the model has not changed since; else a new one. */
    private Kept current() throws Exception {
        Kept k = kept;
        if (k != null && k.taken().modelGeneration() == engine.modelGeneration()) {
            return k;
        }
        synchronized (rebuild) { // concurrent scrapes after a change wait for one snapshot
            k = kept;
            if (k == null || k.taken().modelGeneration() != engine.modelGeneration()) {
                Taken t = engine.take();
                k = new Kept(t, wallClockMs.getAsLong());
                kept = k;
            }
            return k;
        }
    }

    /** Adds the engine's families to a scrape. */
    public void collect(Exposition out) throws Exception {
        Kept k = current();
        EngineSnapshot s = k.taken().snapshot();
        Map<String, ProbeStatistics> stats = statistics(s);

        Exposition.Family groupState = out.stateSet("ipmpd_group_state",
                "State of the IPMP group (ipmpstat -g STATE): 1 for the current state", GROUP_STATES);
        Exposition.Family fdt = out.gauge("ipmpd_group_failure_detection_time_seconds", "seconds",
                "Current failure detection time of the group (ipmpstat -g FDT); 0 when no member probes");
        Exposition.Family members = out.gauge("ipmpd_group_members", null, "Member interfaces of the group");
        Exposition.Family activeMembers = out.gauge("ipmpd_group_active_members", null,
                "Member interfaces of the group that carry data (active)");
        Exposition.Family failovers = out.counter("ipmpd_group_failovers_total", null,
                "Failovers in the group (a member's data addresses moved off it: failure or offline) since it was created");
        Exposition.Family lastFailover = out.gauge("ipmpd_group_last_failover_timestamp_seconds", "seconds",
                "When the group last failed over (Unix time); absent until it does");
        Exposition.Family failoverReason = out.stateSet("ipmpd_group_last_failover_reason",
                "What took the member out in the group's last failover: 1 for that reason; absent until it fails over",
                DETECTIONS);
        for (GroupInfo g : s.groups()) {
            groupState.state(g.state().text, "group", g.name());
            fdt.add(g.fdtMs() / 1000.0, "group", g.name());
            members.add(g.members().size(), "group", g.name());
            activeMembers.add(g.active().size(), "group", g.name());
            failovers.add(g.failoverCount(), "group", g.name());
            if (g.lastFailoverReason() != null) {
                lastFailover.add(k.epochSeconds(g.lastFailoverNs()), "group", g.name());
                failoverReason.state(Vocabulary.of(g.lastFailoverReason()).mibLabel(), "group", g.name());
            }
        }

        Exposition.Family state = out.stateSet("ipmpd_member_state",
                "State of the member interface (ipmpstat -i STATE): 1 for the current state", MEMBER_STATES);
        Exposition.Family link = out.stateSet("ipmpd_member_link_state",
                "Link state of the member interface (ipmpstat -i LINK): 1 for the current state", LINK_STATES);
        Exposition.Family probe = out.stateSet("ipmpd_member_probe_state",
                "Probe state of the member interface (ipmpstat -i PROBE): 1 for the current state", PROBE_STATES);
        Exposition.Family active = out.gauge("ipmpd_member_active", null,
                "1 when the member interface carries data (ipmpstat -i ACTIVE yes)");
        Exposition.Family failureCount = out.counter("ipmpd_member_failures_total", null,
                "Failures of the member interface (link or probe based) detected since the daemon started");
        Exposition.Family lastFailure = out.gauge("ipmpd_member_last_failure_timestamp_seconds", "seconds",
                "When the member interface last failed (Unix time); absent until it fails");
        Exposition.Family failureCause = out.stateSet("ipmpd_member_last_failure_cause",
                "How the member interface's last failure was detected: 1 for that cause; absent until it fails",
                DETECTIONS);
        Exposition.Family sent = out.counter("ipmpd_member_probes_sent_total", null,
                "ICMP probes sent from the member interface");
        Exposition.Family acked = out.counter("ipmpd_member_probes_acked_total", null,
                "Probes of the member interface that were answered");
        Exposition.Family lost = out.counter("ipmpd_member_probes_lost_total", null,
                "Probes of the member interface declared lost");
        Exposition.Family rtt = out.gauge("ipmpd_target_rtt_seconds", "seconds",
                "Smoothed round-trip time of probes to the target (ipmpstat -t); absent before its first answer");
        Exposition.Family rttDev = out.gauge("ipmpd_target_rtt_deviation_seconds", "seconds",
                "Round-trip time deviation of probes to the target");
        for (InterfaceInfo i : s.interfaces()) {
            if (!i.tracked()) {
                continue;
            }
            String group = i.group() == null ? "" : i.group();
            String[] labels = {"group", group, "interface", i.name()};
            state.state(i.state().name().toLowerCase(Locale.ROOT), labels);
            link.state(i.link().name().toLowerCase(Locale.ROOT), labels);
            probe.state(i.probe().name().toLowerCase(Locale.ROOT), labels);
            active.add(i.active() ? 1 : 0, labels);
            failureCount.add(i.failureCount(), labels);
            if (i.lastFailureCause() != null) {
                lastFailure.add(k.epochSeconds(i.lastFailureNs()), labels);
                failureCause.state(Vocabulary.of(i.lastFailureCause()).mibLabel(), labels);
            }
            ProbeStatistics p = stats.get(i.name());
            sent.add(p.probesSent(), labels);
            acked.add(p.probesAcked(), labels);
            lost.add(p.probesLost(), labels);
            Map<String, ProbeStatistics.TargetRtt> targets = new TreeMap<>();
            p.targets().forEach((a, r) -> targets.put(Addresses.format(a), r));
            for (Map.Entry<String, ProbeStatistics.TargetRtt> t : targets.entrySet()) {
                if (t.getValue().rttAvgNs() > 0) {
                    String[] tl = {"group", group, "interface", i.name(), "target", t.getKey()};
                    rtt.add(t.getValue().rttAvgNs() / 1e9, tl);
                    rttDev.add(t.getValue().rttDevNs() / 1e9, tl);
                }
            }
        }
    }

    /**
     * Every interface's probe statistics as published now; when the engine has not published them
     * (a change is in progress), those of a snapshot taken now: never older than a previous
     * scrape's, so counters do not seem to go back.
     */
    private Map<String, ProbeStatistics> statistics(EngineSnapshot s) throws Exception {
        Map<String, ProbeStatistics> out = new LinkedHashMap<>();
        for (InterfaceInfo i : s.interfaces()) {
            ProbeStatistics p = engine.probeStatistics(i.name());
            if (p == null) {
                return ofSnapshot(engine.take().snapshot(), s);
            }
            out.put(i.name(), p);
        }
        return out;
    }

    /** The statistics a fresh snapshot shows, for the interfaces of the kept one (zeros for those gone since). */
    private static Map<String, ProbeStatistics> ofSnapshot(EngineSnapshot fresh, EngineSnapshot kept) {
        Map<String, ProbeStatistics> out = new LinkedHashMap<>();
        for (InterfaceInfo i : kept.interfaces()) {
            InterfaceInfo now = fresh.iface(i.name()).orElse(i);
            Map<InetAddress, ProbeStatistics.TargetRtt> targets = new LinkedHashMap<>();
            for (EngineSnapshot.TargetSet set : now.targetSets()) {
                for (EngineSnapshot.TargetInfo t : set.targets()) {
                    targets.putIfAbsent(t.address(), new ProbeStatistics.TargetRtt(t.rttAvgNs(), t.rttDevNs()));
                }
            }
            out.put(i.name(), new ProbeStatistics(now.probesSent(), now.probesAcked(), now.probesLost(),
                    now.rttAvgNs(), now.rttDevNs(), targets));
        }
        return out;
    }
}
