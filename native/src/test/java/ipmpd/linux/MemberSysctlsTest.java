package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MemberSysctls} against a fake /proc/sys/net tree. */
class MemberSysctlsTest {

    private static void write(Path root, String rel, String v) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, v + "\n");
    }

    private static void fakeInterface(Path root, String ifname, boolean ipv6) throws Exception {
        for (String s : List.of("arp_ignore", "arp_announce", "ignore_routes_with_linkdown", "rp_filter", "promote_secondaries")) {
            write(root, "ipv4/conf/" + ifname + "/" + s, "0");
        }
        if (ipv6) {
            write(root, "ipv6/conf/" + ifname + "/ignore_routes_with_linkdown", "0");
        }
    }

    @Test
    void changesOnlyWhatDiffersAndReportsOldAndNew(@TempDir Path root) throws Exception {
        fakeInterface(root, "eth0", true);
        write(root, "ipv4/conf/eth0/arp_announce", "2");
        write(root, "ipv4/conf/eth0/rp_filter", "1");
        List<MemberSysctls.Change> c = new MemberSysctls(root).apply("eth0");
        assertEquals(List.of(
                new MemberSysctls.Change("net.ipv4.conf.eth0.arp_ignore", "0", "1"),
                new MemberSysctls.Change("net.ipv4.conf.eth0.ignore_routes_with_linkdown", "0", "1"),
                new MemberSysctls.Change("net.ipv4.conf.eth0.rp_filter", "1", "2"),
                new MemberSysctls.Change("net.ipv4.conf.eth0.promote_secondaries", "0", "1"),
                new MemberSysctls.Change("net.ipv6.conf.eth0.ignore_routes_with_linkdown", "0", "1")), c);
        assertEquals("2", Files.readString(root.resolve("ipv4/conf/eth0/rp_filter")).trim());
        assertEquals(List.of(), new MemberSysctls(root).apply("eth0"));
        assertEquals("net.ipv4.conf.eth0.arp_ignore: 0 -> 1", c.get(0).toString());
    }

    @Test
    void ipv6IsSkippedWhenDisabledAndMissingInterfacesFail(@TempDir Path root) throws Exception {
        fakeInterface(root, "eth1", false);
        assertEquals(5, new MemberSysctls(root).apply("eth1").size());
        assertThrows(NoSuchFileException.class, () -> new MemberSysctls(root).apply("nope"));
        assertThrows(IllegalArgumentException.class, () -> new MemberSysctls(root).apply("../x"));
    }

    @Test
    void aMemberOfANewIpmpGroupAnswersForTheIpmpInterfacesAddresses(@TempDir Path root) throws Exception {
        fakeInterface(root, "eth2", true);
        for (String s : List.of("arp_filter")) {
            write(root, "ipv4/conf/eth2/" + s, "0");
        }
        for (String s : List.of("forwarding", "proxy_ndp", "accept_ra")) {
            write(root, "ipv6/conf/eth2/" + s, s.equals("accept_ra") ? "1" : "0");
        }
        write(root, "ipv6/neigh/eth2/proxy_delay", "80");
        List<MemberSysctls.Change> c = new MemberSysctls(root).applyNewIpmp("eth2");
        assertTrue(c.stream().noneMatch(x -> x.key().endsWith(".arp_ignore")), "arp_ignore stays 0: " + c);
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv4.conf.eth2.arp_filter", "0", "1")), c.toString());
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv6.conf.eth2.proxy_ndp", "0", "1")), c.toString());
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv6.conf.eth2.forwarding", "0", "1")), c.toString());
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv6.conf.eth2.accept_ra", "1", "2")), c.toString());
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv6.neigh.eth2.proxy_delay", "80", "0")), c.toString());
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv4.conf.eth2.arp_announce", "0", "2")), "the classic ones too");
        assertEquals(List.of(), new MemberSysctls(root).applyNewIpmp("eth2"));
    }

    @Test
    void aClassicMemberAnswersARPForItsOwnAddressesWhateverTheRouteLookupSays(@TempDir Path root) throws Exception {
        fakeInterface(root, "eth3", true);
        write(root, "ipv4/conf/eth3/arp_filter", "1");
        List<MemberSysctls.Change> c = new MemberSysctls(root).applyClassic("eth3");
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv4.conf.eth3.arp_filter", "1", "0")), c.toString());
        assertTrue(c.contains(new MemberSysctls.Change("net.ipv4.conf.eth3.arp_ignore", "0", "1")), c.toString());
        assertEquals(List.of(), new MemberSysctls(root).applyClassic("eth3"));
    }

    @Test
    void hostWideSettingsAreSkippedWhereTheKernelLacksThem(@TempDir Path root) throws Exception {
        write(root, "ipv4/fib_multipath_hash_policy", "0");
        assertEquals(List.of(new MemberSysctls.Change("net.ipv4.fib_multipath_hash_policy", "0", "1")),
                new MemberSysctls(root).applyHostWide());
        assertEquals(List.of(), new MemberSysctls(root).applyHostWide());
    }
}
