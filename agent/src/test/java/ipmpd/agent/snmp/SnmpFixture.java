package ipmpd.agent.snmp;

import ipmpd.testkit.TempDirs;
import ipmpd.testkit.Await;
import ipmpd.agent.Fixtures;
import ipmpd.agent.ConfigStore;
import ipmpd.agent.Daemon;
import ipmpd.agent.IpmpdLog;
import ipmpd.agent.cli.ClientMain;
import ipmpd.agent.platform.LoopbackPlatform;

import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.Snmp;
import org.snmp4j.UserTarget;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * ipmpd in-process on the loopback platform with its SNMP agent on 127.0.0.1 and a free high port:
 * group g0 with tst0 (data 192.0.2.10, test .11), tst1 (data .20, test .21) and tst2 (test .31 only),
 * router 192.0.2.1 (also g0's configured target), FDT 700 ms, users with known passwords. The
 * net-snmp tools run with their state in a temporary directory and the MIBs of mib/ and
 * mib/ietf/ (the standard modules). Everything goes on close(), pass or fail.
 */
final class SnmpFixture implements AutoCloseable {
    static final Path MIB_DIR = Path.of(System.getProperty("ipmpd.mibdir", "../mib")).toAbsolutePath().normalize();
    static final Path STANDARD_MIBS = MIB_DIR.resolve("ietf");
    static final String RO = "ipmpro";
    static final String RW = "ipmprw";
    static final String TRAP = "ipmptrap";
    static final String RO_AUTH = "ro-auth-secret";
    static final String RO_PRIV = "ro-priv-secret";
    static final String RW_AUTH = "rw-auth-secret";
    static final String RW_PRIV = "rw-priv-secret";
    static final String TRAP_AUTH = "trap-auth-secret";
    static final String TRAP_PRIV = "trap-priv-secret";

    /** A finished process. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    final Path root;
    final Path configDir;
    final Path socket;
    final Path toolState;
    final List<String> logged = new CopyOnWriteArrayList<>();
    final Map<String, String> settings = new LinkedHashMap<>();
    /** The loopback platform's options (nics=..., routers=...). */
    final Map<String, String> platformOptions = new LinkedHashMap<>(Map.of("routers", "192.0.2.1"));
    final List<Process> processes = new ArrayList<>();
    Daemon daemon;
    SnmpAgent agent;
    int port;

    SnmpFixture() throws IOException {
        root = Files.createTempDirectory("ipmpd-snmp-test");
        configDir = root.resolve("etc");
        toolState = root.resolve("net-snmp");
        Files.createDirectories(configDir);
        Files.createDirectories(toolState);
        socket = root.resolve("run").resolve("ipmpd.sock");
    }

    /** The standard configuration, started. */
    static SnmpFixture standard(Map<String, String> extra) throws Exception {
        SnmpFixture f = prepare(extra);
        try {
            f.start();
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** The standard configuration written, agent settings chosen, nothing started yet. */
    static SnmpFixture prepare(Map<String, String> extra) throws Exception {
        SnmpFixture f = new SnmpFixture();
        try {
            f.write("mpathd", "FAILURE_DETECTION_TIME=700\nFAILBACK=yes\nTRACK_INTERFACES_ONLY_WITH_GROUPS=yes\n"
                    + "PROBE_QUIET_PERIOD=0\n");
            f.write("hostname.tst0", "192.0.2.10/24 group g0 up\naddif 192.0.2.11/24 deprecated -failover up\n");
            f.write("hostname.tst1", "192.0.2.20/24 group g0 up\naddif 192.0.2.21/24 deprecated -failover up\n");
            f.write("hostname.tst2", "192.0.2.31/24 deprecated -failover group g0 up\n");
            f.write("ipmp.conf", "targets g0 192.0.2.1\n");
            // no snmp.* keys here: the agent of these tests gets its settings directly
            f.write("agent.conf", "# test\n");
            f.writeUsers();
            f.port = freePort();
            f.settings.put(SnmpSettings.LISTEN, "udp:127.0.0.1/" + f.port);
            f.settings.putAll(extra);
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    void writeUsers() throws IOException {
        Path users = configDir.resolve(SnmpSettings.DEFAULT_USERS_FILE);
        Files.deleteIfExists(users);
        Files.createFile(users, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(users, RO + " ro SHA-256 " + RO_AUTH + " AES " + RO_PRIV + "\n"
                + RW + " rw SHA-512 " + RW_AUTH + " AES " + RW_PRIV + "\n"
                + TRAP + " notify SHA-256 " + TRAP_AUTH + " AES " + TRAP_PRIV + "\n");
    }

    static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    void write(String name, String content) throws IOException {
        Files.writeString(configDir.resolve(name), content, StandardCharsets.UTF_8);
    }

    String read(String name) throws IOException {
        Path p = configDir.resolve(name);
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    void start() throws Exception {
        Daemon.Options o = new Daemon.Options(configDir, false, "loopback", Map.copyOf(platformOptions), socket);
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        daemon = Daemon.start(o, log);
        agent = SnmpAgent.start(new SnmpAgent.Context(configDir, Map.copyOf(settings), daemon.loop(),
                daemon.listeners(), new ConfigStore(configDir), log, daemon.platform()::interfaceStatistics));
    }

    /** Stops agent and daemon (as a restart would) and starts both again on the same directory. */
    void restart() throws Exception {
        stopDaemon();
        start();
    }

    void stopDaemon() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    LoopbackPlatform platform() {
        return (LoopbackPlatform) daemon.platform();
    }

    String target() {
        return "udp:127.0.0.1:" + port;
    }

    /** The arguments of a v3 authPriv request as a user. */
    List<String> v3(String user) {
        String auth = user.equals(RO) ? RO_AUTH : user.equals(RW) ? RW_AUTH : TRAP_AUTH;
        String priv = user.equals(RO) ? RO_PRIV : user.equals(RW) ? RW_PRIV : TRAP_PRIV;
        String proto = user.equals(RW) ? "SHA-512" : "SHA-256";
        return List.of("-v3", "-l", "authPriv", "-u", user, "-a", proto, "-A", auth, "-x", "AES", "-X", priv);
    }

    /** MIB search path and modules for the net-snmp tools. */
    List<String> mibs() {
        return List.of("-M", STANDARD_MIBS + ":" + MIB_DIR, "-m",
                "SNMPv2-MIB:IF-MIB:IPMP-MIB:SNMP-FRAMEWORK-MIB:SNMP-TARGET-MIB:SNMP-NOTIFICATION-MIB");
    }

    /** snmpget / snmpwalk (tool) as the read-only user, parsed as {@link SnmpAgentTest#parse}; a failed command fails the test. */
    Map<String, String> readOnly(String tool, String... args) throws Exception {
        Run r = snmp(tool, RO, args);
        if (r.exit() != 0) {
            throw new AssertionError(r.toString());
        }
        return SnmpAgentTest.parse(r.out());
    }

    /** snmpset as the read-write user; a refused SET fails the test with the daemon's log. */
    void setOk(String... args) throws Exception {
        Run r = snmp("snmpset", RW, args);
        if (r.exit() != 0) {
            throw new AssertionError(r + "\n" + String.join("\n", logged));
        }
    }

    /** A net-snmp client command against the agent: tool, user, then arguments (the target is added). */
    Run snmp(String tool, String user, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(mibs());
        cmd.addAll(List.of("-t", "10", "-r", "0")); // a wait for the answer, generous for a loaded machine
        cmd.addAll(v3(user));
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            cmd.add(rest.remove(0)); // options before the agent address
        }
        cmd.add(target());
        cmd.addAll(rest);
        return run(cmd, 120);
    }

    Run run(List<String> cmd, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SNMP_PERSISTENT_DIR", toolState.toString());
        pb.environment().put("SNMPCONFPATH", toolState.toString());
        pb.environment().put("HOME", root.toString());
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("timed out: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Starts a long-running process (snmptrapd); it is killed on close. */
    Process spawn(List<String> cmd, Path output) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SNMP_PERSISTENT_DIR", toolState.toString());
        pb.environment().put("SNMPCONFPATH", toolState.toString());
        pb.environment().put("HOME", root.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(output.toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** ipmpstat (in-process client over the control socket) -P -o fields mode, as lines. */
    List<String> ipmpstat(String mode, String fields) {
        return Fixtures.ipmpstat(socket, mode, fields);
    }

    /** if_mpadm (in-process client over the control socket); its exit status. */
    int ifMpadm(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            return ClientMain.run("if_mpadm", args, socket, o, o);
        }
    }

    /**
     * An snmp4j v3 client with its own USM that knows the three users (nothing global: the agent
     * runs in this JVM). snmp4j announces its transport's inbound size as msgMaxSize.
     */
    static Snmp javaClient(String engineName, int maxInboundSize) throws IOException {
        SecurityProtocols sp = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
        sp.addAuthenticationProtocol(new AuthHMAC192SHA256());
        sp.addAuthenticationProtocol(new AuthHMAC384SHA512());
        sp.addPrivacyProtocol(new PrivAES128());
        byte[] localEngine = MPv3.createLocalEngineID(new OctetString(engineName));
        USM usm = new USM(sp, new OctetString(localEngine), 0);
        usm.addUser(new OctetString(RO), new UsmUser(new OctetString(RO), AuthHMAC192SHA256.ID,
                new OctetString(RO_AUTH), PrivAES128.ID, new OctetString(RO_PRIV)));
        usm.addUser(new OctetString(RW), new UsmUser(new OctetString(RW), AuthHMAC384SHA512.ID,
                new OctetString(RW_AUTH), PrivAES128.ID, new OctetString(RW_PRIV)));
        usm.addUser(new OctetString(TRAP), new UsmUser(new OctetString(TRAP), AuthHMAC192SHA256.ID,
                new OctetString(TRAP_AUTH), PrivAES128.ID, new OctetString(TRAP_PRIV)));
        SecurityModels models = new SecurityModels();
        models.addSecurityModel(usm);
        MessageDispatcherImpl d = new MessageDispatcherImpl();
        d.addMessageProcessingModel(new MPv3(localEngine, null, sp, models, new CounterSupport()));
        DefaultUdpTransportMapping t = new DefaultUdpTransportMapping(new UdpAddress("127.0.0.1/0"));
        t.setMaxInboundMessageSize(maxInboundSize);
        Snmp s = new Snmp(d, t);
        s.listen();
        return s;
    }

    /** The agent as a v3 authPriv target for user (2 s, no retries). */
    UserTarget<UdpAddress> javaTarget(String user) {
        UserTarget<UdpAddress> t = new UserTarget<>();
        t.setAddress(new UdpAddress(InetAddress.getLoopbackAddress(), port));
        t.setVersion(SnmpConstants.version3);
        t.setSecurityLevel(SecurityLevel.AUTH_PRIV);
        t.setSecurityName(new OctetString(user));
        t.setTimeout(10_000); // a wait for an answer, not a limit on the agent: a loaded machine is slow
        t.setRetries(0);
        return t;
    }

    void awaitProbesOk() throws InterruptedException {
        Await.until("probe state ok", () -> ipmpstat("-i", "INTERFACE,PROBE").stream().allMatch(l -> l.endsWith(":ok")));
    }

    @Override
    public void close() throws IOException {
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            stopDaemon();
        } finally {
            TempDirs.deleteTree(root);
        }
    }
}
