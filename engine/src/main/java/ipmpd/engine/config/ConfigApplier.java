package ipmpd.engine.config;

import ipmpd.engine.AdminException;
import ipmpd.engine.Engine;
import ipmpd.engine.Family;
import ipmpd.engine.config.ConfigProblem.Kind;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;
import ipmpd.engine.config.IpmpConfiguration.TestAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Applies a whole configuration to the engine, or nothing of it: it is validated first, and if the
 * engine refuses a step (a rule that depends on the live state, such as minimum redundancy) the
 * steps already taken are undone by applying the previous configuration again. Call on the
 * engine's thread.
 */
public final class ConfigApplier {
    private ConfigApplier() {
    }

    /** Validates and applies; on any refusal the engine is back where it was. */
    public static void apply(Engine engine, IpmpConfiguration target) throws ConfigException {
        apply(engine, IpmpConfiguration.of(engine.snapshot()), target, java.util.Set.of());
    }

    /**
     * Validates and applies, from {@code before} (the configuration the engine runs, as
     * {@link IpmpConfiguration#of(ipmpd.engine.EngineSnapshot, java.util.function.Predicate)}
     * reads it) to {@code target}. Members in {@code runtimeOffline} are OFFLINE without being
     * configured offline: they stay OFFLINE, and a target configuring them offline only adopts
     * that. On any refusal the engine is back where it was.
     */
    public static void apply(Engine engine, IpmpConfiguration before, IpmpConfiguration target,
                             java.util.Set<String> runtimeOffline) throws ConfigException {
        List<ConfigProblem> problems = ConfigValidator.validate(target);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        applyValidated(engine, before, target, runtimeOffline);
    }

    /**
     * {@link #apply(Engine, IpmpConfiguration, IpmpConfiguration, java.util.Set)} of a target the
     * caller has validated with {@link ConfigValidator#validate} already (off the engine thread):
     * only the engine's own refusals (rules on the live state) remain; on any the engine is back
     * where it was.
     */
    public static void applyValidated(Engine engine, IpmpConfiguration before, IpmpConfiguration target,
                                      java.util.Set<String> runtimeOffline) throws ConfigException {
        java.util.Set<String> newlyOffline = new java.util.HashSet<>(target.offlineMembers());
        newlyOffline.removeAll(runtimeOffline);
        try {
            transition(engine, before, target, runtimeOffline);
        } catch (AdminException e) {
            try {
                // now configured offline: what was, and what this transition took offline
                java.util.Set<String> configured = new java.util.HashSet<>(before.offlineMembers());
                configured.addAll(newlyOffline);
                transition(engine, IpmpConfiguration.of(engine.snapshot(), configured::contains), before,
                        runtimeOffline);
            } catch (AdminException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
            }
            // The engine refused a step that depends on the live state (e.g. minimum redundancy).
            throw new ConfigException(List.of(new ConfigProblem("/ipmp", Kind.INCONSISTENT, e.getMessage())));
        }
    }

    private static void transition(Engine e, IpmpConfiguration fromConfig, IpmpConfiguration toConfig,
                                   java.util.Set<String> runtimeOffline) throws AdminException {
        Indexed from = new Indexed(fromConfig);
        Indexed to = new Indexed(toConfig);
        if (!from.global().equals(to.global())) {
            e.applyConfig(to.global());
        }
        // Removals first, so that moves between groups and homes do not collide.
        for (GroupConfig g : from.groups()) {
            for (DataAddress d : g.dataAddresses()) {
                if (!dataIn(to, g.name(), d)) {
                    e.removeDataAddress(d.address());
                }
            }
            for (MemberConfig m : g.members()) {
                Optional<MemberConfig> next = memberIn(to, g.name(), m.name());
                for (TestAddress t : m.testAddresses()) {
                    Family f = Family.of(t.address());
                    if (next.isEmpty() || !Objects.equals(next.get().test(f).orElse(null), t)) {
                        e.removeTestAddress(m.name(), f);
                    }
                }
                if (m.offline() && (next.isEmpty() || !next.get().offline())) {
                    e.undoOffline(m.name());
                }
                if (next.isEmpty()) {
                    e.setGroup(m.name(), to.groupOf(m.name()).map(GroupConfig::name).orElse(""));
                }
            }
        }
        // IPMP interfaces that go, once their addresses and the members leaving have gone
        // (the engine refuses to unplumb one whose group still has members).
        for (GroupConfig g : from.groups()) {
            String ipmp = g.ipmpInterface();
            if (ipmp != null && !ipmp.equals(to.group(g.name()).map(GroupConfig::ipmpInterface).orElse(null))) {
                for (Family f : new Family[] {Family.INET6, Family.INET}) {
                    try {
                        e.unplumb(ipmp, f);
                    } catch (AdminException notPlumbed) {
                        if (!notPlumbed.getMessage().contains("no such interface")) {
                            throw notPlumbed;
                        }
                    }
                }
            }
        }
        for (GroupConfig g : from.groups()) {
            if (to.group(g.name()).isEmpty() && e.isDeclared(g.name())) {
                e.deleteGroup(g.name());
            }
        }
        for (GroupConfig g : to.groups()) {
            if (from.group(g.name()).isEmpty() || g.members().isEmpty()) {
                e.createGroup(g.name());
            }
            if (g.ipmpInterface() != null
                    && !g.ipmpInterface().equals(from.group(g.name()).map(GroupConfig::ipmpInterface).orElse(null))) {
                e.createIpmpInterface(g.ipmpInterface(), Family.INET, g.name());
            }
            for (MemberConfig m : g.members()) {
                Optional<MemberConfig> prev = memberIn(from, g.name(), m.name());
                if (prev.isPresent() && prev.get().equals(m)) {
                    continue; // unchanged member of the same group: every step below would be a no-op
                }
                if (prev.isEmpty()) {
                    try {
                        e.plumb(m.name(), Family.INET);
                    } catch (AdminException alreadyPlumbed) {
                        if (!alreadyPlumbed.getMessage().contains("already exists")) {
                            throw alreadyPlumbed;
                        }
                    }
                    e.setGroup(m.name(), g.name());
                    // UP, as its boot file says ("group G up"): a member without addresses of its
                    // own (link-based, new IPMP) carries traffic only once its interface is UP
                    e.setLifFlag(m.name(), 0, Family.INET, ipmpd.engine.Flags.UP, true);
                }
                // Test addresses before standby: -failover is refused on an INACTIVE standby.
                List<TestAddress> newTests = new ArrayList<>();
                for (TestAddress t : m.testAddresses()) {
                    Family f = Family.of(t.address());
                    if (prev.isEmpty() || !Objects.equals(prev.get().test(f).orElse(null), t)) {
                        newTests.add(t);
                    }
                }
                if (!m.standby() || !newTests.isEmpty()) {
                    e.setStandby(m.name(), false);
                }
                for (TestAddress t : newTests) {
                    e.addTestAddress(m.name(), Family.of(t.address()), t.address(), t.prefixLen());
                }
                if (m.standby()) {
                    e.setStandby(m.name(), true);
                }
            }
            for (DataAddress d : g.dataAddresses()) {
                if (!dataIn(from, g.name(), d)) {
                    e.addDataAddress(d.homeMember(), d.address(), d.prefixLen());
                }
            }
            if (!g.targets().equals(from.group(g.name()).map(GroupConfig::targets).orElse(List.of()))) {
                e.setGroupTargets(g.name(), g.targets());
            }
        }
        List<String> toOffline = new ArrayList<>();
        for (GroupConfig g : to.groups()) {
            for (MemberConfig m : g.members()) {
                Optional<MemberConfig> prev = memberIn(from, g.name(), m.name());
                if (m.offline() && (prev.isEmpty() || !prev.get().offline()) && !runtimeOffline.contains(m.name())) {
                    toOffline.add(m.name());
                }
            }
        }
        for (String m : toOffline) {
            e.offline(m);
        }
    }

    private static Optional<MemberConfig> memberIn(Indexed c, String group, String member) {
        return c.group(group).flatMap(g -> g.member(member));
    }

    private static boolean dataIn(Indexed c, String group, DataAddress d) {
        return c.group(group).map(g -> g.dataAddresses().contains(d)).orElse(false);
    }

    /** A configuration with its groups by name (lookups per member stay O(1) at 256 members). */
    private static final class Indexed {
        private final IpmpConfiguration c;
        private final java.util.Map<String, GroupConfig> groups = new java.util.HashMap<>();
        private final java.util.Map<String, GroupConfig> groupOfMember = new java.util.HashMap<>();

        Indexed(IpmpConfiguration c) {
            this.c = c;
            for (GroupConfig g : c.groups()) {
                groups.putIfAbsent(g.name(), g);
                for (MemberConfig m : g.members()) {
                    groupOfMember.putIfAbsent(m.name(), g);
                }
            }
        }

        List<GroupConfig> groups() {
            return c.groups();
        }

        Optional<GroupConfig> group(String name) {
            return Optional.ofNullable(groups.get(name));
        }

        Optional<GroupConfig> groupOf(String member) {
            return Optional.ofNullable(groupOfMember.get(member));
        }

        ipmpd.engine.EngineConfig global() {
            return c.global();
        }
    }
}
