package ipmpd.engine;

import ipmpd.engine.EngineListener.ConfigChange;
import ipmpd.engine.EngineListener.Detection;
import ipmpd.engine.EngineListener.FdtReason;
import ipmpd.engine.EngineListener.GroupEvent;
import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.engine.EngineListener.ProbingChange;
import ipmpd.engine.EngineListener.TargetChange;
import ipmpd.engine.EngineSnapshot.InterfaceState;
import ipmpd.engine.EngineSnapshot.LinkState;
import ipmpd.engine.EngineSnapshot.ProbeState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one mapping between the engine's states and events and their names in each view: the word
 * ipmpstat prints, the IPMP-MIB enumeration (label and value), and the YANG enum. Keyed by enum;
 * the MIB and the YANG module are checked against this table by tests, so the views cannot drift.
 * <pre>
 * enum                value                 ipmpstat         MIB                    YANG
 * GroupState          OK/DEGRADED/FAILED    ok/degraded/     ok(1)/degraded(2)/     ok/degraded/failed
 *                                           failed           failed(3)
 * LinkState           UP/DOWN/UNKNOWN       up/down/unknown  up(1)/down(2)/         up/down/unknown
 *                                                            unknown(3)
 * ProbeState          OK/FAILED/UNKNOWN/    ok/failed/       ok(1)/failed(2)/       ok/failed/unknown/
 *                     DISABLED              unknown/disabled unknown(3)/disabled(4) disabled
 * InterfaceState      OK/FAILED/OFFLINE/    ok/failed/       ok(1)/failed(2)/       ok/failed/offline/
 *                     UNKNOWN               offline/unknown  offline(3)/unknown(4)  unknown
 * Detection           LINK                  -                link(1)                link
 *                     PROBE_IPV4            -                probeIPv4(2)           probe
 *                     PROBE_IPV6            -                probeIPv6(3)           probe
 *                     ADMIN                 -                administrative(4)      admin
 * GroupEvent          ALL_UNUSABLE          -                allUnusable(1)         all-unusable
 *                     AT_LEAST_ONE_USABLE   -                atLeastOneUsable(2)    at-least-one-usable
 *                     DEGRADED              -                degraded(3)            degraded
 *                     ALL_USABLE            -                allUsable(4)           all-usable
 * FdtReason           CANNOT_MEET           -                cannotMeet(1)          - (fdt-changed has
 *                     IMPROVED              -                improved(2)            -  no reason leaf)
 *                     CONFIGURED            -                configured(3)          -
 * MoveReason          FAILOVER              -                failover(1)            failover
 *                     FAILBACK              -                failback(2)            failback
 *                     OFFLINE               -                administrative(3)      admin
 *                     STANDBY               -                administrative(3)      admin
 *                     MEMBERSHIP            -                administrative(3)      admin
 * ConfigChange        JOINED/LEFT/STANDBY/  -                joined(1)/left(2)/     joined/left/standby/
 *                     NOT_STANDBY/OFFLINE/                   standby(3)/notStandby  not-standby/offline/
 *                     ONLINE                                 (4)/offline(5)/        online
 *                                                            online(6)
 * ProbingChange       NO_TEST_ADDRESS ...   -                noTestAddress(1) ...   no-test-address ...
 *                     (six values)                           hardwareAddressUnique  (camel case in the MIB,
 *                                                            (6)                    dashed in YANG)
 * TargetChange        DEAD/REPLACED         -                dead(1)/replaced(2)    dead/replaced
 * </pre>
 * Offline moves are administrative, as the MIB's text for administrative(3) and the YANG
 * admin enum say (an offline by duplicate hardware address too: the daemon acts as administrator).
 * <p>
 * ipmpstat shows no events: their ipmpstat word is null. Probe modes, target origins and statuses
 * and address states travel as words in the snapshot and are looked up with {@link #byWord}.
 */
public final class Vocabulary {
    /**
     * One value as each view names it.
     *
     * @param ipmpstat the word ipmpstat prints (null: ipmpstat does not show it)
     * @param mibLabel the label of the MIB enumeration
     * @param mib the value of the MIB enumeration
     * @param yang the YANG enum (null: the YANG module has none)
     */
    public record Term(String ipmpstat, String mibLabel, int mib, String yang) {
        /** A state named alike everywhere, its MIB label the ipmpstat word in camel case. */
        public Term(String ipmpstat, int mib, String yang) {
            this(ipmpstat, camel(ipmpstat), mib, yang);
        }

        private static String camel(String word) {
            StringBuilder out = new StringBuilder();
            boolean up = false;
            for (char c : word.toCharArray()) {
                if (c == '-') {
                    up = true;
                } else {
                    out.append(up ? Character.toUpperCase(c) : c);
                    up = false;
                }
            }
            return out.toString();
        }
    }

    private static final Map<GroupState, Term> GROUP_STATES = new EnumMap<>(Map.of(
            GroupState.OK, new Term("ok", 1, "ok"),
            GroupState.DEGRADED, new Term("degraded", 2, "degraded"),
            GroupState.FAILED, new Term("failed", 3, "failed")));
    private static final Map<LinkState, Term> LINK_STATES = new EnumMap<>(Map.of(
            LinkState.UP, new Term("up", 1, "up"),
            LinkState.DOWN, new Term("down", 2, "down"),
            LinkState.UNKNOWN, new Term("unknown", 3, "unknown")));
    private static final Map<ProbeState, Term> PROBE_STATES = new EnumMap<>(Map.of(
            ProbeState.OK, new Term("ok", 1, "ok"),
            ProbeState.FAILED, new Term("failed", 2, "failed"),
            ProbeState.UNKNOWN, new Term("unknown", 3, "unknown"),
            ProbeState.DISABLED, new Term("disabled", 4, "disabled")));
    private static final Map<InterfaceState, Term> INTERFACE_STATES = new EnumMap<>(Map.of(
            InterfaceState.OK, new Term("ok", 1, "ok"),
            InterfaceState.FAILED, new Term("failed", 2, "failed"),
            InterfaceState.OFFLINE, new Term("offline", 3, "offline"),
            InterfaceState.UNKNOWN, new Term("unknown", 4, "unknown")));
    private static final Map<Detection, Term> DETECTIONS = new EnumMap<>(Map.of(
            Detection.LINK, new Term(null, "link", 1, "link"),
            Detection.PROBE_IPV4, new Term(null, "probeIPv4", 2, "probe"),
            Detection.PROBE_IPV6, new Term(null, "probeIPv6", 3, "probe"),
            Detection.ADMIN, new Term(null, "administrative", 4, "admin")));
    private static final Map<GroupEvent, Term> GROUP_EVENTS = new EnumMap<>(Map.of(
            GroupEvent.ALL_UNUSABLE, new Term(null, "allUnusable", 1, "all-unusable"),
            GroupEvent.AT_LEAST_ONE_USABLE, new Term(null, "atLeastOneUsable", 2, "at-least-one-usable"),
            GroupEvent.DEGRADED, new Term(null, "degraded", 3, "degraded"),
            GroupEvent.ALL_USABLE, new Term(null, "allUsable", 4, "all-usable")));
    private static final Map<FdtReason, Term> FDT_REASONS = new EnumMap<>(Map.of(
            FdtReason.CANNOT_MEET, new Term(null, "cannotMeet", 1, null),
            FdtReason.IMPROVED, new Term(null, "improved", 2, null),
            FdtReason.CONFIGURED, new Term(null, "configured", 3, null)));
    private static final Term FAILOVER = new Term(null, "failover", 1, "failover");
    private static final Term ADMINISTRATIVE = new Term(null, "administrative", 3, "admin");
    private static final Map<MoveReason, Term> MOVE_REASONS = new EnumMap<>(Map.of(
            MoveReason.FAILOVER, FAILOVER,
            MoveReason.FAILBACK, new Term(null, "failback", 2, "failback"),
            MoveReason.OFFLINE, ADMINISTRATIVE,
            MoveReason.STANDBY, ADMINISTRATIVE,
            MoveReason.MEMBERSHIP, ADMINISTRATIVE));

    private static final Map<ConfigChange, Term> CONFIG_CHANGES = new EnumMap<>(Map.of(
            ConfigChange.JOINED, new Term(null, "joined", 1, "joined"),
            ConfigChange.LEFT, new Term(null, "left", 2, "left"),
            ConfigChange.STANDBY, new Term(null, "standby", 3, "standby"),
            ConfigChange.NOT_STANDBY, new Term(null, "notStandby", 4, "not-standby"),
            ConfigChange.OFFLINE, new Term(null, "offline", 5, "offline"),
            ConfigChange.ONLINE, new Term(null, "online", 6, "online")));

    private static final Map<ProbingChange, Term> PROBING_CHANGES = new EnumMap<>(Map.of(
            ProbingChange.NO_TEST_ADDRESS, new Term(null, "noTestAddress", 1, "no-test-address"),
            ProbingChange.DUPLICATE_TEST_ADDRESS, new Term(null, "duplicateTestAddress", 2, "duplicate-test-address"),
            ProbingChange.DUPLICATE_HARDWARE_ADDRESS,
            new Term(null, "duplicateHardwareAddress", 3, "duplicate-hardware-address"),
            ProbingChange.TEST_ADDRESS_CONFIGURED, new Term(null, "testAddressConfigured", 4, "test-address-configured"),
            ProbingChange.TEST_ADDRESS_UNIQUE, new Term(null, "testAddressUnique", 5, "test-address-unique"),
            ProbingChange.HARDWARE_ADDRESS_UNIQUE,
            new Term(null, "hardwareAddressUnique", 6, "hardware-address-unique")));
    private static final Map<TargetChange, Term> TARGET_CHANGES = new EnumMap<>(Map.of(
            TargetChange.DEAD, new Term(null, "dead", 1, "dead"),
            TargetChange.REPLACED, new Term(null, "replaced", 2, "replaced")));

    /** ipmpGroupState / group-state: ok(1) degraded(2) failed(3). */
    public static final List<Term> GROUP_STATE = enumeration(GROUP_STATES);
    /** ipmpIfLinkState / link-state: up(1) down(2) unknown(3). */
    public static final List<Term> LINK_STATE = enumeration(LINK_STATES);
    /** ipmpIfProbeState / probe-state: ok(1) failed(2) unknown(3) disabled(4). */
    public static final List<Term> PROBE_STATE = enumeration(PROBE_STATES);
    /** ipmpIfState / state: ok(1) failed(2) offline(3) unknown(4). */
    public static final List<Term> INTERFACE_STATE = enumeration(INTERFACE_STATES);
    /** ipmpNotifyDetection: link(1) probeIPv4(2) probeIPv6(3) administrative(4); YANG detection. */
    public static final List<Term> DETECTION = enumeration(DETECTIONS);
    /** ipmpNotifyGroupEvent: allUnusable(1) atLeastOneUsable(2) degraded(3) allUsable(4); YANG reason. */
    public static final List<Term> GROUP_EVENT = enumeration(GROUP_EVENTS);
    /** ipmpNotifyFdtReason: cannotMeet(1) improved(2) configured(3). */
    public static final List<Term> FDT_REASON = enumeration(FDT_REASONS);
    /** ipmpNotifyMoveReason: failover(1) failback(2) administrative(3) (YANG: admin). */
    public static final List<Term> MOVE_REASON = enumeration(MOVE_REASONS);
    /** ipmpNotifyConfigChange: joined(1) left(2) standby(3) notStandby(4) offline(5) online(6). */
    public static final List<Term> CONFIG_CHANGE = enumeration(CONFIG_CHANGES);
    /** ipmpNotifyProbingChange: noTestAddress(1) ... hardwareAddressUnique(6). */
    public static final List<Term> PROBING_CHANGE = enumeration(PROBING_CHANGES);
    /** ipmpNotifyTargetChange: dead(1) replaced(2). */
    public static final List<Term> TARGET_CHANGE = enumeration(TARGET_CHANGES);
    /** Per-family target mode as ipmpstat -t prints it: disabled(1) routes(2) multicast(3). */
    public static final List<Term> PROBE_MODE = words("disabled", "routes", "multicast");
    /** Where a target came from: configured(1) routes(2) multicast(3). */
    public static final List<Term> TARGET_ORIGIN = words("configured", "routes", "multicast");
    /** Target status: active(1) dead(2) slow(3) unused(4). */
    public static final List<Term> TARGET_STATUS = words("active", "dead", "slow", "unused");
    /** Data address state: up(1) down(2). */
    public static final List<Term> ADDRESS_STATE = words("up", "down");

    private Vocabulary() {
    }

    /** The MIB enumeration of a table: each value once, in the order of its number. */
    private static List<Term> enumeration(Map<?, Term> table) {
        Map<Integer, Term> byValue = new TreeMap<>();
        for (Term t : table.values()) {
            byValue.putIfAbsent(t.mib(), t);
        }
        return Collections.unmodifiableList(new ArrayList<>(byValue.values()));
    }

    private static List<Term> words(String... words) {
        List<Term> out = new ArrayList<>();
        for (int i = 0; i < words.length; i++) {
            out.add(new Term(words[i], i + 1, words[i]));
        }
        return List.copyOf(out);
    }

    public static Term of(GroupState s) {
        return GROUP_STATES.get(s);
    }

    public static Term of(LinkState s) {
        return LINK_STATES.get(s);
    }

    public static Term of(ProbeState s) {
        return PROBE_STATES.get(s);
    }

    public static Term of(InterfaceState s) {
        return INTERFACE_STATES.get(s);
    }

    public static Term of(Detection d) {
        return DETECTIONS.get(d);
    }

    public static Term of(GroupEvent e) {
        return GROUP_EVENTS.get(e);
    }

    public static Term of(FdtReason r) {
        return FDT_REASONS.get(r);
    }

    public static Term of(MoveReason r) {
        return MOVE_REASONS.get(r);
    }

    public static Term of(ConfigChange c) {
        return CONFIG_CHANGES.get(c);
    }

    public static Term of(ProbingChange c) {
        return PROBING_CHANGES.get(c);
    }

    public static Term of(TargetChange c) {
        return TARGET_CHANGES.get(c);
    }

    /** Label to value of a MIB enumeration (as a MIB file lists it). */
    public static Map<String, Integer> mibEnumeration(List<Term> terms) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (Term t : terms) {
            out.put(t.mibLabel(), t.mib());
        }
        return Collections.unmodifiableMap(out);
    }

    /** Looks a word up in a list (the strings the snapshot carries for modes, origins, statuses). */
    public static Term byWord(List<Term> list, String word) {
        String w = word.toLowerCase(Locale.ROOT);
        for (Term t : list) {
            if (w.equals(t.ipmpstat()) || w.equals(t.yang())) {
                return t;
            }
        }
        throw new IllegalArgumentException("no term " + word);
    }
}
