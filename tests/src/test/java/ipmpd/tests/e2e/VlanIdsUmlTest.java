package ipmpd.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.UmlBoot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real 802.1Q VLANs as members (seed 003: "mixing VLANs that belong to different links into an
 * IPMP group"). This host's kernel has no 8021q module, so the daemon runs inside a User-Mode Linux
 * boot that has it: two veth ends va and vb, VLANs 1000 on va and 2000 on vb (each veth with a peer of its own) in group "diff", VLAN
 * 3000 on each in group "same". The daemon reads the VLAN IDs from rtnetlink and warns about
 * "diff" only; va's carrier loss fails both VLANs on va, none on vb.
 */
@Timeout(300)
class VlanIdsUmlTest {
    private static final String MARK = "UML| ";

    @Test
    void membersOfOneGroupOnVlansOfDifferentIdsAreWarnedAbout() throws Exception {
        assertTrue(UmlBoot.available(), UmlBoot.UML + " or its modules missing: run bin/setup (user-mode-linux, kmod)");
        String bin = IpmpdProcess.root().resolve("bin").toString();
        String body = String.join("\n",
                "ip link add va type veth peer name pa",
                "ip link add vb type veth peer name pb",
                "ip link set pa up; ip link set pb up",
                "ip link add link va name va1000 type vlan id 1000",
                "ip link add link vb name vb2000 type vlan id 2000",
                "ip link add link va name va3000 type vlan id 3000",
                "ip link add link vb name vb3000 type vlan id 3000",
                "for l in va vb va1000 vb2000 va3000 vb3000; do ip link set $l up; done",
                "mkdir -p /tmp/conf",
                "echo 'group diff up' > /tmp/conf/hostname.va1000",
                "echo 'group diff up' > /tmp/conf/hostname.vb2000",
                "echo 'group same up' > /tmp/conf/hostname.va3000",
                "echo 'group same up' > /tmp/conf/hostname.vb3000",
                "export IPMPD_SOCKET=/tmp/ipmpd.sock",
                bin + "/ipmpd -c /tmp/conf -f --socket=/tmp/ipmpd.sock > /tmp/ipmpd.log 2>&1 &",
                "pid=$!",
                // the four members in their groups (the warnings are said as each joins)
                "i=0; while [ $i -lt 240 ]; do",
                "  n=$(" + bin + "/ipmpstat -i -P -o INTERFACE,GROUP 2>/dev/null | grep -c -E '^v[ab][0-9]+:(diff|same)$')",
                "  [ \"$n\" -ge 4 ] && break; sleep 0.5; i=$((i+1))",
                "done",
                bin + "/ipmpstat -i -P -o INTERFACE,GROUP | sed 's/^/" + MARK + "member /'",
                // va loses its carrier (its peer goes down): both VLANs on it fail, those on vb do not
                "ip link set pa down",
                "i=0; while [ $i -lt 240 ]; do",
                "  n=$(" + bin + "/ipmpstat -i -P -o INTERFACE,LINK 2>/dev/null | grep -c -E '^va[0-9]+:down$')",
                "  [ \"$n\" -ge 2 ] && break; sleep 0.5; i=$((i+1))",
                "done",
                bin + "/ipmpstat -i -P -o INTERFACE,LINK,STATE | sed 's/^/" + MARK + "after /'",
                "kill $pid; wait $pid",
                "sed 's/^/" + MARK + "log /' /tmp/ipmpd.log");
        List<String> console = UmlBoot.run(List.of("veth", "8021q"), body, Duration.ofSeconds(240));
        List<String> out = console.stream().filter(l -> l.startsWith(MARK)).map(l -> l.substring(MARK.length())).toList();
        String all = String.join("\n", console);
        assertEquals(List.of("member va1000:diff", "member va3000:same", "member vb2000:diff", "member vb3000:same"),
                out.stream().filter(l -> l.startsWith("member ")).sorted().toList(), all);
        List<String> vlanWarnings = out.stream().filter(l -> l.contains("are VLANs that belong to different links")).toList();
        assertEquals(1, vlanWarnings.size(), all);
        String w = vlanWarnings.get(0);
        assertTrue(w.contains("of group diff ") && w.contains("NIC va1000 (VLAN 1000)") && w.contains("NIC vb2000 (VLAN 2000)"),
                w);
        assertTrue(out.stream().noneMatch(l -> l.contains("share the physical link")), "va and vb are two links\n" + all);
        // link failure is per physical link: va's carrier loss fails its two VLANs, vb's stay ok
        assertEquals(List.of("after va1000:down:failed", "after va3000:down:failed", "after vb2000:up:ok",
                "after vb3000:up:ok"), out.stream().filter(l -> l.startsWith("after ")).sorted().toList(), all);
    }
}
