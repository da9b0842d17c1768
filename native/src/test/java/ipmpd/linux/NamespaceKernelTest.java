package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link NetNs} executors and {@link MemberSysctls} written from a setns'd thread. */
class NamespaceKernelTest {
    private static NetnsLab lab;

    @BeforeAll
    static void setUp() throws Exception {
        lab = NetnsLab.create();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void executorThreadIsInTheNamedNamespace() throws Exception {
        String mine = NetNs.currentId();
        String inHost = lab.in(lab.host, NetNs::currentId);
        assertNotEquals(mine, inHost);
        // What ip(8) itself sees when it runs a process in that namespace.
        assertEquals(NetnsLab.run("ip", "netns", "exec", lab.host, "readlink", "/proc/self/ns/net").trim(), inHost);
        assertEquals(inHost, NetNs.call(lab.host, NetNs::currentId));
        assertEquals(mine, NetNs.currentId(), "the caller's own thread never moves");
    }

    @Test
    void everythingAlsoWorksWithoutSetns() throws Exception {
        // The daemon normally runs wholly inside its namespace: plain calls on the current thread.
        // Read-only here, since this is the machine's own namespace.
        try (Rtnetlink rt = Rtnetlink.open()) {
            LinkInfo lo = rt.dumpLinks().stream().filter(LinkInfo::isLoopback).findFirst().orElseThrow();
            assertEquals(lo.index(), Interfaces.index(lo.name()));
            assertTrue(rt.getLink(lo.index()).isPresent());
        }
        try (RtnetlinkMonitor mon = RtnetlinkMonitor.open()) {
            assertTrue(mon.readAvailable().stream().noneMatch(e -> e instanceof RtEvent.ResyncNeeded));
        }
    }

    @Test
    void interfaceLookupsFollowTheThreadsNamespace() throws Exception {
        int inside = lab.in(lab.host, () -> Interfaces.index("h1"));
        assertTrue(inside > 0);
        assertEquals("h1", lab.in(lab.host, () -> Interfaces.name(inside)));
        assertEquals(Errno.ENODEV, assertThrows(NativeIOException.class,
                () -> lab.in(lab.peer, () -> Interfaces.index("h1"))).errno());
    }

    @Test
    void ethtoolLinkSeesACarrierLossAtOnceAndFlushesItAsAnEvent() throws Exception {
        try (EthtoolLink e = lab.in(lab.host, EthtoolLink::open);
             RtnetlinkMonitor mon = lab.in(lab.host, RtnetlinkMonitor::open)) {
            assertEquals(EthtoolLink.UP, e.link("h2"));
            assertEquals(EthtoolLink.UNKNOWN, e.link("no-such-if0"));
            assertEquals(Errno.ENODEV, e.lastErrno());
            assertEquals(EthtoolLink.UNKNOWN, e.link("a-name-too-long-for-ifnamsiz"));
            lab.ip(lab.peer, "link set p2 down");
            try {
                assertEquals(EthtoolLink.DOWN, e.link("h2"), "the driver's link report, before linkwatch ran");
                // veth uses the generic link report, which syncs linkwatch: the event was queued on
                // the monitor's socket before the ioctl returned, so it is there without waiting
                boolean seen = mon.readAvailable().stream()
                        .anyMatch(ev -> ev instanceof RtEvent.Link l && "h2".equals(l.info().name()) && !l.info().isLowerUp());
                assertTrue(seen, "RTM_NEWLINK for h2 without carrier already queued after the link report");
            } finally {
                lab.ip(lab.peer, "link set p2 up");
            }
        }
    }

    @Test
    void taskExceptionsAreRethrownAndTheThreadStaysInTheNamespace() throws Exception {
        try (NetNs.Executor ex = NetNs.open(lab.host)) {
            String id = ex.call(NetNs::currentId);
            IOException e = assertThrows(IOException.class, () -> ex.call(() -> {
                throw new IOException("boom");
            }));
            assertEquals("boom", e.getMessage());
            assertThrows(AssertionError.class, () -> ex.call(() -> {
                throw new AssertionError("error");
            }));
            assertEquals(id, ex.call(NetNs::currentId));
            assertEquals(lab.host, ex.name());
        }
    }

    @Test
    void openingAMissingNamespaceFails() {
        NativeIOException e = assertThrows(NativeIOException.class, () -> NetNs.open(lab.host + "-missing"));
        assertEquals(Errno.ENOENT, e.errno());
        assertThrows(IllegalArgumentException.class, () -> NetNs.open("../etc"));
    }

    @Test
    void memberSysctlsWrittenFromASetnsThreadChangeThatNamespace() throws Exception {
        List<MemberSysctls.Change> changes = lab.in(lab.host, () -> new MemberSysctls().apply("h1"));
        List<String> text = changes.stream().map(MemberSysctls.Change::toString).toList();
        // Fresh namespace: kernel defaults, so all six change.
        assertEquals(List.of(
                "net.ipv4.conf.h1.arp_ignore: 0 -> 1",
                "net.ipv4.conf.h1.arp_announce: 0 -> 2",
                "net.ipv4.conf.h1.ignore_routes_with_linkdown: 0 -> 1",
                "net.ipv4.conf.h1.rp_filter: 0 -> 2",
                "net.ipv4.conf.h1.promote_secondaries: 0 -> 1",
                "net.ipv6.conf.h1.ignore_routes_with_linkdown: 0 -> 1"), text);
        // A separate process in the namespace (ip netns exec) sees the new values...
        assertEquals("1", lab.sysctlGet(lab.host, "net.ipv4.conf.h1.arp_ignore"));
        assertEquals("2", lab.sysctlGet(lab.host, "net.ipv4.conf.h1.rp_filter"));
        assertEquals("1", lab.sysctlGet(lab.host, "net.ipv6.conf.h1.ignore_routes_with_linkdown"));
        // ...the other member in the same namespace is untouched...
        assertEquals("0", lab.sysctlGet(lab.host, "net.ipv4.conf.h2.arp_ignore"));
        // ...and a second run changes nothing.
        assertEquals(List.of(), lab.in(lab.host, () -> new MemberSysctls().apply("h1")));
        // The test's own (root) namespace has no h1 at all: the writes went to the lab namespace.
        assumeNoH1InRoot();
        assertThrows(java.nio.file.NoSuchFileException.class, () -> new MemberSysctls().apply("h1"));
    }

    private static void assumeNoH1InRoot() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/proc/sys/net/ipv4/conf/h1")));
    }
}
