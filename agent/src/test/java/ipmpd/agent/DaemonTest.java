package ipmpd.agent;

import ipmpd.testkit.Await;
import ipmpd.agent.cli.ClientMain;
import ipmpd.agent.control.ControlClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon in-process on the loopback platform, driven through the real client code and socket. */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class DaemonTest {
    private DaemonFixture f;

    @BeforeEach
    void start() throws Exception {
        f = DaemonFixture.standard();
    }

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private static void assertRun(DaemonFixture.Run r, int exit, String out, String err) {
        assertEquals(err, r.err(), "stderr");
        assertEquals(out, r.out(), "stdout");
        assertEquals(exit, r.exit(), "exit status");
    }

    @Test
    void ipmpstatShowsGroupAndInterfaces() throws Exception {
        f.awaitProbesOk();
        assertRun(f.run("ipmpstat", "-g"), 0,
                "GROUP       GROUPNAME   STATE     FDT       INTERFACES\n"
                        + "g0          g0          ok        0.70s     tst1 tst0\n", "");
        assertRun(f.run("ipmpstat", "-i"), 0,
                "INTERFACE   ACTIVE  GROUP       FLAGS     LINK      PROBE     STATE\n"
                        + "tst1        yes     g0          -------   up        ok        ok\n"
                        + "tst0        yes     g0          --mb---   up        ok        ok\n", "");
        assertRun(f.run("ipmpstat", "-o", "INTERFACE,STATE", "-P", "-i"), 0, "tst1:ok\ntst0:ok\n", "");
        assertRun(f.run("ipmpstat", "-t"), 0,
                "INTERFACE   MODE      TESTADDR            TARGETS\n"
                        + "tst1        routes    192.0.2.21          192.0.2.1\n"
                        + "tst0        routes    192.0.2.11          192.0.2.1\n", "");
        DaemonFixture.Run bad = f.run("ipmpstat", "-x");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().startsWith("ipmpstat: illegal option -- x\nusage: ipmpstat [-n]"), bad.err());
        // the boot configuration reached the platform
        assertEquals(Map.of("tst0", java.util.Set.of("192.0.2.10/24", "192.0.2.11/24"),
                "tst1", java.util.Set.of("192.0.2.20/24", "192.0.2.21/24")), f.platform().kernel());
    }

    @Test
    void ipmpadmAddifCreatesLogicalInterface() throws Exception {
        assertRun(f.run("ipmpadm", "tst0", "addif", "192.0.2.12/24", "up"), 0,
                "Created new logical interface tst0:2\n", "");
        assertTrue(f.parsable("-a", "ADDRESS,INBOUND").contains("192.0.2.12:tst0"));
        assertTrue(f.platform().kernel().get("tst0").contains("192.0.2.12/24"));
        DaemonFixture.Run status = f.run("ipmpadm", "tst0:2");
        assertEquals(0, status.exit());
        assertTrue(status.out().startsWith("tst0:2: flags="), status.out());
        assertTrue(status.out().contains("inet 192.0.2.12 netmask ffffff00"), status.out());
        assertRun(f.run("ipmpadm", "tst0", "removeif", "192.0.2.12"), 0, "", "");
        assertFalse(f.parsable("-a", "ADDRESS").contains("192.0.2.12"));
    }

    @Test
    void offlineAndUndo() throws Exception {
        f.awaitProbesOk();
        assertRun(f.run("if_mpadm", "-d", "tst0"), 0, "", "");
        assertEquals(List.of("tst1:ok", "tst0:offline"), f.parsable("-i", "INTERFACE,STATE"));
        // tst0's data address moved to tst1
        assertEquals(List.of("192.0.2.10:tst1", "192.0.2.20:tst1"), f.parsable("-a", "ADDRESS,INBOUND"));
        assertRun(f.run("if_mpadm", "-d", "tst1"), 1, "",
                "if_mpadm: fatal: cannot offline tst1: no other functioning interfaces are in its IPMP group\n");
        // the daemon logs what it refused, as in.mpathd; what if_mpadm refuses before asking it does not
        Await.until("the refusal logged", () -> f.logged.contains("failed processing MI_OFFLINE: minimum failover redundancy not met"));
        assertRun(f.run("if_mpadm", "-d", "tst0"), 1, "", "if_mpadm: fatal: interface tst0 is already offline\n");
        assertRun(f.run("if_mpadm", "-r", "tst1"), 1, "", "if_mpadm: fatal: interface tst1 is not offline\n");
        assertRun(f.run("if_mpadm", "-rtst0"), 0, "", ""); // getopt: the interface in the same word
        Await.until("tst0 back in service",
                () -> f.parsable("-i", "INTERFACE,STATE").equals(List.of("tst1:ok", "tst0:ok")));
        assertEquals(List.of("192.0.2.10:tst0", "192.0.2.20:tst1"), f.parsable("-a", "ADDRESS,INBOUND"));
    }

    @Test
    void undoOfflineRefusedForMemberOfflineByConfiguration() throws Exception {
        f.awaitProbesOk();
        f.write("ipmp.conf", "offline tst0\n");
        assertEquals(List.of(), f.daemon.reload());
        assertEquals(List.of("tst1:ok", "tst0:offline"), f.parsable("-i", "INTERFACE,STATE"));
        byte[] before = Files.readAllBytes(f.configDir.resolve("ipmp.conf"));
        assertRun(f.run("if_mpadm", "-r", "tst0"), 1, "",
                "if_mpadm: fatal: tst0 is offline by configuration; change the configuration to bring it online\n");
        // nothing changed: still offline, its address still on tst1, the configuration line kept
        assertEquals(List.of("tst1:ok", "tst0:offline"), f.parsable("-i", "INTERFACE,STATE"));
        assertEquals(List.of("192.0.2.10:tst1", "192.0.2.20:tst1"), f.parsable("-a", "ADDRESS,INBOUND"));
        assertEquals(new String(before, StandardCharsets.UTF_8),
                Files.readString(f.configDir.resolve("ipmp.conf"), StandardCharsets.UTF_8));
    }

    @Test
    void undoOfflineRefusedForDuplicateHardwareAddress() throws Exception {
        f.awaitProbesOk();
        byte[] mac = {2, 0, 0x5e, 0, 0, 1};
        f.daemon.loop().call(() -> {
            f.daemon.loop().engine().nicAdded("tst0", 0, true, mac);
            f.daemon.loop().engine().nicAdded("tst1", 0, true, mac);
            return null;
        });
        // the member that joined later is offlined for the duplicate; which one depends on boot order
        Await.until("a member offline for its hardware address", () -> f.parsable("-i", "STATE").contains("offline"));
        List<String> states = f.parsable("-i", "INTERFACE,STATE");
        String dup = states.contains("tst0:offline") ? "tst0" : "tst1";
        assertRun(f.run("if_mpadm", "-r", dup), 1, "",
                "if_mpadm: fatal: cannot undo-offline " + dup + ": interface has duplicate hardware address\n");
        assertEquals(states, f.parsable("-i", "INTERFACE,STATE"), "still offline");
    }

    @Test
    void unknownInterfacesAndUsage() {
        // if_mpadm reads the interface's flags before asking the daemon, as the original does
        assertRun(f.run("if_mpadm", "-d", "nosuch0"), 1, "",
                "if_mpadm: fatal: cannot get interface flags on nosuch0: No such device or address\n");
        assertRun(f.run("if_mpadm", "-r", "nosuch0"), 1, "",
                "if_mpadm: fatal: cannot get interface flags on nosuch0: No such device or address\n");
        assertRun(f.run("if_mpadm", "-d", "tst0:1"), 1, "",
                "if_mpadm: fatal: cannot offline tst0:1: not a physical interface or not in an IPMP group\n");
        assertRun(f.run("ipmpadm", "nosuch0", "up"), 1, "", "ifconfig: nosuch0: no such interface\n");
        assertRun(f.run("if_mpadm", "-x", "tst0"), 1, "",
                "if_mpadm: illegal option -- x\nUsage: if_mpadm [-d | -r] <interface>\n");
        assertRun(f.run("if_mpadm"), 1, "", "Usage: if_mpadm [-d | -r] <interface>\n");
    }

    @Test
    void reloadAppliesNewFailureDetectionTime() throws Exception {
        f.awaitProbesOk();
        assertEquals(List.of("g0:0.70s"), f.parsable("-g", "GROUP,FDT"));
        f.write("mpathd", DaemonFixture.MPATHD.replace("FAILURE_DETECTION_TIME=700", "FAILURE_DETECTION_TIME=1400"));
        assertEquals(List.of(), f.daemon.reload());
        assertTrue(f.logged.contains("SIGHUP: restart and reread config file"), f.logged.toString());
        assertEquals(List.of("g0:1.40s"), f.parsable("-g", "GROUP,FDT"));
        assertRun(f.run("ipmpstat", "-g"), 0,
                "GROUP       GROUPNAME   STATE     FDT       INTERFACES\n"
                        + "g0          g0          ok        1.40s     tst1 tst0\n", "");
        // a bad value: in.mpathd's message, and the default
        f.write("mpathd", "FAILURE_DETECTION_TIME=fast\nPROBE_QUIET_PERIOD=0\n");
        f.daemon.reload();
        assertTrue(f.logged.contains("Invalid failure detection time fast, assuming default of 10000 ms"),
                f.logged.toString());
        assertEquals(List.of("g0:10.00s"), f.parsable("-g", "GROUP,FDT"));
    }

    @Test
    void reloadAppliesNewHostnameFile() throws Exception {
        f.daemon.close();
        f.start(Map.of("routers", "192.0.2.1", "nics", "tst0,tst1,tst2"));
        assertEquals(List.of("tst1", "tst0"), f.parsable("-i", "INTERFACE"));
        f.write("hostname.tst2", "192.0.2.30/24 group g0 standby up\n");
        assertEquals(List.of(), f.daemon.reload());
        assertEquals(List.of("tst2", "tst1", "tst0"), f.parsable("-i", "INTERFACE"));
    }

    @Test
    void probeStreamPrintsProbes() throws Exception {
        f.awaitProbesOk();
        int listeners = f.daemon.listeners().size();
        AtomicReference<ControlClient> client = new AtomicReference<>();
        CountDownLatch twoLines = new CountDownLatch(2);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public synchronized void write(int b) {
                seen.write(b);
                if (b == '\n') {
                    twoLines.countDown();
                }
            }
        };
        AtomicInteger exit = new AtomicInteger(-1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> exit.set(ClientMain.run("ipmpstat", new String[] {"-p"}, f.socket,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                client::set)));
        t.start();
        try {
            assertTrue(twoLines.await(60, TimeUnit.SECONDS), "no probe line");
        } finally {
            if (client.get() != null) {
                client.get().close(); // the user's ^C
            }
            t.join(5000);
        }
        assertEquals(0, exit.get());
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        String[] lines;
        synchronized (out) {
            lines = seen.toString(StandardCharsets.UTF_8).split("\n");
        }
        assertEquals("TIME      INTERFACE   PROBE  NETRTT    RTT       RTTAVG    TARGET", lines[0]);
        assertTrue(lines[1].matches("\\d+\\.\\d\\ds +tst[01] +\\d+ +\\d+\\.\\d\\dms +\\d+\\.\\d\\dms +\\d+\\.\\d\\dms +192\\.0\\.2\\.1"),
                lines[1]);
        // the daemon notices the hang-up and drops the subscription (its own listeners stay)
        Await.until("stream unsubscribed", () -> f.daemon.listeners().size() == listeners);
    }

    @Test
    void probeStreamRefusedWhenNothingProbes() throws Exception {
        f.daemon.close();
        f.write("hostname.tst0", "192.0.2.10/24 group g0 up\n");
        f.write("hostname.tst1", "192.0.2.20/24 group g0 up\n");
        f.start(Map.of());
        assertRun(f.run("ipmpstat", "-p"), 1, "", "ipmpstat: probe-based failure detection is disabled\n");
        assertRun(f.run("ipmpstat", "-g"), 0,
                "GROUP       GROUPNAME   STATE     FDT       INTERFACES\n"
                        + "g0          g0          ok        --        tst1 tst0\n", "");
    }

    @Test
    void linkFailureFailsOverAndBack() throws Exception {
        f.awaitProbesOk();
        f.platform().setLink("tst0", false);
        Await.until("tst0 failed",
                () -> f.parsable("-i", "INTERFACE,LINK,STATE").equals(List.of("tst1:up:ok", "tst0:down:failed")));
        assertEquals(List.of("192.0.2.10:tst1", "192.0.2.20:tst1"), f.parsable("-a", "ADDRESS,INBOUND"));
        assertTrue(f.logged.contains("IP interface failure detected on tst0 of group g0"), f.logged.toString());
        f.platform().setLink("tst0", true);
        Await.until("tst0 repaired",
                () -> f.parsable("-i", "INTERFACE,STATE").equals(List.of("tst1:ok", "tst0:ok")));
        assertEquals(List.of("192.0.2.10:tst0", "192.0.2.20:tst1"), f.parsable("-a", "ADDRESS,INBOUND"));
    }

    @Test
    void stopRemovesSocketAndClientsSayDaemonUnreachable() throws Exception {
        assertTrue(Files.exists(f.socket));
        assertEquals("rw-rw-rw-", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(f.socket)));
        f.daemon.close();
        assertFalse(Files.exists(f.socket));
        assertRun(f.run("ipmpstat", "-g"), 1, "", "ipmpstat: cannot contact ipmpd -- is IPMP in use?\n");
        assertRun(f.run("if_mpadm", "-d", "tst0"), 1, "", "if_mpadm: fatal: cannot contact ipmpd -- is IPMP in use?\n");
        assertRun(f.run("ipmpadm", "-a"), 1, "", "ipmpadm: cannot contact ipmpd -- is IPMP in use?\n");
        // a bad command line is refused before the daemon is contacted, as the original tools do
        assertRun(f.run("ipmpstat", "-P", "-o", "group,nope", "-g"), 1, "", "ipmpstat: unknown output field: `nope'\n");
        assertRun(f.run("ipmpstat", "-o", ",", "-i"), 1, "", "ipmpstat: no valid output fields\n");
        DaemonFixture.Run usage = f.run("ipmpstat", "-n");
        assertEquals(1, usage.exit());
        assertTrue(usage.err().startsWith("usage: ipmpstat [-n]"), usage.err());
        assertRun(f.run("if_mpadm", "-d"), 1, "",
                "if_mpadm: option requires an argument -- d\nUsage: if_mpadm [-d | -r] <interface>\n");
    }

    @Test
    void secondDaemonOnSameSocketRefusedStaleSocketReplaced() throws Exception {
        Daemon.Options o = new Daemon.Options(f.configDir, false, "loopback", Map.of(), f.socket);
        Exception e = assertThrows(Exception.class, () -> Daemon.start(o, IpmpdLog.detached(null)));
        assertTrue(e.getMessage().contains("another ipmpd is already running"), e.getMessage());
        assertEquals(0, f.run("ipmpstat", "-g").exit(), "the first daemon still serves");
        // a socket file left by a daemon that died: bind a socket, close it without unlinking
        f.daemon.close();
        Path p = f.socket;
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(p));
        }
        assertTrue(Files.exists(p));
        f.start(Map.of("routers", "192.0.2.1"));
        assertEquals(0, f.run("ipmpstat", "-g").exit());
    }
}
