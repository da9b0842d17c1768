package ipmpd.engine;

import ipmpd.engine.EngineSnapshot.InterfaceState;
import ipmpd.engine.EngineSnapshot.LinkState;
import ipmpd.engine.EngineSnapshot.ProbeState;

import java.util.List;
import java.util.Locale;

/**
 * The one mapping between the engine's states and their names in each view: the word ipmpstat
 * prints, the IPMP-MIB enumeration value, and the YANG enum. The MIB and YANG module are checked
 * against this table by tests, so the three views cannot drift apart.
 */
public final class Vocabulary {
    /** One state as each view names it. */
    public record Term(String ipmpstat, int mib, String yang) {
    }

    /** ipmpGroupState / group-state: ok(1) degraded(2) failed(3). */
    public static final List<Term> GROUP_STATE = terms("ok", "degraded", "failed");
    /** ipmpIfLinkState / link-state: up(1) down(2) unknown(3). */
    public static final List<Term> LINK_STATE = terms("up", "down", "unknown");
    /** ipmpIfProbeState / probe-state: ok(1) failed(2) unknown(3) disabled(4). */
    public static final List<Term> PROBE_STATE = terms("ok", "failed", "unknown", "disabled");
    /** ipmpIfState / state: ok(1) failed(2) offline(3) unknown(4). */
    public static final List<Term> INTERFACE_STATE = terms("ok", "failed", "offline", "unknown");
    /** Per-family target mode as ipmpstat -t prints it: disabled(1) routes(2) multicast(3). */
    public static final List<Term> PROBE_MODE = terms("disabled", "routes", "multicast");
    /** Where a target came from: configured(1) routes(2) multicast(3). */
    public static final List<Term> TARGET_ORIGIN = terms("configured", "routes", "multicast");
    /** Target status: active(1) dead(2) slow(3) unused(4). */
    public static final List<Term> TARGET_STATUS = terms("active", "dead", "slow", "unused");
    /** Data address state: up(1) down(2). */
    public static final List<Term> ADDRESS_STATE = terms("up", "down");
    /** Why an address moved: failover(1) failback(2) administrative(3) (YANG: admin). */
    public static final List<Term> MOVE_REASON = List.of(new Term("failover", 1, "failover"),
            new Term("failback", 2, "failback"), new Term("administrative", 3, "admin"));

    private Vocabulary() {
    }

    private static List<Term> terms(String... words) {
        Term[] out = new Term[words.length];
        for (int i = 0; i < words.length; i++) {
            out[i] = new Term(words[i], i + 1, words[i]);
        }
        return List.of(out);
    }

    public static Term of(GroupState s) {
        return GROUP_STATE.get(s.ordinal());
    }

    public static Term of(LinkState s) {
        return LINK_STATE.get(s.ordinal());
    }

    public static Term of(ProbeState s) {
        return PROBE_STATE.get(s.ordinal());
    }

    public static Term of(InterfaceState s) {
        return INTERFACE_STATE.get(s.ordinal());
    }

    public static Term of(EngineListener.MoveReason r) {
        return MOVE_REASON.get(r.ordinal());
    }

    /** Looks a word up in a list (the strings the snapshot carries for modes, origins, statuses). */
    public static Term byWord(List<Term> list, String word) {
        String w = word.toLowerCase(Locale.ROOT);
        for (Term t : list) {
            if (t.ipmpstat().equals(w) || t.yang().equals(w)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no term " + word);
    }
}
