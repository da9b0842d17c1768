package ipmpd.agent;

import ipmpd.testkit.TempDirs;
import ipmpd.testkit.Await;
import ipmpd.agent.cli.ClientMain;
import ipmpd.agent.platform.LoopbackPlatform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * An in-process ipmpd on the loopback platform: a temporary configuration directory with
 * hostname files for tst0 and tst1 in group g0 (data 192.0.2.10 / .20, test addresses .11 / .21),
 * FAILURE_DETECTION_TIME=700 (one probe per 100 ms), no quiet period, a router 192.0.2.1 that
 * answers, and the control socket in the same temporary directory. Everything goes on close().
 */
final class DaemonFixture implements AutoCloseable {
    /** What a client run printed. */
    record Run(int exit, String out, String err) {
    }

    static final String MPATHD = "FAILURE_DETECTION_TIME=700\nFAILBACK=yes\nTRACK_INTERFACES_ONLY_WITH_GROUPS=yes\n"
            + "PROBE_QUIET_PERIOD=0\n";

    final Path root;
    final Path configDir;
    final Path socket;
    final List<String> logged = new CopyOnWriteArrayList<>();
    Daemon daemon;

    DaemonFixture() throws IOException {
        root = Files.createTempDirectory("ipmpd-agent-test");
        configDir = root.resolve("etc");
        Files.createDirectories(configDir);
        socket = root.resolve("run").resolve("ipmpd.sock");
    }

    /** The standard two-member group with test addresses. */
    static DaemonFixture standard() throws Exception {
        DaemonFixture f = new DaemonFixture();
        try {
            f.write("mpathd", MPATHD);
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up \\\n  addif 192.0.2.21/24 deprecated -failover up\n");
            f.start(Map.of("routers", "192.0.2.1"));
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    void write(String name, String content) throws IOException {
        Files.writeString(configDir.resolve(name), content, StandardCharsets.UTF_8);
    }

    void start(Map<String, String> platformOptions) throws Exception {
        Daemon.Options o = new Daemon.Options(configDir, false, "loopback", platformOptions, socket);
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        daemon = Daemon.start(o, log);
    }

    LoopbackPlatform platform() {
        return (LoopbackPlatform) daemon.platform();
    }

    Run run(String tool, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ClientMain.run(tool, args, socket, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** ipmpstat -P output of fields, as lines. */
    List<String> parsable(String mode, String fields) {
        Run r = run("ipmpstat", "-P", "-o", fields, mode);
        if (r.exit() != 0) {
            throw new AssertionError("ipmpstat failed: " + r);
        }
        return r.out().lines().toList();
    }

    /** Waits until both members' probes are answered (probe state ok). */
    void awaitProbesOk() throws InterruptedException {
        Await.until("probe state ok on tst0 and tst1",
                () -> parsable("-i", "INTERFACE,PROBE").equals(List.of("tst1:ok", "tst0:ok")));
    }

    @Override
    public void close() throws IOException {
        try {
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            TempDirs.deleteTree(root);
        }
    }
}
