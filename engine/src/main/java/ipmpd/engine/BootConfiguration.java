package ipmpd.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static ipmpd.engine.Placement.inKernel;
import static ipmpd.engine.Placement.placement;

/**
 * Boot-persistent configuration (hostname.IF / hostname6.IF): applied at boot as the start-up
 * scripts do, replayed when a NIC attaches later (dynamic reconfiguration); the addresses of a NIC
 * missing at boot are hosted on another member of its group.
 */
final class BootConfiguration {
    private final Engine engine;
    private final Map<String, List<String>> files4 = new LinkedHashMap<>();
    private final Map<String, List<String>> files6 = new LinkedHashMap<>();

    BootConfiguration(Engine engine) {
        this.engine = engine;
    }

    private Map<String, List<String>> files(Family f) {
        return f == Family.INET ? files4 : files6;
    }

    /** Remembers an interface's hostname.IF / hostname6.IF lines. */
    void set(String name, Family f, List<String> lines) {
        files(f).put(name, List.copyOf(lines));
    }

    /**
     * Configures every interface from its boot configuration. Data addresses of interfaces whose
     * NIC is missing are hosted on another member of their group.
     *
     * @return problems found in the files (file line and token), one message each
     */
    List<String> boot() {
        Map<String, Phyint> phyints = engine.membership.phyints;
        List<String> problems = new ArrayList<>();
        // IPMP interfaces first, as the start-up scripts plumb them before their members (new IPMP).
        for (Family f : Family.values()) {
            for (Map.Entry<String, List<String>> e : files(f).entrySet()) {
                if (IfconfigCommand.isIpmpFile(e.getValue())) {
                    problems.addAll(IfconfigCommand.applyFile(engine, e.getKey(), f, e.getValue()));
                }
            }
        }
        for (Family f : Family.values()) {
            for (Map.Entry<String, List<String>> e : files(f).entrySet()) {
                Phyint p = phyints.get(e.getKey());
                if (p != null && p.present && !IfconfigCommand.isIpmpFile(e.getValue())) {
                    problems.addAll(IfconfigCommand.applyFile(engine, e.getKey(), f, e.getValue()));
                }
            }
        }
        for (Family f : Family.values()) {
            List<String> moved = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : files(f).entrySet()) {
                Phyint p = phyints.get(e.getKey());
                if (p != null && p.present || IfconfigCommand.isIpmpFile(e.getValue())) {
                    continue;
                }
                moved.add(hostMissing(e.getKey(), f, e.getValue()));
            }
            if (!moved.isEmpty()) {
                engine.log("moving addresses from failed " + f.label + " interfaces: " + String.join(" ", moved));
            }
        }
        return problems;
    }

    /** A NIC named by a boot file is missing: it joins its group as failed, its data addresses go elsewhere. */
    private String hostMissing(String name, Family f, List<String> lines) {
        Membership membership = engine.membership;
        IfconfigCommand.FileSummary s = IfconfigCommand.summarize(name, f, lines, engine.platform().hostResolver());
        Phyint p = membership.phyints.get(name);
        if (p == null) {
            p = new Phyint(name, 0);
            p.present = false;
            membership.phyints.put(name, p);
        }
        if (s.group() != null && p.group == null) {
            membership.enlist(p, membership.group(s.group()));
            p.markFailed(EngineListener.Detection.LINK);
        }
        Group g = membership.groupOf(p);
        Phyint dest = g == null ? null : engine.placement.hostForMissing(g, p, f);
        if (dest == null || s.dataAddresses().isEmpty()) {
            engine.placement.recompute(g);
            return name + " (couldn't move; no alternative interface)";
        }
        Instance to = dest.instance(f);
        for (IfconfigCommand.DataAddress d : s.dataAddresses()) {
            if (membership.isLocalAddress(d.address())) {
                continue;
            }
            int unit = to.nextFreeUnit();
            LogicalIf l = new LogicalIf(unit, d.address(), d.prefixLen(), d.up() ? Flags.UP : 0, name,
                    engine.logicalInterfaces.nextSerial());
            l.homeUnit = d.unit();
            to.lifs.put(unit, l);
            if (inKernel(dest, l)) {
                engine.platform().addAddress(placement(to, l));
            }
        }
        engine.placement.recompute(g);
        return name + " (moved to " + dest.name + ")";
    }

    /** A NIC attached: its boot files are applied again, and the addresses that failed over from it come home. */
    void replay(Phyint p) {
        Membership membership = engine.membership;
        for (Family f : Family.values()) {
            List<String> lines = files(f).get(p.name);
            if (lines == null) {
                continue;
            }
            Group g = membership.groupOf(p);
            if (g != null) {
                // Rejoin through the file itself: leave the placeholder membership first.
                g.members.remove(p);
                p.group = null;
                p.markRepaired();
                if (g.members.isEmpty() && engine.ipmp.ofGroup(g) == null) {
                    membership.groups.remove(g.name);
                }
            }
            engine.logicalInterfaces.resetReclaimed();
            for (String problem : IfconfigCommand.applyFile(engine, p.name, f, lines)) {
                engine.log(problem);
            }
            if (engine.logicalInterfaces.reclaimed() > 0) {
                engine.log("Successfully failed back to NIC " + p.name);
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
        Group g = membership.groupOf(p);
        if (g != null) {
            engine.placement.reconcile(g);
        }
    }
}
