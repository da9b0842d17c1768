package ipmpd.agent;

import ipmpd.testkit.Await;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One log: the libraries' messages (SLF4J for Apache SSHD, SNMP4J's own LogFactory) reach the
 * daemon's log; -d turns on debug categories one by one; internal errors carry their stack trace;
 * under systemd, standard error lines carry their syslog priority.
 */
class OneLogTest {
    private static List<String> since(List<String> logged, int from) {
        return List.copyOf(logged.subList(from, logged.size()));
    }

    /** The lines since {@code from} that came from the test's library loggers (the daemon logs too). */
    private static List<String> fromLibraries(List<String> logged, int from) {
        return since(logged, from).stream().filter(l -> l.contains("SomeServerPart") || l.contains("SomeTransport")
                || l.contains("sshd Other") || l.contains("MessageDispatcherImpl")).toList();
    }

    @Test
    void libraryWarningsReachTheDaemonsLogAndTheirDebugOnlyWithTheCategory() throws Exception {
        try (DaemonFixture f = DaemonFixture.standard()) {
            int from = f.logged.size();
            LoggerFactory.getLogger("org.apache.sshd.server.SomeServerPart").warn("key {} refused", "k1");
            LoggerFactory.getLogger("org.apache.sshd.server.SomeServerPart").info("session {} opened", 7);
            org.snmp4j.log.LogFactory.getLogger("org.snmp4j.transport.SomeTransport").warn("socket closed");
            org.snmp4j.log.LogFactory.getLogger("org.snmp4j.transport.SomeTransport").debug("datagram of 60 bytes");
            assertEquals(List.of("sshd SomeServerPart: key k1 refused", "snmp4j SomeTransport: socket closed"),
                    fromLibraries(f.logged, from));

            f.daemon.log().setDebug(EnumSet.of(IpmpdLog.Category.NETCONF));
            from = f.logged.size();
            LoggerFactory.getLogger("org.apache.sshd.server.SomeServerPart").info("session {} opened", 8);
            org.snmp4j.log.LogFactory.getLogger("org.snmp4j.transport.SomeTransport").debug("datagram of 61 bytes");
            assertEquals(List.of("netconf: sshd SomeServerPart: session 8 opened"), fromLibraries(f.logged, from));

            from = f.logged.size();
            LoggerFactory.getLogger("org.apache.sshd.common.Other").error("cannot read", new IllegalStateException("bad key"));
            String m = fromLibraries(f.logged, from).get(0);
            assertTrue(m.startsWith("sshd Other: cannot read: java.lang.IllegalStateException: bad key\n\tat "), m);
        }
    }

    @Test
    void aLoggerThatWarnsForEveryPacketIsHeldToItsBudget() throws Exception {
        try (DaemonFixture f = DaemonFixture.standard()) {
            int from = f.logged.size();
            for (int i = 0; i < 100; i++) {
                org.snmp4j.log.LogFactory.getLogger("org.snmp4j.MessageDispatcherImpl").warn("bad message " + i);
            }
            List<String> written = fromLibraries(f.logged, from);
            assertEquals(20, written.size(), written.toString());
            assertEquals("snmp4j MessageDispatcherImpl: bad message 19", written.get(19));
        }
    }

    @Test
    void debugCategoriesTraceOneAreaEach() throws Exception {
        try (DaemonFixture f = DaemonFixture.standard()) {
            f.awaitProbesOk();
            int from = f.logged.size();
            f.daemon.log().setDebug(EnumSet.of(IpmpdLog.Category.PROBES));
            Await.until("a probe traced", () -> since(f.logged, from).stream()
                    .anyMatch(l -> l.matches("probes: tst[01] probe \\d+ to 192\\.0\\.2\\.1 acknowledged, rtt .*")));
            f.daemon.log().setDebug(EnumSet.of(IpmpdLog.Category.PHYINT));
            int phyFrom = f.logged.size();
            f.platform().setLink("tst0", false);
            Await.until("the link change traced", () -> since(f.logged, phyFrom).contains("phyint: tst0 link down"));
            Await.until("the failure traced", () -> since(f.logged, phyFrom).contains("phyint: tst0 failed in group g0 (LINK)"));
            f.daemon.log().setDebug(Set.of());
            f.daemon.loop().call(() -> null); // a debug line the engine thread was writing is written now
            int quiet = f.logged.size();
            f.platform().setLink("tst0", true);
            Await.until("tst0 repaired", () -> since(f.logged, quiet).stream().anyMatch(l -> l.contains("repair")));
            assertTrue(since(f.logged, quiet).stream().noneMatch(l -> l.startsWith("phyint: ") || l.startsWith("probes: ")),
                    since(f.logged, quiet).toString());
        }
    }

    @Test
    void dashDTakesCategories() throws Exception {
        assertEquals(EnumSet.of(IpmpdLog.Category.PROBES, IpmpdLog.Category.SNMP),
                Daemon.parseArgs(new String[] {"-d", "probes,snmp", "-f"}).debug());
        assertEquals(EnumSet.allOf(IpmpdLog.Category.class), Daemon.parseArgs(new String[] {"-d", "-f"}).debug());
        assertEquals(EnumSet.allOf(IpmpdLog.Category.class), Daemon.parseArgs(new String[] {"-d"}).debug());
        assertEquals(EnumSet.of(IpmpdLog.Category.TARGETS), Daemon.parseArgs(new String[] {"-dtargets"}).debug());
        assertEquals(EnumSet.of(IpmpdLog.Category.CONFIG, IpmpdLog.Category.NETCONF),
                Daemon.parseArgs(new String[] {"--debug=config", "-d", "netconf"}).debug());
        assertEquals(Set.of(), Daemon.parseArgs(new String[] {"-f"}).debug());
        Daemon.UsageException e = assertThrows(Daemon.UsageException.class,
                () -> Daemon.parseArgs(new String[] {"-d", "probes,routing"}));
        assertEquals("ipmpd: unknown debug category routing (known: all, probes, targets, phyint, config, snmp, netconf)",
                e.getMessage());
    }

    @Test
    void anInternalErrorIsLoggedWithItsStackTrace() throws Exception {
        try (DaemonFixture f = DaemonFixture.standard()) {
            int from = f.logged.size();
            f.daemon.loop().execute(() -> {
                throw new IllegalStateException("a bug");
            });
            Await.until("the error logged", () -> since(f.logged, from).stream()
                    .anyMatch(l -> l.startsWith("internal error: java.lang.IllegalStateException: a bug\n\tat ")
                            && l.contains("OneLogTest")));
        }
    }

    @Test
    void underSystemdEveryLineCarriesItsPriority() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        IpmpdLog log = IpmpdLog.detached(new PrintStream(err, true, StandardCharsets.UTF_8), true);
        log.engine("IP interface failure detected on hme0 of group test");
        log.notice("ipmpd started");
        log.err("internal error", new IllegalStateException("x"));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("<3>IP interface failure detected on hme0 of group test", lines.get(0));
        assertEquals("<5>ipmpd started", lines.get(1));
        assertEquals("<3>internal error: java.lang.IllegalStateException: x", lines.get(2));
        assertTrue(lines.size() > 3 && lines.subList(3, lines.size()).stream().allMatch(l -> l.startsWith("<3>\tat ")),
                lines.toString());
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        IpmpdLog.detached(new PrintStream(plain, true, StandardCharsets.UTF_8), false).notice("ipmpd started");
        assertTrue(plain.toString(StandardCharsets.UTF_8).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} "
                + "in\\.mpathd\\[\\d+]: ipmpd started\\R"), plain.toString(StandardCharsets.UTF_8));
        assertFalse(plain.toString(StandardCharsets.UTF_8).startsWith("<"));
    }
}
