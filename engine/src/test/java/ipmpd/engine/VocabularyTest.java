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
        assertEquals(EngineListener.MoveReason.values().length, Vocabulary.MOVE_REASON.size());
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
    }

    @Test
    void yangEnumsAreTheTable() throws Exception {
        String yang = Files.readString(ROOT.resolve("yang/ipmpd.yang"));
        for (List<Vocabulary.Term> list : List.of(Vocabulary.GROUP_STATE, Vocabulary.LINK_STATE,
                Vocabulary.PROBE_STATE, Vocabulary.INTERFACE_STATE, Vocabulary.TARGET_ORIGIN,
                Vocabulary.TARGET_STATUS, Vocabulary.ADDRESS_STATE, Vocabulary.MOVE_REASON)) {
            StringBuilder pattern = new StringBuilder();
            for (Vocabulary.Term t : list) {
                pattern.append("enum ").append(Pattern.quote(t.yang())).append("\\s*\\{[^}]*\\}\\s*");
            }
            assertTrue(Pattern.compile(pattern.toString()).matcher(yang).find(),
                    "no YANG enumeration " + list.stream().map(Vocabulary.Term::yang).toList());
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
                wanted.add(t.ipmpstat().replaceAll("-(.)", "$1") + "(" + t.mib() + ")");
            }
            if (items.equals(wanted)) {
                return;
            }
            seen.add(items.toString());
        }
        throw new AssertionError("no MIB enumeration " + terms + " among " + seen);
    }
}
