package ipmpd.agent.netconf;

import ipmpd.testkit.TempDirs;
import ipmpd.agent.ConfigStore;
import ipmpd.agent.Daemon;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 6241 8.4 across a crash: the real daemon (a child JVM on the loopback platform, NETCONF on a
 * free loopback port) takes a confirmed commit, is killed with SIGKILL inside the confirm window
 * and started again: it comes back with the configuration before the confirmed commit, in running
 * and in its files (the startup configuration), with no confirmed commit pending. A confirmed
 * commit that was confirmed before the kill survives it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a safety net against a hang, not a limit on a busy machine
class ConfirmedCommitRestartTest {
    private static final String BASE = Xml.BASE;
    private static final String HELLO = "<hello xmlns=\"" + BASE + "\"><capabilities><capability>"
            + "urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>]]>]]>";
    private static final String MPATHD = "FAILURE_DETECTION_TIME=700\nFAILBACK=yes\n"
            + "TRACK_INTERFACES_ONLY_WITH_GROUPS=yes\nPROBE_QUIET_PERIOD=0\n";

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "restart-test-reader");
        t.setDaemon(true);
        return t;
    });
    private Path root;
    private Path configDir;
    private int port;
    private Process daemon;
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private SshClient client;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("ipmpd-confirm-restart");
        configDir = root.resolve("etc");
        Files.createDirectories(configDir);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(configDir.resolve("mpathd"), MPATHD);
        Files.writeString(configDir.resolve("hostname.tst0"),
                "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
        Files.writeString(configDir.resolve("hostname.tst1"),
                "192.0.2.21/24 deprecated -failover group g0 up\n");
        Files.writeString(configDir.resolve("agent.conf"), "netconf.listen=127.0.0.1:" + port + "\n"
                + "netconf.yang-dir=" + NetconfFixture.YANG + "\n");
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (client != null) {
                client.stop();
            }
            killDaemon();
            pool.shutdownNow();
        } finally {
            TempDirs.deleteTree(root);
        }
    }

    @Test
    void killedDuringTheConfirmWindowComesBackWithTheConfigurationBefore() throws Exception {
        startDaemon();
        try (Wire w = connect()) {
            assertTrue(fdt(w).contains(">700<"));
            w.ok(w.rpc("<edit-config><target><candidate/></target><config><ipmp xmlns=\"" + Xml.IPMP + "\">"
                    + "<failure-detection-time>2100</failure-detection-time></ipmp><interfaces xmlns=\"" + Xml.IF
                    + "\"><interface><name>tst1</name><ipmp xmlns=\"" + Xml.IPMP + "\"><standby>true</standby>"
                    + "</ipmp></interface></interfaces>"
                    + "<nacm xmlns=\"" + NacmConfig.NS + "\"><rule-list><name>audit</name><group>auditors</group>"
                    + "</rule-list></nacm></config></edit-config>"));
            w.ok(w.rpc("<commit><confirmed/><confirm-timeout>600</confirm-timeout></commit>"));
            assertTrue(fdt(w).contains(">2100<"), "the confirmed commit is running");
        }
        assertTrue(Files.readString(configDir.resolve(Nacm.FILE)).contains("audit"));
        // what a restart would read now is the new configuration: the rollback copy must undo it
        assertTrue(Files.readString(configDir.resolve("mpathd")).contains("FAILURE_DETECTION_TIME=2100"));
        assertTrue(Files.readString(configDir.resolve("hostname.tst1")).contains("standby"));
        assertTrue(Files.isDirectory(configDir.resolve(ConfigStore.ROLLBACK_DIR)));

        killDaemon();
        startDaemon();
        awaitOutput("configuration before it is restored");
        try (Wire w = connect()) {
            String running = w.rpc("<get-config><source><running/></source></get-config>");
            assertTrue(running.contains("<failure-detection-time>700</failure-detection-time>"), running);
            assertFalse(running.contains("<standby>true</standby>"), running);
            // nothing pending any more: a confirming commit has nothing to confirm, cancel-commit fails
            String cancel = w.rpc("<cancel-commit/>");
            assertTrue(cancel.contains("<error-tag>operation-failed</error-tag>"), cancel);
        }
        assertTrue(Files.readString(configDir.resolve("mpathd")).contains("FAILURE_DETECTION_TIME=700"));
        assertFalse(Files.readString(configDir.resolve("hostname.tst1")).contains("standby"));
        assertFalse(Files.readString(configDir.resolve(Nacm.FILE)).contains("audit"), "the access control too");
        assertFalse(Files.exists(configDir.resolve(ConfigStore.ROLLBACK_DIR)));
        try (Stream<Path> s = Files.list(configDir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.contains("rollback")).toList());
        }

        // confirmed before the kill: kept
        try (Wire w = connect()) {
            w.ok(w.rpc("<edit-config><target><candidate/></target><config><ipmp xmlns=\"" + Xml.IPMP + "\">"
                    + "<failure-detection-time>1400</failure-detection-time></ipmp></config></edit-config>"));
            w.ok(w.rpc("<commit><confirmed/><confirm-timeout>600</confirm-timeout></commit>"));
            w.ok(w.rpc("<commit/>"));
        }
        assertFalse(Files.exists(configDir.resolve(ConfigStore.ROLLBACK_DIR)));
        killDaemon();
        startDaemon();
        try (Wire w = connect()) {
            assertTrue(fdt(w).contains(">1400<"));
        }
    }

    private String fdt(Wire w) throws Exception {
        return w.rpc("<get-config><source><running/></source><filter type=\"subtree\"><ipmp xmlns=\"" + Xml.IPMP
                + "\"><failure-detection-time/></ipmp></filter></get-config>");
    }

    // ------------------------------------------------------------------ the daemon process

    private void startDaemon() throws Exception {
        output.clear();
        seen.clear();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        daemon = new ProcessBuilder(javaBin, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Daemon.class.getName(), "-c", configDir.toString(), "-f", "--platform=loopback",
                "--platform-opt", "routers=192.0.2.1", "--socket=" + root.resolve("ipmpd.sock"))
                .redirectErrorStream(true).start();
        Process p = daemon;
        pool.submit(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    output.add(l);
                }
            } catch (IOException ignored) {
                // process gone
            }
            return null;
        });
        awaitOutput("ipmpd started");
    }

    private void killDaemon() throws InterruptedException {
        if (daemon != null) {
            daemon.destroyForcibly(); // SIGKILL
            assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
            daemon = null;
        }
    }

    /** Waits until the running daemon has printed a line (since it started) containing the text. */
    private void awaitOutput(String containing) throws InterruptedException {
        if (seen.stream().anyMatch(l -> l.contains(containing))) {
            return;
        }
        long end = System.nanoTime() + ipmpd.testkit.Await.PATIENCE.toNanos(); // a wait, not a measurement
        while (System.nanoTime() - end < 0) {
            String l = output.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (l == null) {
                break;
            }
            seen.add(l);
            if (l.contains(containing)) {
                return;
            }
        }
        throw new AssertionError("no line with \"" + containing + "\"; the daemon said:\n" + String.join("\n", seen));
    }

    // ------------------------------------------------------------------ a raw NETCONF session

    private Wire connect() throws Exception {
        String pw = null;
        for (String l : Files.readAllLines(configDir.resolve("netconf-initial-password"))) {
            if (l.startsWith("password ")) {
                pw = l.substring("password ".length()).strip();
            }
        }
        assertTrue(pw != null, "no password in netconf-initial-password");
        return new Wire(pw);
    }

    private final class Wire implements AutoCloseable {
        final ClientSession session;
        final ClientChannel channel;
        final OutputStream out;
        final Framing.Reader reader;
        final Framing.Writer writer;
        int messageId;

        Wire(String password) throws Exception {
            session = client.connect("admin", "127.0.0.1", port).verify(10_000).getSession();
            session.addPasswordIdentity(password);
            session.auth().verify(10_000);
            channel = session.createSubsystemChannel("netconf");
            channel.open().verify(10_000);
            out = channel.getInvertedIn();
            reader = new Framing.Reader(channel.getInvertedOut(), 1 << 24);
            writer = new Framing.Writer(out);
            String hello = next();
            assertTrue(hello.contains("urn:ietf:params:netconf:base:1.1"), hello);
            out.write(HELLO.getBytes(StandardCharsets.UTF_8));
            out.flush();
            reader.useChunked();
            writer.useChunked();
        }

        String next() throws Exception {
            Future<byte[]> m = pool.submit(reader::next);
            byte[] b = m.get(60, TimeUnit.SECONDS);
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        String rpc(String body) throws Exception {
            writer.write("<rpc xmlns=\"" + BASE + "\" message-id=\"" + (++messageId) + "\">" + body + "</rpc>");
            return next();
        }

        void ok(String reply) {
            assertTrue(reply.contains("<ok/>"), reply);
        }

        @Override
        public void close() throws IOException {
            channel.close(true);
            session.close(true);
        }
    }
}
