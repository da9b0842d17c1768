package ipmpd.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ipmpd.sim.Scenario;

import java.util.List;

import org.junit.jupiter.api.Test;

/** if_mpadm as the original reads its command line and as in.mpathd's phyint_offline() decides. */
class IfMpadmTest {
    private final Scenario s = new Scenario();

    private String run(String... lines) throws Exception {
        return s.printedBy(lines);
    }

    private static String refusal(List<String> args) {
        return assertThrows(AdminException.class, () -> IfMpadmOptions.parse(args)).getMessage();
    }

    @Test
    void commandLineIsReadAsGetoptReadsIt() throws Exception {
        assertEquals(new IfMpadmOptions(true, "net0"), IfMpadmOptions.parse(List.of("-d", "net0")));
        assertEquals(new IfMpadmOptions(false, "net0"), IfMpadmOptions.parse(List.of("-r", "net0")));
        assertEquals(new IfMpadmOptions(true, "net0"), IfMpadmOptions.parse(List.of("-dnet0")), "attached argument");
        assertEquals(new IfMpadmOptions(false, "-x"), IfMpadmOptions.parse(List.of("-r", "-x")),
                "the word after -r is its argument, whatever it looks like");
        assertEquals(new IfMpadmOptions(true, "net0"), IfMpadmOptions.parse(List.of("-d", "net0", "--")));
        String usage = "Usage: if_mpadm [-d | -r] <interface>";
        assertEquals(usage, refusal(List.of("--", "-d", "net0")), "after --, -d is an operand");
        assertEquals("if_mpadm: option requires an argument -- d\n" + usage, refusal(List.of("-d")));
        assertEquals("if_mpadm: illegal option -- x\n" + usage, refusal(List.of("-x", "net0")));
        assertEquals(usage, refusal(List.of()));
        assertEquals(usage, refusal(List.of("net0")));
        assertEquals(usage, refusal(List.of("-d", "net0", "-r", "net1")), "one operation per run");
        assertEquals(usage, refusal(List.of("-d", "net0", "net1")), "no operand after the interface");
    }

    @Test
    void aFailedGroupLetsAnyMemberGoOffline() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up",
                "link net0 down", "link net1 down");
        assertEquals(GroupState.FAILED, s.engine().snapshot().group("prod").orElseThrow().state());
        assertEquals("", run("if_mpadm -d net0"), "net1 is not offline: enough in a failed group");
        assertEquals("if_mpadm: fatal: cannot offline net1: no other functioning interfaces are in its IPMP group\n",
                run("if_mpadm -d net1"), "the only other member is offline");
    }

    @Test
    void aMemberWithoutAnUpAddressDoesNotCountAsFunctioning() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net1 plumb group prod");
        assertEquals("if_mpadm: fatal: cannot offline net0: no other functioning interfaces are in its IPMP group\n",
                run("if_mpadm -d net0"));
        run("ifconfig net1 192.0.2.20/24 up");
        assertEquals("", run("if_mpadm -d net0"));
    }

    @Test
    void interfacesOutsideGroupsAreRefusedAsTheOriginalRefusesThem() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net0 addif 192.0.2.11/24 deprecated -failover up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up",
                "ifconfig net4 plumb 203.0.113.10/24 up");
        assertEquals("if_mpadm: fatal: cannot get interface flags on nosuch0: No such device or address\n",
                run("if_mpadm -d nosuch0"), "not plumbed: its flags cannot be read");
        assertEquals("if_mpadm: fatal: cannot offline net4: not a physical interface or not in an IPMP group\n",
                run("if_mpadm -d net4"));
        assertEquals("if_mpadm: fatal: interface net4 is not offline\n", run("if_mpadm -r net4"));
        run("mpathd TRACK_INTERFACES_ONLY_WITH_GROUPS=no");
        assertEquals("if_mpadm: fatal: cannot offline net4: no other functioning interfaces are in its IPMP group\n",
                run("if_mpadm -d net4"), "the anonymous group");
        assertEquals("", run("if_mpadm -d net0"), "a named group is unchanged");
        assertEquals("if_mpadm: fatal: interface net0:1 is already offline\n", run("if_mpadm -d net0:1"),
                "OFFLINE is read on the physical interface");
        assertEquals("if_mpadm: fatal: cannot get interface flags on net0:7: No such device or address\n",
                run("if_mpadm -d net0:7"));
    }

    @Test
    void theSimulatorReadsTheCommandLineTheSameWay() throws Exception {
        run("ifconfig net0 plumb 192.0.2.10/24 group prod up",
                "ifconfig net1 plumb 192.0.2.20/24 group prod up");
        assertEquals("", run("if_mpadm -dnet0"));
        assertEquals("if_mpadm: illegal option -- x\nUsage: if_mpadm [-d | -r] <interface>\n", run("if_mpadm -x net0"));
        assertEquals("", run("if_mpadm -rnet0"));
    }
}
