package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The MIB and the YANG module name every state exactly as the engine's vocabulary does. */
class VocabularyTest {
    static final Path ROOT = Path.of("..");

    @Test
    void engineEnumsMatchTheTable() {
        assertEquals(GroupState.values().length, Vocabulary.GROUP_STATE.size());
        for (GroupState s : GroupState.values()) {
            assertEquals(s.text, Vocabulary.of(s).ipmpstat());
        }
        assertEquals(EngineSnapshot.LinkState.values().length, Vocabulary.LINK_STATE.size());
        assertEquals(EngineSnapshot.ProbeState.values().length, Vocabulary.PROBE_STATE.size());
        assertEquals(EngineSnapshot.InterfaceState.values().length, Vocabulary.INTERFACE_STATE.size());
        for (EngineSnapshot.LinkState s : EngineSnapshot.LinkState.values()) {
            assertEquals(s.name().toLowerCase(), Vocabulary.of(s).ipmpstat());
        }
        for (EngineListener.Detection d : EngineListener.Detection.values()) {
            assertEquals(d.byProbes() ? "probe" : d.name().toLowerCase(), Vocabulary.of(d).yang());
        }
        for (EngineListener.GroupEvent e : EngineListener.GroupEvent.values()) {
            assertEquals(e.name().toLowerCase().replace('_', '-'), Vocabulary.of(e).yang());
        }
        for (EngineListener.FdtReason r : EngineListener.FdtReason.values()) {
            assertEquals(r.name().toLowerCase().replace("_m", "M"), Vocabulary.of(r).mibLabel());
        }
        // the MIB's three reasons an address moves; the engine tells more apart
        assertEquals(3, Vocabulary.MOVE_REASON.size());
        for (EngineListener.MoveReason r : EngineListener.MoveReason.values()) {
            assertTrue(Vocabulary.MOVE_REASON.contains(Vocabulary.of(r)), r.name());
        }
    }

    /** A value each view names differently: keyed by the enum, never by its position. */
    @Test
    void eventsAreNamedInEveryView() {
        assertEquals(new Vocabulary.Term(null, "probeIPv6", 3, "probe"),
                Vocabulary.of(EngineListener.Detection.PROBE_IPV6));
        assertEquals(new Vocabulary.Term(null, "atLeastOneUsable", 2, "at-least-one-usable"),
                Vocabulary.of(EngineListener.GroupEvent.AT_LEAST_ONE_USABLE));
        assertEquals(2, Vocabulary.of(EngineListener.FdtReason.IMPROVED).mib());
        assertEquals("admin", Vocabulary.of(EngineListener.MoveReason.STANDBY).yang());
        assertEquals(3, Vocabulary.of(EngineListener.MoveReason.MEMBERSHIP).mib());
        assertEquals(EngineListener.GroupEvent.AT_LEAST_ONE_USABLE,
                EngineListener.GroupEvent.of(GroupState.FAILED, GroupState.DEGRADED));
        assertEquals(EngineListener.GroupEvent.ALL_USABLE,
                EngineListener.GroupEvent.of(GroupState.DEGRADED, GroupState.OK));
    }

    @Test
    void mibEnumerationsAreTheTable() throws Exception {
        String mib = Files.readString(ROOT.resolve("mib/IPMP-MIB.txt"));
        assertEnumeration(mib, Vocabulary.GROUP_STATE);
        assertEnumeration(mib, Vocabulary.LINK_STATE);
        assertEnumeration(mib, Vocabulary.PROBE_STATE);
        assertEnumeration(mib, Vocabulary.INTERFACE_STATE);
        assertEnumeration(mib, Vocabulary.PROBE_MODE);
        assertEnumeration(mib, Vocabulary.TARGET_ORIGIN);
        assertEnumeration(mib, Vocabulary.TARGET_STATUS);
        assertEnumeration(mib, Vocabulary.ADDRESS_STATE);
        assertEnumeration(mib, Vocabulary.MOVE_REASON);
        assertEnumeration(mib, Vocabulary.DETECTION);
        assertEnumeration(mib, Vocabulary.GROUP_EVENT);
        assertEnumeration(mib, Vocabulary.FDT_REASON);
        assertEnumeration(mib, Vocabulary.CONFIG_CHANGE);
        assertEnumeration(mib, Vocabulary.PROBING_CHANGE);
        assertEnumeration(mib, Vocabulary.TARGET_CHANGE);
    }

    @Test
    void yangEnumsAreTheTable() throws Exception {
        String yang = Files.readString(ROOT.resolve("yang/ipmpd-ipmp.yang"));
        for (List<Vocabulary.Term> list : List.of(Vocabulary.GROUP_STATE, Vocabulary.LINK_STATE,
                Vocabulary.PROBE_STATE, Vocabulary.INTERFACE_STATE, Vocabulary.TARGET_ORIGIN,
                Vocabulary.TARGET_STATUS, Vocabulary.ADDRESS_STATE, Vocabulary.MOVE_REASON, Vocabulary.GROUP_EVENT)) {
            StringBuilder pattern = new StringBuilder();
            for (String name : list.stream().map(Vocabulary.Term::yang).distinct().toList()) {
                pattern.append("enum ").append(Pattern.quote(name)).append("\\s*\\{[^}]*\\}\\s*");
            }
            assertTrue(Pattern.compile(pattern.toString()).matcher(yang).find(),
                    "no YANG enumeration " + list.stream().map(Vocabulary.Term::yang).toList());
        }
        // detection methods are identities derived from 'detection' (operators may add methods)
        for (Vocabulary.Term t : Vocabulary.DETECTION) {
            assertTrue(Pattern.compile("identity " + Pattern.quote(t.yang()) + "\\s*\\{\\s*base detection;")
                    .matcher(yang).find(), "no YANG identity " + t.yang() + " with base detection");
        }
    }

    /** The MIB has an INTEGER { a(1), b(2), ... } with exactly these labels and values, in order. */
    private static void assertEnumeration(String mib, List<Vocabulary.Term> terms) {
        Matcher m = Pattern.compile("INTEGER\\s*\\{([^}]*)\\}").matcher(mib);
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            List<String> items = new ArrayList<>();
            for (String part : m.group(1).split(",")) {
                items.add(part.strip());
            }
            List<String> wanted = new ArrayList<>();
            for (Vocabulary.Term t : terms) {
                wanted.add(t.mibLabel() + "(" + t.mib() + ")");
            }
            if (items.equals(wanted)) {
                return;
            }
            seen.add(items.toString());
        }
        throw new AssertionError("no MIB enumeration " + terms + " among " + seen);
    }
}
