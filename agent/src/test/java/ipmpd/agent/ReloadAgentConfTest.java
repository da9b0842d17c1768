package ipmpd.agent;

import ipmpd.testkit.Await;
import ipmpd.testkit.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGHUP applies agent.conf: the SNMP agent moves to a new address with a new community, the
 * NETCONF server starts, a bad setting changes nothing, an unchanged file restarts nothing, and a
 * failover completes while a face is restarting; the Prometheus endpoint comes, moves and goes (the restart never runs on the engine thread).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReloadAgentConfTest {
    private DaemonFixture f;
    private Path toolState;

    @BeforeEach
    void start() throws Exception {
        toolState = Files.createTempDirectory("ipmpd-reload-tools");
        f = new DaemonFixture();
        f.write("mpathd", DaemonFixture.MPATHD);
        f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
        f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
    }

    @AfterEach
    void stop() throws IOException {
        try {
            if (f != null) {
                f.close();
            }
        } finally {
            TempDirs.deleteTree(toolState);
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** snmpget of sysDescr.0 over v2c; the tool's output, or its error (timeout: no answer). */
    private String snmpget(int port, String community, int waitSeconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("snmpget", "-m", "", "-On", "-v2c", "-c", community,
                "-t", String.valueOf(waitSeconds), "-r", "0", "udp:127.0.0.1:" + port, "1.3.6.1.2.1.1.1.0"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SNMP_PERSISTENT_DIR", toolState.toString());
        pb.environment().put("SNMPCONFPATH", toolState.toString());
        pb.environment().put("HOME", toolState.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(waitSeconds + 60L, TimeUnit.SECONDS));
        return out;
    }

    private static boolean answers(String out) {
        return out.contains(".1.3.6.1.2.1.1.1.0 = STRING");
    }

    /** The SSH server's identification line on 127.0.0.1:port, or the connection's error. */
    private static String sshBanner(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 30_000);
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                b.append((char) c);
            }
            return b.toString().trim();
        } catch (IOException e) {
            return "no server: " + e;
        }
    }

    @Test
    void listenAddressesCommunitiesAndTheNetconfServerFollowAgentConf() throws Exception {
        int snmp1 = freeUdpPort();
        f.write("agent.conf", "snmp.listen=udp:127.0.0.1/" + snmp1 + "\nsnmp.community=first\n");
        f.start(Map.of("routers", "192.0.2.1"));
        assertTrue(answers(snmpget(snmp1, "first", 10)), "the agent as started");

        // nothing changed: nothing restarts
        int from = f.logged.size();
        f.daemon.reload();
        assertTrue(f.logged.subList(from, f.logged.size()).stream().noneMatch(l -> l.contains("agent.conf")),
                f.logged.subList(from, f.logged.size()).toString());

        int snmp2 = freeUdpPort();
        int nc = freeTcpPort();
        f.write("agent.conf", "snmp.listen=udp:127.0.0.1/" + snmp2 + "\nsnmp.community=second\n"
                + "netconf.listen=127.0.0.1:" + nc + "\n");
        from = f.logged.size();
        f.daemon.reload();
        List<String> said = List.copyOf(f.logged.subList(from, f.logged.size()));
        assertTrue(said.contains("SIGHUP: agent.conf: snmp.community, snmp.listen changed: the SNMP agent was "
                + "restarted with them"), said.toString());
        assertTrue(said.contains("SIGHUP: agent.conf: netconf.listen changed: the NETCONF server was restarted with them"),
                said.toString());
        assertTrue(answers(snmpget(snmp2, "second", 10)), "the new address and community");
        assertFalse(answers(snmpget(snmp2, "first", 2)), "the old community is gone"); // no answer expected
        assertFalse(answers(snmpget(snmp1, "second", 2)), "nothing listens on the old address any more");
        assertTrue(sshBanner(nc).startsWith("SSH-2.0-ipmpd"), sshBanner(nc));

        // a bad value changes nothing, and says so
        f.write("agent.conf", "snmp.listen=udp:127.0.0.1/" + snmp2 + "\nsnmp.community=second\nsnmp.workers=many\n"
                + "netconf.listen=127.0.0.1:" + nc + "\n");
        from = f.logged.size();
        f.daemon.reload();
        said = List.copyOf(f.logged.subList(from, f.logged.size()));
        assertTrue(said.stream().anyMatch(l -> l.startsWith("SIGHUP: agent.conf: ") && l.contains("snmp.workers")
                && l.endsWith("; the SNMP agent keeps its settings")), said.toString());
        assertTrue(answers(snmpget(snmp2, "second", 10)), "still answering as before");

        // the NETCONF server goes when its keys go
        f.write("agent.conf", "snmp.listen=udp:127.0.0.1/" + snmp2 + "\nsnmp.community=second\n");
        f.daemon.reload();
        assertTrue(sshBanner(nc).startsWith("no server"), sshBanner(nc));
        assertTrue(answers(snmpget(snmp2, "second", 10)), "SNMP untouched by the NETCONF change");
    }

    /** The endpoint's answer to GET /metrics on 127.0.0.1:port: its status line, or the error. */
    private static String metricsStatus(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 30_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /metrics HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return reply.lines().findFirst().orElse("") + (reply.contains("ipmpd_") ? " (ipmpd metrics)" : "");
        } catch (IOException e) {
            return "no server: " + e;
        }
    }

    /** Writes agent.conf, sends the daemon its SIGHUP and returns what it logged meanwhile. */
    private List<String> reloadWith(String agentConf) throws Exception {
        f.write("agent.conf", agentConf);
        int from = f.logged.size();
        f.daemon.reload();
        return List.copyOf(f.logged.subList(from, f.logged.size()));
    }

    @Test
    void theEngineThreadsRealTimePriorityFollowsAgentConf() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "real-time scheduling needs root here");
        f.write("agent.conf", "engine.realtime-priority=5\n");
        f.start(Map.of("routers", "192.0.2.1"));
        assertEquals(5, (int) f.daemon.loop().call(ipmpd.linux.ThreadScheduling::realtimePriority));
        assertTrue(f.logged.contains("The engine thread runs at real-time priority 5 (SCHED_FIFO, engine.realtime-priority)"),
                f.logged.toString());

        List<String> said = reloadWith("engine.realtime-priority=fifo\n");
        assertTrue(said.contains("SIGHUP: agent.conf: engine.realtime-priority: expected off or a priority from 1 to 99, "
                + "not fifo; the engine thread keeps its scheduling"), said.toString());
        assertEquals(5, (int) f.daemon.loop().call(ipmpd.linux.ThreadScheduling::realtimePriority));

        said = reloadWith("");
        assertTrue(said.contains("SIGHUP: The engine thread is scheduled as an ordinary thread again "
                + "(engine.realtime-priority off)"), said.toString());
        assertEquals(0, (int) f.daemon.loop().call(ipmpd.linux.ThreadScheduling::realtimePriority));
    }

    @Test
    void thePrometheusEndpointFollowsAgentConf() throws Exception {
        f.write("agent.conf", "");
        f.start(Map.of("routers", "192.0.2.1"));
        assertTrue(f.daemon.metrics() == null, "off when metrics.listen is unset");

        int m1 = freeTcpPort();
        List<String> said = reloadWith("metrics.listen=127.0.0.1:" + m1 + "\n");
        assertTrue(said.contains("SIGHUP: agent.conf: metrics.listen changed: the Prometheus endpoint listens on /127.0.0.1:"
                + m1), said.toString());
        assertTrue(metricsStatus(m1).endsWith("200 OK (ipmpd metrics)"), metricsStatus(m1));

        // a bad value changes nothing, and says so
        said = reloadWith("metrics.listen=127.0.0.1:http\n");
        assertTrue(said.contains("SIGHUP: agent.conf: metrics.listen: bad port http (0 to 65535); the Prometheus "
                + "endpoint keeps its settings"), said.toString());
        assertTrue(metricsStatus(m1).endsWith("200 OK (ipmpd metrics)"), metricsStatus(m1));

        int m2 = freeTcpPort();
        f.write("agent.conf", "metrics.listen=127.0.0.1:" + m2 + "\n");
        f.daemon.reload();
        assertTrue(metricsStatus(m2).endsWith("200 OK (ipmpd metrics)"), metricsStatus(m2));
        assertTrue(metricsStatus(m1).startsWith("no server"), "the old address is closed: " + metricsStatus(m1));

        f.write("agent.conf", "");
        f.daemon.reload();
        assertTrue(metricsStatus(m2).startsWith("no server"), metricsStatus(m2));
        assertTrue(f.daemon.metrics() == null, "off again");
    }

    @Test
    void failoverGoesOnWhileAFaceRestarts() throws Exception {
        int snmp1 = freeUdpPort();
        f.write("agent.conf", "snmp.listen=udp:127.0.0.1/" + snmp1 + "\nsnmp.community=first\n");
        f.start(Map.of("routers", "192.0.2.1"));
        f.awaitProbesOk();
        CountDownLatch inRestart = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        f.daemon.faces().betweenStopAndStart = () -> {
            inRestart.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        f.write("agent.conf", "snmp.listen=udp:127.0.0.1/" + freeUdpPort() + "\nsnmp.community=first\n");
        Thread hup = new Thread(() -> {
            try {
                f.daemon.reload();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "test-sighup");
        hup.start();
        try {
            assertTrue(inRestart.await(60, TimeUnit.SECONDS), "the SNMP agent restarts");
            // the face is down and held there: the engine must still fail tst0 over
            f.platform().setLink("tst0", false);
            Await.until("192.0.2.10 moved to tst1 during the restart",
                    () -> f.parsable("-a", "ADDRESS,INBOUND").contains("192.0.2.10:tst1"));
            assertTrue(hup.isAlive(), "the SIGHUP is still restarting the face");
        } finally {
            release.countDown();
            hup.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertFalse(hup.isAlive());
    }
}
