package ipmpd.linux.platform;

import ipmpd.linux.AddrInfo;
import ipmpd.linux.Interfaces;
import ipmpd.linux.NetNs;
import ipmpd.linux.Rtnetlink;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up reconciliation against a real kernel: an address an earlier run of ipmpd placed
 * (IFA_PROTO mark) that nothing holds now is removed; one added by hand on the same member, and
 * one on an interface outside any group, stay. The same for new IPMP: an IPMP interface device
 * an earlier run made (its alias) and proxy entries it made (NDA_PROTOCOL) go; a device and a
 * proxy entry made by hand stay.
 */
class OrphanAddressKernelTest {
    @Test
    void markedAddressesNobodyHoldsGoAndHandAddedOnesStay() throws Exception {
        try (FailoverLab lab = FailoverLab.create()) {
            NetNs.Executor h = lab.executor(lab.host);
            List<String> log = new CopyOnWriteArrayList<>();
            try (NsEngineLoop loop = new NsEngineLoop(h)) {
                Rtnetlink rt = h.call(Rtnetlink::open);
                int m1 = h.call(() -> Interfaces.index("m1"));
                int m2 = h.call(() -> Interfaces.index("m2"));
                InetAddress orphan = InetAddress.getByName("192.0.2.77");
                InetAddress byHand = InetAddress.getByName("192.0.2.78");
                InetAddress byHandElsewhere = InetAddress.getByName("198.51.100.9");
                InetAddress orphan6 = InetAddress.getByName("2001:db8::77");
                h.call(() -> {
                    // as on every member (MemberSysctls): deleting a primary keeps the secondaries
                    java.nio.file.Files.writeString(java.nio.file.Path.of(
                            "/proc/sys/net/ipv4/conf/m1/promote_secondaries"), "1");
                    rt.addAddress(AddrInfo.of(m1, orphan, 24).withProto(LinuxPlatform.ADDRESS_PROTO));
                    rt.addAddress(AddrInfo.of(m2, orphan6, 64).withProto(LinuxPlatform.ADDRESS_PROTO)
                            .withFlags(ipmpd.linux.Rtnl.IFA_F_NODAD));
                    rt.addAddress(AddrInfo.of(m1, byHand, 24));
                    rt.addAddress(AddrInfo.of(m2, byHandElsewhere, 24));
                    rt.addProxyNeighbour(new ipmpd.linux.ProxyNeighbour(m1, InetAddress.getByName("2001:db8::79"),
                            ProxyBindings.PROTOCOL));
                    rt.addProxyNeighbour(new ipmpd.linux.ProxyNeighbour(m1, InetAddress.getByName("2001:db8::80"), 0));
                    return null;
                });
                lab.ip(lab.host, "link add ipmpold type ifb");
                h.call(() -> {
                    rt.setLinkAlias(Interfaces.index("ipmpold"), IpmpDevices.ALIAS);
                    return null;
                });
                lab.ip(lab.host, "link add mine type ifb");
                assertTrue(h.call(() -> rt.dumpAddresses()).stream()
                        .anyMatch(a -> a.address().equals(orphan) && a.proto() == LinuxPlatform.ADDRESS_PROTO),
                        "the kernel keeps the mark (IFA_PROTO, Linux 6.1+)");
                LinuxPlatform platform = loop.call(() -> new LinuxPlatform(loop::execute, log::add));
                try {
                    List<String> removed = loop.call(platform::removeOrphans);
                    assertEquals(4, removed.size(), "removed: " + removed + ", log: " + log);
                    assertTrue(removed.contains("ipmpold"), removed.toString());
                    assertTrue(removed.stream().anyMatch(r -> r.startsWith("proxy 2001:db8::79")), removed.toString());
                    assertFalse(lab.ip(lab.host, "link show").contains("ipmpold"), "the orphan IPMP device went");
                    assertTrue(lab.ip(lab.host, "link show").contains("mine"), "an ifb made by hand stays");
                    String proxies = lab.ip(lab.host, "-6 neigh show proxy");
                    assertFalse(proxies.contains("2001:db8::79"), proxies);
                    assertTrue(proxies.contains("2001:db8::80"), "a proxy entry made by hand stays: " + proxies);
                    List<AddrInfo> now = h.call(() -> rt.dumpAddresses());
                    assertFalse(now.stream().anyMatch(a -> a.address().equals(orphan)), "orphan removed");
                    assertFalse(now.stream().anyMatch(a -> a.address().equals(orphan6)), "IPv6 orphan removed");
                    assertTrue(now.stream().anyMatch(a -> a.address().equals(byHand) && a.index() == m1), "hand-added kept");
                    assertTrue(now.stream().anyMatch(a -> a.address().equals(byHandElsewhere)), "hand-added kept");
                    assertTrue(log.stream().anyMatch(l -> l.contains("192.0.2.77/24 on m1")), log.toString());
                } finally {
                    loop.call(() -> {
                        platform.close();
                        return null;
                    });
                    rt.close();
                }
            }
        }
    }
}
