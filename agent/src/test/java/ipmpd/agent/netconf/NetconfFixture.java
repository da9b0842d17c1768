package ipmpd.agent.netconf;

import ipmpd.testkit.TempDirs;
import ipmpd.testkit.Await;
import ipmpd.agent.Fixtures;
import ipmpd.agent.ConfigStore;
import ipmpd.agent.Daemon;
import ipmpd.agent.IpmpdLog;
import ipmpd.agent.platform.LoopbackPlatform;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An in-process ipmpd on the loopback platform (tst0 and tst1 in group g0 with test addresses, NICs
 * tst2 and tst3 present but unconfigured, routers 192.0.2.1 and 198.51.100.1 answering, FDT 700 ms,
 * no quiet period) with the NETCONF server on 127.0.0.1 and a free port. Users: admin
 * (read-write) and viewer (read-only). Everything is removed on close().
 */
final class NetconfFixture implements AutoCloseable {
    static final String ADMIN_PW = "admin-secret-1";
    static final String VIEWER_PW = "viewer-secret-1";
    static final Path YANG = Path.of(System.getProperty("user.dir")).resolve("../yang").normalize();
    static final String PYTHON = "/usr/bin/python3";

    /** Skips a test class where the real client (ncclient for /usr/bin/python3) or yanglint is missing. */
    static void assumeNcclientAndYanglint() {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), "no /usr/bin/python3");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/yanglint")),
                "no yanglint (apt-get install libyang2-tools)");
        assumeTrue(Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/ncclient")),
                "no ncclient (apt-get install python3-ncclient)");
    }

    record Run(int exit, List<String> out, String err) {
    }

    final Path root;
    final Path configDir;
    final Path socket;
    final Path work;
    final List<String> logged = new CopyOnWriteArrayList<>();
    Daemon daemon;
    NetconfServer server;
    ConfigStore store;

    private NetconfFixture() throws IOException {
        root = Files.createTempDirectory("ipmpd-netconf-test");
        configDir = root.resolve("etc");
        work = root.resolve("work");
        Files.createDirectories(configDir);
        Files.createDirectories(work);
        socket = root.resolve("run").resolve("ipmpd.sock");
    }

    static NetconfFixture start() throws Exception {
        return start(s -> s);
    }

    static NetconfFixture start(java.util.function.UnaryOperator<NetconfSettings> tune) throws Exception {
        return start(tune, Map.of());
    }

    /** @param files configuration files written over the defaults (name to content) */
    static NetconfFixture start(java.util.function.UnaryOperator<NetconfSettings> tune, Map<String, String> files)
            throws Exception {
        return start(tune, files, "tst0,tst1,tst2,tst3");
    }

    /** @param nics the loopback platform's NICs (comma-separated) */
    static NetconfFixture start(java.util.function.UnaryOperator<NetconfSettings> tune, Map<String, String> files,
                                String nics) throws Exception {
        NetconfFixture f = new NetconfFixture();
        try {
            f.write("mpathd", "FAILURE_DETECTION_TIME=700\nFAILBACK=yes\nTRACK_INTERFACES_ONLY_WITH_GROUPS=yes\n"
                    + "PROBE_QUIET_PERIOD=0\n");
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
            f.write("netconf-users", "# test users\n"
                    + "admin read-write password " + NetconfUsers.hash(ADMIN_PW.toCharArray()) + "\n"
                    + "viewer read-only password " + NetconfUsers.hash(VIEWER_PW.toCharArray()) + "\n");
            for (Map.Entry<String, String> e : files.entrySet()) {
                f.write(e.getKey(), e.getValue());
            }
            Daemon.Options o = new Daemon.Options(f.configDir, false, "loopback",
                    Map.of("nics", nics, "routers", "192.0.2.1,198.51.100.1"), f.socket);
            IpmpdLog log = IpmpdLog.detached(null);
            log.addTap(f.logged::add);
            f.daemon = Daemon.start(o, log);
            f.store = new ConfigStore(f.configDir);
            f.server = NetconfServer.start(tune.apply(NetconfSettings.of("127.0.0.1", 0, f.configDir).withYangDir(YANG)),
                    f.daemon.loop(), f.daemon.listeners(), f.store, log);
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** Writes a configuration file; the secrets files (netconf-users...) with mode 0600, as the server requires. */
    void write(String name, String content) throws IOException {
        Path p = configDir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        if (ipmpd.agent.ConfigJournal.SECRET_FILES.contains(name)) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    String read(String name) throws IOException {
        return Files.readString(configDir.resolve(name), StandardCharsets.UTF_8);
    }

    int port() {
        return server.port();
    }

    LoopbackPlatform platform() {
        return (LoopbackPlatform) daemon.platform();
    }

    /** ipmpstat -P -o FIELDS MODE, as lines. */
    List<String> ipmpstat(String mode, String fields) {
        return Fixtures.ipmpstat(socket, mode, fields);
    }

    void awaitProbesOk() throws InterruptedException {
        Await.until("probe state ok on tst0 and tst1",
                () -> ipmpstat("-i", "INTERFACE,PROBE").equals(List.of("tst1:ok", "tst0:ok")));
    }

    static Path script(String name) {
        try {
            return Path.of(NetconfFixture.class.getResource("/netconf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a scenario script with /usr/bin/python3 (bounded); {@code onLine} sees each stdout
     * line as it comes (to act on the engine in the middle of a scenario).
     */
    Run python(String name, long timeoutS, Consumer<String> onLine, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script(name).toString(), "--port",
                String.valueOf(port()), "--yang", YANG.toString(), "--workdir", work.toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.redirectError(work.resolve(name + ".stderr").toFile());
        Process p = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                    if (onLine != null) {
                        onLine.accept(l);
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        // the given limit, but never less than a loaded machine needs to start Python and ncclient
        if (!p.waitFor(Math.max(timeoutS, 2 * ipmpd.testkit.Await.PATIENCE.toSeconds()), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(5000);
        String err = Files.readString(work.resolve(name + ".stderr"), StandardCharsets.UTF_8);
        return new Run(p.isAlive() ? -1 : p.exitValue(), List.copyOf(lines), err);
    }

    @Override
    public void close() throws IOException {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                if (daemon != null) {
                    daemon.close();
                }
            } finally {
                TempDirs.deleteTree(root);
            }
        }
    }
}
