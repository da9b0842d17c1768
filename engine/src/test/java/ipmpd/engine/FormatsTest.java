package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Small rules of the original tools: flag rendering, mpathd parsing, ofmt columns. */
class FormatsTest {
    @Test
    void flagsRenderAsIfconfigDoes() {
        long f = Flags.UP | Flags.BROADCAST | Flags.RUNNING | Flags.MULTICAST | Flags.DEPRECATED | Flags.IPV4
                | Flags.NOFAILOVER | Flags.STANDBY | Flags.INACTIVE;
        assertEquals("69040843<UP,BROADCAST,RUNNING,MULTICAST,DEPRECATED,IPv4,NOFAILOVER,STANDBY,INACTIVE>",
                Flags.format(f));
        assertEquals("80000000<OFFLINE>", Flags.format(Flags.OFFLINE));
        assertEquals(Flags.IPMP, Flags.byName("ipmp"));
        assertEquals(40, Flags.NAMES.size());
    }

    @Test
    void mpathdFileKeepsInMpathdMessagesAndDefaults() {
        MpathdFile.Result r = MpathdFile.parse(List.of("# comment", "failure_detection_time = 50",
                "FAILBACK=No", "TRACK_INTERFACES_ONLY_WITH_GROUPS=perhaps", "UNKNOWN=1"), EngineConfig.defaults());
        assertEquals(100, r.config().failureDetectionTimeMs());
        assertEquals(false, r.config().failback());
        assertEquals(true, r.config().trackInterfacesOnlyWithGroups());
        assertEquals(List.of("Too small failure detection time of 50, assuming minimum of 100 ms",
                "Invalid value for TRACK_INTERFACES_ONLY_WITH_GROUPS perhaps"), r.messages());
        MpathdFile.Result bad = MpathdFile.parse(List.of("FAILURE_DETECTION_TIME=-5"), EngineConfig.defaults());
        assertEquals(List.of("Invalid failure detection time -5, assuming default of 10000 ms"), bad.messages());
        // in.mpathd reads the number with strtol(value, NULL, 0): digits up to the first other
        // character, 0x hexadecimal, a leading 0 octal; no digit at all is 0, so invalid.
        assertEquals(List.of("Too small failure detection time of 10s, assuming minimum of 100 ms"),
                MpathdFile.parse(List.of("FAILURE_DETECTION_TIME=10s"), EngineConfig.defaults()).messages());
        assertEquals(5000, MpathdFile.parse(List.of("FAILURE_DETECTION_TIME=5000ms"), EngineConfig.defaults())
                .config().failureDetectionTimeMs());
        assertEquals(10000, MpathdFile.strtolInt("0x2710"));
        assertEquals(4096, MpathdFile.strtolInt("010000"));
        assertEquals(0, MpathdFile.strtolInt("fast"));
        assertEquals(0, MpathdFile.strtolInt("0xg"));
        assertEquals(-5, MpathdFile.strtolInt(" -5"));
        // What render writes, parse reads back unchanged.
        EngineConfig c = new EngineConfig(2500, false, false, 0);
        assertEquals(c, MpathdFile.parse(MpathdFile.render(c), EngineConfig.defaults()).config());
    }

    record Row(String a, String b, String c) {
    }

    @Test
    void ofmtCompensatesOverflowAndEscapesParsableFields() throws Exception {
        List<Ipmpstat.Field<Row>> fields = List.of(new Ipmpstat.Field<>("A", 4, Row::a),
                new Ipmpstat.Field<>("B", 4, Row::b), new Ipmpstat.Field<>("C", 4, Row::c));
        StringBuilder err = new StringBuilder();
        Ipmpstat.Printer<Row> p = new Ipmpstat.Printer<>(new Ipmpstat.Options('g', false, false, null), fields, err);
        // A value wider than its column pushes the next column right; the next field gives the space back.
        assertEquals("A   B   C\nabcdef x y\n", p.row(new Row("abcdef", "x", "y")));
        assertEquals("--  x   ?\n", p.row(new Row("", "x", null)));
        Ipmpstat.Printer<Row> parsable = new Ipmpstat.Printer<>(new Ipmpstat.Options('g', false, true, "a,b,c"),
                fields, err);
        assertEquals("fe80\\:\\:1:a\\\\b:\n", parsable.row(new Row("fe80::1", "a\\b", "")));
    }

    @Test
    void ipmpstatOptionsFollowTheOriginal() throws Exception {
        assertEquals('i', Ipmpstat.parse(List.of("-n", "-o", "INTERFACE,STATE", "-P", "-i")).mode());
        assertEquals("all", Ipmpstat.parse(List.of("-oall", "-g")).fields());
        AdminException two = assertThrows(AdminException.class, () -> Ipmpstat.parse(List.of("-g", "-i")));
        assertEquals("ipmpstat: only one output format may be specified", two.getMessage());
        AdminException none = assertThrows(AdminException.class, () -> Ipmpstat.parse(List.of("-n")));
        assertTrue(none.getMessage().startsWith("usage: ipmpstat [-n] [-o <field> [-P]] -a|-g|-i|-p|-t"));
    }

    private static String refusal(Ipmpstat.Options o) {
        return assertThrows(AdminException.class, () -> Ipmpstat.checkFields(o)).getMessage();
    }

    @Test
    void fieldListsAreSplitAsOfmtSplitsThem() throws Exception {
        List<Ipmpstat.Field<Row>> fields = List.of(new Ipmpstat.Field<>("A", 4, Row::a),
                new Ipmpstat.Field<>("B", 4, Row::b), new Ipmpstat.Field<>("C", 4, Row::c));
        StringBuilder err = new StringBuilder();
        Ipmpstat.Printer<Row> p = new Ipmpstat.Printer<>(new Ipmpstat.Options('g', false, false, "a,,c,"), fields, err);
        assertEquals("A   C\nx   z\n", p.row(new Row("x", "y", "z")), "empty names are skipped");
        assertEquals("", err.toString(), "and not warned about");
        p = new Ipmpstat.Printer<>(new Ipmpstat.Options('g', false, false, "a, b"), fields, err);
        assertEquals("ipmpstat: warning: ignoring unknown output field: ` b'\n", err.toString(), "nothing is trimmed");
        assertEquals("A\nx\n", p.row(new Row("x", "y", "z")));
        Ipmpstat.Options comma = new Ipmpstat.Options('g', false, false, ",");
        assertEquals("ipmpstat: no valid output fields", refusal(comma));
        // "all" is matched exactly (field names ignore case): ALL is an unknown field
        assertEquals("ipmpstat: no valid output fields", refusal(new Ipmpstat.Options('g', false, false, "ALL")));
        assertEquals("ipmpstat: no valid output fields", refusal(new Ipmpstat.Options('g', false, true, "ALL")));
        assertEquals("ipmpstat: output field `all' invalid in parsable mode",
                refusal(new Ipmpstat.Options('g', false, true, "all")));
        assertEquals("ipmpstat: unknown output field: `nope'", refusal(new Ipmpstat.Options('i', false, true, "state,nope")));
        Ipmpstat.checkFields(new Ipmpstat.Options('p', false, false, "rttdev"));
        Ipmpstat.checkFields(new Ipmpstat.Options('t', false, false, "all"));
    }

    @Test
    void doubleDashEndsTheOptions() throws Exception {
        assertEquals('g', Ipmpstat.parse(List.of("-g", "--")).mode());
        assertEquals("--", Ipmpstat.parse(List.of("-o", "--", "-g")).fields(), "-- as the argument of -o is a field list");
        AdminException operand = assertThrows(AdminException.class, () -> Ipmpstat.parse(List.of("--", "-g")));
        assertTrue(operand.getMessage().startsWith("usage: ipmpstat"), operand.getMessage());
    }

    @Test
    void addressesNeverUseTheNameService() {
        assertTrue(Addresses.parse("hivemind-prod").isEmpty());
        assertTrue(Addresses.parse("192.0.2.256").isEmpty());
        assertEquals("2001:db8::1", Addresses.format(Addresses.literal("2001:0db8:0:0::1")));
        assertEquals("fe80::a00:20ff:feb9:19fa", Addresses.format(Addresses.literal("fe80::a00:20ff:feb9:19fa")));
        assertEquals(24, Addresses.parseNetmask("ffffff00"));
        assertEquals(-1, Addresses.parseNetmask("ff00ff00"));
        assertEquals("192.0.2.255", Addresses.format(Addresses.broadcast(Addresses.literal("192.0.2.9"), 24)));
    }
}
