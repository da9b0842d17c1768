package ipmpd.engine;

import ipmpd.engine.EngineListener.Detection;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Failure detection (in.mpathd's mpd_probe.c): link-based and probe-based, and their decisions.
 * Link down fails a member at once; with probes, five consecutive losses on every probing family
 * fail it, ten consecutive replies repair it; a link that comes up repairs a member that has no
 * probe targets, unless it flaps. When every member seems to fail at once it is the group that
 * failed (no failover). Which instances probe, from which test address, is decided here too; each
 * {@link Prober} does the sending and counting, {@link FdtAdaptation} the detection time.
 */
final class FailureDetection {
    private final Engine engine;

    FailureDetection(Engine engine) {
        this.engine = engine;
    }

    private Group groupOf(Phyint p) {
        return engine.membership.groupOf(p);
    }

    // ---------------------------------------------------------------- link

    /** RUNNING changed on a NIC (p.running already differs from {@code running}). */
    void linkChanged(Phyint p, boolean running) {
        String name = p.name;
        p.running = running;
        p.lastChangeNs = engine.now();
        if (!engine.membership.tracked(p)) {
            return;
        }
        engine.listener().linkChanged(name, running);
        if (!running) {
            engine.log("The link has gone down on " + name);
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.probeFailed = true;
                    i.prober.resetHistory();
                }
            }
            if (!p.failed() && !p.offline()) {
                fail(p, Detection.LINK);
            } else if (!p.failed()) {
                failWhileOffline(p);
            } else {
                // A failed member that was recovering kept its addresses: no longer.
                engine.placement.reconcile(groupOf(p));
            }
            return;
        }
        engine.log("The link has come up on " + name);
        for (Instance i : p.instances()) {
            // Probes sent while the link was down may still be answered (queued behind ARP):
            // they say nothing about the repaired path, so only probes sent from now on count.
            i.prober.resetHistory();
        }
        long now = engine.now();
        p.linkUps.addLast(now);
        tryLinkRepair(p, true);
        engine.placement.recompute(groupOf(p));
    }

    /**
     * Repair by link alone (no probe targets), with in.mpathd's flap guard (phyint_repaired and
     * its link-up ring of LINK_UP_PERMIN entries): when the link comes up, it is flapping if it
     * came up LINK_UPS_PER_MINUTE times already within the last minute; later, the repair waits
     * until the second most recent link-up is more than a minute old.
     */
    private void tryLinkRepair(Phyint p, boolean atLinkUp) {
        long now = engine.now();
        while (!p.linkUps.isEmpty() && p.linkUps.peekFirst() <= now - Engine.MINUTE_NS) {
            p.linkUps.removeFirst();
        }
        if (!p.failed() || !p.running || !p.present) {
            return;
        }
        if (p.probingWithTargets()) {
            return; // probes must confirm: 10 consecutive replies
        }
        // At a link-up in.mpathd looks at the ring before recording this one; afterwards the
        // ring holds it too.
        int recent = p.linkUps.size() - (atLinkUp ? 1 : 0);
        if (!p.probing() && recent >= Engine.LINK_UPS_PER_MINUTE) {
            if (!p.flapReported) {
                engine.log("The link has come up on " + p.name + " more than " + Engine.LINK_UPS_PER_MINUTE
                        + " times in the last minute; disabling repair until it stabilizes");
                p.flapReported = true;
            }
            engine.schedule(nthLatestLinkUp(p, Engine.LINK_UPS_PER_MINUTE) + Engine.MINUTE_NS,
                    () -> tryLinkRepair(p, false));
            return;
        }
        p.flapReported = false;
        if (p.offline()) {
            repairWhileOffline(p);
        } else {
            repair(p, Detection.LINK);
        }
    }

    /**
     * The link of an offline member went down: in.mpathd still reports the failure (its
     * phyint_inst_check_for_failure), and notes the state change for when the member comes back
     * online; its addresses have already moved away, so nothing else happens.
     */
    private void failWhileOffline(Phyint p) {
        Group g = groupOf(p);
        p.markFailed(Detection.LINK);
        p.countFailure(Detection.LINK, engine.now());
        if (g != null && g.members.stream().noneMatch(q -> q != p && q.usable())) {
            return; // no other member works: a group failure to in.mpathd, which names no interface
        }
        engine.log("IP interface failure detected on " + p.name + (g == null ? "" : " of group " + g.name));
        engine.listener().interfaceFailed(p.name, g == null ? null : g.name, Detection.LINK);
    }

    /** The link came back while the member is offline: the repair is reported, it stays offline. */
    private void repairWhileOffline(Phyint p) {
        Group g = groupOf(p);
        p.markRepaired();
        engine.log("IP interface repair detected on " + p.name + (g == null ? "" : " of group " + g.name));
        engine.listener().interfaceRepaired(p.name, g == null ? null : g.name, Detection.LINK);
    }

    /** The n-th most recent link-up still remembered (1 = the latest), or the oldest if fewer. */
    private static long nthLatestLinkUp(Phyint p, int n) {
        long at = p.linkUps.peekFirst();
        int seen = 0;
        for (java.util.Iterator<Long> it = p.linkUps.descendingIterator(); it.hasNext() && seen < n; seen++) {
            at = it.next();
        }
        return at;
    }

    // ---------------------------------------------------------------- probes

    /** Re-evaluates every prober (a quiet period ended). */
    void reevaluate() {
        for (Phyint p : new ArrayList<>(engine.membership.phyints.values())) {
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
        if (!engine.membership.tracked(p) || p.offline() || !p.present) {
            return;
        }
        if (prober.trailingLosses() >= Engine.FAILURE_PROBES && !prober.inQuietPeriod()) {
            prober.probeFailed = true;
            if (!p.failed() && allProbingFamiliesFailed(p)) {
                detectProbeFailure(p, prober); // this family's losses completed the failure
                return;
            }
            if (p.failed() && prober.trailingLosses() == Engine.FAILURE_PROBES) {
                // A member that kept its addresses while recovering (see FailureState.recovering)
                // lost 5 in a row again: now it is an interface failure, and they fail over.
                Group g = groupOf(p);
                if (g != null && g.hasUsable() && hasDataAddresses(p)) {
                    engine.placement.reconcile(g);
                }
            }
        }
        if (prober.trailingAcks() >= Engine.REPAIR_PROBES && prober.probeFailed) {
            for (Instance i : p.instances()) {
                if (i.prober.trailingLosses() < Engine.FAILURE_PROBES) {
                    i.prober.probeFailed = false;
                }
            }
            if (p.failed() && p.running) {
                repair(p, Detection.probes(prober.family));
            }
        }
    }

    private static boolean hasDataAddresses(Phyint p) {
        for (Instance i : p.instances()) {
            if (!i.dataLifs().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every family that can probe has lost its last five probes (in.mpathd's
     * phyint_inst_probe_failure_state): counted now, so a family that answers again, even fewer
     * than ten times so far, keeps the interface up.
     */
    private boolean allProbingFamiliesFailed(Phyint p) {
        for (Instance i : p.instances()) {
            Prober pr = i.prober;
            if (pr.running && !pr.active().isEmpty() && pr.trailingLosses() < Engine.FAILURE_PROBES) {
                return false;
            }
        }
        return true;
    }

    private void detectProbeFailure(Phyint p, Prober prober) {
        Group g = groupOf(p);
        Detection how = Detection.probes(prober.family);
        if (g == null || FailureState.alone(g, p)) {
            // No other member can be probed (S10 in.mpathd's "alone"): an interface failure, whose
            // line comes before the group's "All IP interfaces ... are now unusable".
            fail(p, how);
            return;
        }
        long since = prober.firstLossNs < 0 ? engine.now() : prober.firstLossNs;
        for (Phyint q : g.members) {
            if (q != p && works(q, since)) {
                fail(p, how);
                return;
            }
        }
        groupFailure(g, how);
    }

    /**
     * Another member still works if its link is up and it probes nothing, or it got a probe
     * answered after our losses began. It must be usable (not failed), so while the group is
     * failed no member can witness another's interface failure (in.mpathd's !GROUP_FAILED).
     */
    private static boolean works(Phyint q, long since) {
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
    private void groupFailure(Group g, Detection how) {
        List<Phyint> failing = new java.util.ArrayList<>();
        for (Phyint q : g.members) {
            if (q.offline() || !q.present) {
                continue;
            }
            for (Instance i : q.instances()) {
                if (i.prober.running) {
                    i.prober.probeFailed = true;
                }
            }
            if (!q.failed()) {
                q.markFailed(how);
                q.countFailure(how, engine.now());
                q.inactive = false;
                q.lastChangeNs = engine.now();
                failing.add(q);
            }
        }
        // Events once every member is marked: a listener sees the whole group failed, not a member
        // failing while the others still seem to work (IPMP-MIB: one allUnusable, no interface traps).
        for (Phyint q : failing) {
            engine.listener().interfaceFailed(q.name, g.name, how);
            engine.platform().usabilityChanged(q.name, false);
        }
        engine.log("All IP interfaces in group " + g.name + " are now unusable");
        g.failMessageLogged = true;
        for (Phyint q : g.members) {
            for (Instance i : q.instances()) {
                if (i.prober.running) {
                    i.prober.flushHostTargets();
                }
            }
        }
        engine.placement.recompute(g);
    }

    // ---------------------------------------------------------------- targets

    /** The configured targets of a member's group (empty outside a group). */
    List<InetAddress> groupTargets(Phyint p) {
        Group g = groupOf(p);
        return g == null ? List.of() : g.targets;
    }

    /** The routing table changed: every prober chooses its targets again. */
    void routesChanged() {
        for (Phyint p : engine.membership.phyints.values()) {
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.refreshTargets();
                }
            }
        }
    }

    /** Sets a group's configured probe targets: they come first, before host routes and routers. */
    void setGroupTargets(String group, List<InetAddress> targets) throws AdminException {
        Group g = engine.membership.groups.get(group);
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
        engine.platform().sendDiscovery(prober.phyint.name, prober.family, prober.testAddress);
    }

    // ---------------------------------------------------------------- failure and repair

    void fail(Phyint p, Detection how) {
        Group g = groupOf(p);
        // p itself counted as usable until now (its link may already be down): the group becomes
        // unusable exactly when no other member is usable.
        boolean othersUsable = g != null && g.members.stream().anyMatch(q -> q != p && q.usable());
        p.markFailed(how);
        p.countFailure(how, engine.now());
        p.inactive = false;
        p.lastChangeNs = engine.now();
        if (how == Detection.LINK) {
            for (Instance i : p.instances()) {
                if (i.prober.running) {
                    i.prober.probeFailed = true;
                }
            }
        }
        engine.log("IP interface failure detected on " + p.name + (g == null ? "" : " of group " + g.name));
        engine.listener().interfaceFailed(p.name, g == null ? null : g.name, how);
        engine.platform().usabilityChanged(p.name, false);
        if (g != null && !othersUsable && !g.failMessageLogged) {
            engine.log("All IP interfaces in group " + g.name + " are now unusable");
            g.failMessageLogged = true;
        }
        engine.placement.reconcile(g);
    }

    private void repair(Phyint p, Detection how) {
        Group g = groupOf(p);
        boolean groupWasFailed = g != null && !g.hasUsable();
        p.markRepaired();
        p.lastChangeNs = engine.now();
        engine.log("IP interface repair detected on " + p.name + (g == null ? "" : " of group " + g.name));
        if (groupWasFailed && g.failMessageLogged) {
            engine.log("At least 1 IP interface (" + p.name + ") in group " + g.name + " is now usable");
            g.failMessageLogged = false;
        }
        engine.listener().interfaceRepaired(p.name, g == null ? null : g.name, how);
        engine.platform().usabilityChanged(p.name, true);
        if (g != null && !engine.config().failback() && !groupWasFailed && p.upDataCount() == 0
                && engine.ipmp.ofGroup(g) == null) {
            // FAILBACK=no: the repaired interface waits, INACTIVE, until another member fails.
            p.inactive = true;
        }
        engine.placement.reconcile(g);
    }

    // ---------------------------------------------------------------- probing on/off

    /** Set while updateProbing re-evaluates members whose test address was a duplicate. */
    private boolean recheckingDuplicates;

    /**
     * Starts or stops probing on each family, with in.mpathd's messages about test addresses
     * (check_testconfig: "No test address configured ..." once the grace has passed, "Test address
     * now configured ..." when probing is enabled again after that or after a duplicate).
     */
    void updateProbing(Phyint p) {
        boolean any = false;
        boolean duplicateEnded = false;
        for (Instance i : p.instances()) {
            LogicalIf test = i.testLif();
            boolean wasDuplicate = i.prober.duplicateReported != null;
            if (wasDuplicate && test == null) {
                // No test address left here: the duplicate is over (managers that were told of it
                // hear so), and "No test address configured" is what applies now.
                InetAddress was = i.prober.duplicateReported;
                i.prober.duplicateReported = null;
                engine.listener().probingChanged(p.name, p.group, EngineListener.ProbingChange.TEST_ADDRESS_UNIQUE, was);
            }
            boolean should = engine.membership.tracked(p) && p.present && !p.offline() && test != null
                    && isUniqueTest(p, i, test);
            if (should) {
                boolean wasRunning = i.prober.running;
                i.prober.start(test.address, test.prefixLen);
                if (!wasRunning && p.failed() && !p.running) {
                    i.prober.probeFailed = true;
                }
                any = true;
                duplicateEnded |= wasDuplicate;
            } else if (i.prober.running) {
                i.prober.stop();
            }
        }
        if (any && (p.noTestAddressReported || duplicateEnded)) {
            boolean configured = p.noTestAddressReported;
            p.noTestAddressReported = false;
            engine.log("Test address now configured on interface " + p.name
                    + "; enabling probe-based failure detection on it");
            if (configured) {
                engine.listener().probingChanged(p.name, p.group, EngineListener.ProbingChange.TEST_ADDRESS_CONFIGURED, null);
            }
        }
        trackTestAddressGrace(p);
        if (!recheckingDuplicates) {
            recheckDuplicates(p);
        }
    }

    /**
     * Members whose test address may have become or stopped being a duplicate because of a change
     * on {@code changed} are evaluated again: those whose probing was off for a duplicate (its
     * address went away, it left the group, went offline or was unplumbed: in.mpathd clears the
     * mark at the next interface scan), and those of its group holding one of its test addresses
     * (in.mpathd's check_addr_unique marks every holder, so the first one stops probing too).
     */
    private void recheckDuplicates(Phyint changed) {
        List<InetAddress> mine = new ArrayList<>();
        for (Instance i : changed.instances()) {
            LogicalIf t = i.testLif();
            if (t != null) {
                mine.add(t.address);
            }
        }
        recheckingDuplicates = true;
        try {
            for (Phyint q : new ArrayList<>(engine.membership.phyints.values())) {
                if (q == changed) {
                    continue;
                }
                boolean sameGroup = changed.group != null && changed.group.equals(q.group);
                for (Instance i : q.instances()) {
                    LogicalIf t = i.testLif();
                    if (i.prober.duplicateReported != null || (sameGroup && t != null && mine.contains(t.address))) {
                        updateProbing(q);
                        break;
                    }
                }
            }
        } finally {
            recheckingDuplicates = false;
        }
    }

    /**
     * The 20 s grace for a test address starts when an interface is first tracked (joins a group,
     * or is plumbed with TRACK_INTERFACES_ONLY_WITH_GROUPS=no); after it, a tracked interface
     * that does not probe is reported at once, also when it loses its test address later.
     */
    private void trackTestAddressGrace(Phyint p) {
        if (!engine.membership.tracked(p) || !p.present || (p.v4 == null && p.v6 == null)) {
            p.testAddressGraceEndsNs = 0;
            p.noTestAddressReported = false;
            return;
        }
        if (p.testAddressGraceEndsNs == 0) {
            long ends = engine.now() + Engine.NO_TEST_ADDRESS_GRACE_NS;
            p.testAddressGraceEndsNs = ends;
            engine.schedule(ends, () -> {
                if (p.testAddressGraceEndsNs == ends) {
                    checkNoTestAddress(p);
                }
            });
            return;
        }
        checkNoTestAddress(p);
    }

    /**
     * A test address that another member of the group also has (present and not offline: an
     * offline member has no test address in use) disables probing on both, as in.mpathd's
     * check_addr_unique marks every holder; the anonymous group has no duplicates.
     */
    private boolean isUniqueTest(Phyint p, Instance mine, LogicalIf test) {
        Group g = groupOf(p);
        if (g == null) {
            return true;
        }
        for (Phyint q : g.members) {
            if (q == p || !q.present || q.offline()) {
                continue;
            }
            for (Instance i : q.instances()) {
                LogicalIf theirs = i.testLif();
                if (theirs != null && test.address.equals(theirs.address)) {
                    if (!test.address.equals(mine.prober.duplicateReported)) {
                        mine.prober.duplicateReported = test.address;
                        engine.log("Test address " + Addresses.format(test.address)
                                + " is not unique in group; disabling probe-based failure detection on " + p.name);
                        engine.listener().probingChanged(p.name, p.group,
                                EngineListener.ProbingChange.DUPLICATE_TEST_ADDRESS, test.address);
                    }
                    return false;
                }
            }
        }
        if (mine.prober.duplicateReported != null) {
            InetAddress was = mine.prober.duplicateReported;
            mine.prober.duplicateReported = null;
            engine.listener().probingChanged(p.name, p.group, EngineListener.ProbingChange.TEST_ADDRESS_UNIQUE, was);
        }
        return true;
    }

    /** After the grace period, a tracked interface that cannot probe is reported once. */
    void checkNoTestAddress(Phyint p) {
        if (!engine.membership.tracked(p) || !p.present || p.offline() || p.probing() || p.noTestAddressReported
                || p.testAddressGraceEndsNs == 0 || engine.now() < p.testAddressGraceEndsNs) {
            return;
        }
        for (Instance i : p.instances()) {
            if (i.prober.duplicateReported != null) {
                return; // it has one; probing is off for another reason, already reported
            }
        }
        p.noTestAddressReported = true;
        engine.log("No test address configured on interface " + p.name
                + "; disabling probe-based failure detection on it");
        engine.listener().probingChanged(p.name, p.group, EngineListener.ProbingChange.NO_TEST_ADDRESS, null);
    }
}
