package ipmpd.tests.crash;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.ScaleTestbed;
import ipmpd.testkit.TempDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * kill -9 at random moments while the configuration changes, then a restart and a check of
 * what came back: the fault-injection run behind {@code CrashConsistencyTest} and
 * {@code bin/bench crash}.
 * <p>
 * The real daemon runs in the host namespace of a {@link ScaleTestbed} of {@link #MEMBERS}
 * members, with NETCONF and SNMP on. Two configurations of every member: A (group ga, FDT 10 s,
 * test addresses 198.51.100.10-73, 16 data addresses 203.0.113.1-16 on members 0-15) and B (group
 * gb, FDT 20 s, test addresses 198.51.100.110-173, member 63 standby, 16 data addresses
 * 203.0.113.101-116 on members 16-31): every configuration file differs between them. Each round
 * starts from A or B and is one of:
 * <ul>
 * <li>a NETCONF commit to the other one ({@code <edit-config>} of the candidate with
 *     default-operation replace, {@code <commit>}), killed at a random moment within the time a
 *     commit takes;
 * <li>an ipmpadm change (member 40, which holds no data address, standby), killed likewise, undone after the check;
 * <li>an SNMP SET (ipmpFailureDetectionTime.0 = 15000), killed likewise, undone after the check;
 * <li>a confirmed commit to the other one, killed once acknowledged, while it is pending.
 * </ul>
 * After each restart: the configuration files must be exactly those of one of the states the
 * round allows (before or after; after when the change was acknowledged; before for a pending
 * confirmed commit), never a mix; {@code <get-config>} must be that state's; the IPv4 addresses on
 * the members must be exactly the engine's (ipmpstat -a and -t: no orphan, none missing), each
 * with its policy rule to its member's table, and the engine's data addresses those of the files.
 */
public final class CrashRun implements AutoCloseable {
    public static final int MEMBERS = 64;
    private static final int NETCONF_PORT = 18831;
    private static final int SNMP_PORT = 16161;
    private static final String FDT_OID = "1.3.6.1.4.1.99999.1.1.1.1.0";
    private static final String IPMP_NS = "urn:ipmpd:yang:ipmpd-ipmp";
    private static final String IF_NS = "urn:ietf:params:xml:ns:yang:ietf-interfaces";
    private static final String IANAIFT_NS = "urn:ietf:params:xml:ns:yang:iana-if-type";

    /** What the run counted. */
    public record Counts(int kills, int a, int b, int variants, int mixed, int orphans, int missing,
                         int getConfigMismatches, int acknowledgedLost, int badRules, int engineMismatches,
                         int pendingConfirmedKills, long seconds) {
        public boolean clean() {
            return mixed == 0 && orphans == 0 && missing == 0 && getConfigMismatches == 0 && acknowledgedLost == 0
                    && badRules == 0 && engineMismatches == 0;
        }

        @Override
        public String toString() {
            return String.format("kills %d (confirmed commit pending: %d), restarts with A %d, B %d, "
                            + "A or B with the ipmpadm/SNMP change %d, mixed %d, orphans %d, missing %d, "
                            + "get-config mismatches %d, acknowledged changes lost %d, bad rules %d, "
                            + "engine/file mismatches %d, %d s", kills, pendingConfirmedKills, a, b, variants, mixed,
                    orphans, missing, getConfigMismatches, acknowledgedLost, badRules, engineMismatches, seconds);
        }
    }

    /** A configuration as the daemon writes it, and as {@code <get-config>} shows it. */
    private record State(String name, Map<String, String> files, String getConfig) {
    }

    private final Consumer<String> out;
    private final Random random;
    private final Path work;
    private final Path archive;
    private ScaleTestbed bed;
    private IpmpdProcess daemon;
    private ScriptedNetconfClient client;
    private MemberAddresses addresses;
    private final Map<String, State> states = new HashMap<>();
    private String[] snmpUser;
    /** How long a change of each kind takes (ms; measured at set-up, then on changes acknowledged): kills fall within it. */
    private long commitMs;
    private long ipmpadmMs;
    private long snmpMs;

    private int kills;
    private int a;
    private int b;
    private int variants;
    private int mixed;
    private int orphans;
    private int missing;
    private int getConfigMismatches;
    private int acknowledgedLost;
    private int badRules;
    private int engineMismatches;
    private int pendingConfirmedKills;

    public CrashRun(Consumer<String> out, long seed) {
        this.out = out;
        this.random = new Random(seed);
        try {
            this.work = Files.createTempDirectory("ipmpd-crash-");
            this.archive = work.resolve("ipmpd-classes.jsa");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.accept("crash run: seed " + seed);
    }

    // ------------------------------------------------------------------ configurations

    private static String member(ScaleTestbed bed, int i) {
        return bed.member(i);
    }

    /** A or B as a NETCONF {@code <config>}: the members in the interface tree, the group under ipmp. */
    private String configXml(boolean isA) {
        StringBuilder x = new StringBuilder("<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">");
        x.append("<interfaces xmlns=\"").append(IF_NS).append("\" xmlns:ianaift=\"").append(IANAIFT_NS).append("\">");
        for (int i = 0; i < MEMBERS; i++) {
            x.append("<interface><name>").append(member(bed, i)).append("</name>")
                    .append("<type>ianaift:ethernetCsmacd</type><ipmp xmlns=\"").append(IPMP_NS).append("\"><group>")
                    .append(isA ? "ga" : "gb").append("</group>");
            if (!isA && i == MEMBERS - 1) {
                x.append("<standby>true</standby>");
            }
            x.append("<test-address><address>198.51.100.").append((isA ? 10 : 110) + i)
                    .append("</address><prefix-length>24</prefix-length></test-address></ipmp></interface>");
        }
        x.append("</interfaces><ipmp xmlns=\"").append(IPMP_NS).append("\">");
        x.append("<failure-detection-time>").append(isA ? 10000 : 20000).append("</failure-detection-time>");
        x.append("<failback>true</failback>");
        x.append("<group><name>").append(isA ? "ga" : "gb").append("</name>");
        for (int i = 0; i < 16; i++) {
            x.append("<data-address><address>203.0.113.").append((isA ? 1 : 101) + i)
                    .append("</address><prefix-length>24</prefix-length><home-member>")
                    .append(member(bed, isA ? i : 16 + i)).append("</home-member></data-address>");
        }
        x.append("</group></ipmp></config>");
        return x.toString();
    }

    // ------------------------------------------------------------------ set-up

    /** Builds the testbed, starts the daemon, records A, B and their ipmpadm and SNMP variants. */
    public void setUp() {
        long t0 = System.nanoTime();
        bed = new ScaleTestbed(MEMBERS);
        daemon = IpmpdProcess.builder(bed.hostNs())
                .mpathd("FAILURE_DETECTION_TIME=10000", "FAILBACK=yes", "TRACK_INTERFACES_ONLY_WITH_GROUPS=yes",
                        "PROBE_QUIET_PERIOD=0")
                .file("agent.conf", "netconf.listen=127.0.0.1:" + NETCONF_PORT,
                        "netconf.yang-dir=" + IpmpdProcess.root().resolve("yang"),
                        "snmp.listen=udp:127.0.0.1/" + SNMP_PORT)
                .readyTimeout(ipmpd.testkit.Await.PATIENCE.multipliedBy(3))
                .javaOpts("-XX:ArchiveClassesAtExit=" + archive)
                .start();
        Path pw = daemon.configDir().resolve("netconf-initial-password");
        await("netconf-initial-password", Duration.ofSeconds(30), () -> Files.exists(pw));
        for (String l : daemon.readFile("snmp-users").lines().toList()) {
            String[] f = l.strip().split("\\s+");
            if (f.length == 6 && f[0].equals("ipmprw")) {
                snmpUser = new String[] {f[0], f[2], f[3], f[5]};
            }
        }
        if (snmpUser == null) {
            throw new AssertionError("no ipmprw user in snmp-users:\n" + daemon.readFile("snmp-users"));
        }
        write("A.xml", configXml(true));
        write("B.xml", configXml(false));
        client = new ScriptedNetconfClient(bed.hostNs(), NETCONF_PORT, pw, work);
        addresses = new MemberAddresses(bed.hostNs(), bed.prefix() + "-s");
        expect(client.request("connect"), "CONNECTED");
        // B first, then A: both as the daemon writes them
        long c0 = System.nanoTime();
        expect(client.request("replace " + work.resolve("B.xml")), "OK");
        long c1 = System.nanoTime();
        record("B");
        long c2 = System.nanoTime();
        expect(client.request("replace " + work.resolve("A.xml")), "OK");
        long c3 = System.nanoTime();
        record("A");
        commitMs = Math.max((c1 - c0) / 1_000_000, (c3 - c2) / 1_000_000);
        for (String s : List.of("A", "B")) {
            if (s.equals("B")) {
                expect(client.request("replace " + work.resolve("B.xml")), "OK");
            }
            long t = System.nanoTime();
            IpmpdProcess.ToolResult r = daemon.ipmpadm(member(bed, 40), "standby");
            ipmpadmMs = Math.max(ipmpadmMs, (System.nanoTime() - t) / 1_000_000);
            if (!r.ok()) {
                throw new AssertionError(r.toString());
            }
            record(s + "+standby");
            undoIpmpadm(s);
            t = System.nanoTime();
            Netns.Result set = snmpset(15000);
            snmpMs = Math.max(snmpMs, (System.nanoTime() - t) / 1_000_000);
            if (!set.ok()) {
                throw new AssertionError(set + "\n" + daemon.log());
            }
            record(s + "+fdt");
            undoSnmp(s);
        }
        expect(client.request("replace " + work.resolve("A.xml")), "OK");
        checkFiles("A");
        // Restarts are what the run is made of: a clean stop now writes the classes this daemon
        // loaded to an archive (-XX:ArchiveClassesAtExit) that every later start maps instead
        // of loading and verifying them again.
        daemon.stop(Duration.ofSeconds(120)); // writing the archive takes a while on a busy machine
        // C1 only: the restarts' JIT work competes less with the start for the CPUs
        daemon.javaOpts("-XX:SharedArchiveFile=" + archive + " -XX:TieredStopAtLevel=1 -Dipmpd.warmup=false");
        java.time.Instant launched = java.time.Instant.now();
        restart();
        checkFiles("A");
        StringBuilder phases = new StringBuilder();
        for (IpmpdProcess.LogLine l : daemon.lines()) {
            if (l.stamped() != null && (l.index() == 0 || l.message().matches(
                    "(SNMP agent listening|NETCONF: listening|ipmpd started|.*is not plumbed for IPv6).*"))) {
                String what = l.message().length() > 40 ? l.message().substring(0, 40) : l.message();
                phases.append(String.format(" %s +%d ms;", what,
                        Duration.between(launched, l.stamped()).toMillis()));
            }
        }
        out.accept("crash run: a start, from exec:" + phases);
        out.accept(String.format("crash run: %d members, set up in %.1f s; a commit A<->B took %d ms, ipmpadm %d ms, "
                + "snmpset %d ms", MEMBERS, (System.nanoTime() - t0) / 1e9, commitMs, ipmpadmMs, snmpMs));
    }

    private void record(String name) {
        String gc = client.request("get-config");
        if (!gc.startsWith("CONFIG ")) {
            throw new AssertionError("get-config: " + gc);
        }
        states.put(name, new State(name, configFiles(), gc));
    }

    private void undoIpmpadm(String base) {
        IpmpdProcess.ToolResult r = daemon.ipmpadm(member(bed, 40), "-standby");
        if (!r.ok()) {
            throw new AssertionError(r.toString());
        }
        checkFiles(base);
    }

    private void undoSnmp(String base) {
        Netns.Result r = snmpset(base.equals("A") ? 10000 : 20000);
        if (!r.ok()) {
            throw new AssertionError(r + "\n" + daemon.log());
        }
        checkFiles(base);
    }

    private void checkFiles(String name) {
        Map<String, String> f = configFiles();
        if (!f.equals(states.get(name).files())) {
            throw new AssertionError("the files are not " + name + ": " + diff(states.get(name).files(), f));
        }
    }

    // ------------------------------------------------------------------ the run

    /** Runs {@code rounds} kill-and-restart rounds (a tenth of them with a confirmed commit pending). */
    public Counts run(int rounds) {
        long t0 = System.nanoTime();
        String current = "A";
        for (int round = 0; round < rounds; round++) {
            String other = current.equals("A") ? "B" : "A";
            int kind = random.nextInt(100);
            if (round % 10 == 9) {
                current = confirmedRound(current, other);
            } else if (kind < 60) {
                current = netconfRound(current, other);
            } else if (kind < 80) {
                current = changeRound(current, "+standby", ipmpadmMs, () -> daemon.ipmpadm(member(bed, 40), "standby").ok());
            } else {
                current = changeRound(current, "+fdt", snmpMs, () -> snmpset(15000).ok());
            }
            if ((round + 1) % 10 == 0) {
                out.accept(String.format("crash run: %d rounds, %.0f s (restarts %.0f s, NETCONF up %.0f s, checks %.0f s): %s",
                        round + 1, (System.nanoTime() - t0) / 1e9, restartMs / 1e3, connectMs / 1e3, checkMs / 1e3,
                        counts(t0)));
            }
        }
        return counts(t0);
    }

    private Counts counts(long t0) {
        return new Counts(kills, a, b, variants, mixed, orphans, missing, getConfigMismatches, acknowledgedLost, badRules,
                engineMismatches, pendingConfirmedKills, (System.nanoTime() - t0) / 1_000_000_000L);
    }

    /** A NETCONF commit to the other configuration, killed at a random moment. */
    private String netconfRound(String current, String other) {
        client.send("replace " + work.resolve(other + ".xml"));
        sleep(random.nextInt((int) Math.max(1, commitMs * 5 / 4)));
        kill();
        String reply = client.answer(); // the commit's answer, or LOST
        restart();
        boolean acknowledged = reply.equals("OK");
        return base(check(acknowledged ? Set.of(other) : Set.of(current, other), acknowledged ? other : null));
    }

    /** An ipmpadm or SNMP change, killed at a random moment; undone when it survived. */
    private String changeRound(String current, String suffix, long tookMs, Supplier<Boolean> change) {
        long[] took = {-1};
        CompletableFuture<Boolean> done = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try {
                boolean ok = change.get();
                took[0] = (System.nanoTime() - t0) / 1_000_000;
                return ok;
            } catch (RuntimeException e) {
                return false; // the daemon died under it
            }
        });
        sleep(random.nextInt((int) Math.max(1, tookMs * 5 / 4)));
        kill();
        boolean acknowledged;
        try {
            // before the restart: a client started late must meet no daemon, not the next one
            acknowledged = done.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            acknowledged = false;
        }
        restart();
        if (acknowledged && took[0] >= 0) {
            // how long the change takes now (the machine's load varies): the next kill falls within it
            if (suffix.equals("+standby")) {
                ipmpadmMs = (ipmpadmMs + took[0]) / 2;
            } else {
                snmpMs = (snmpMs + took[0]) / 2;
            }
        }
        String changed = current + suffix;
        String now = check(acknowledged ? Set.of(changed) : Set.of(current, changed), acknowledged ? changed : null);
        if (now.equals(changed)) {
            if (suffix.equals("+standby")) {
                undoIpmpadm(current);
            } else {
                undoSnmp(current);
            }
        }
        return current;
    }

    /** A confirmed commit to the other configuration, acknowledged, then killed while pending: back to this one. */
    private String confirmedRound(String current, String other) {
        long t0 = System.nanoTime();
        expect(client.request("confirmed " + work.resolve(other + ".xml")), "OK");
        // a commit just after a restart, as those of the NETCONF rounds: their kills fall within it
        commitMs = (System.nanoTime() - t0) / 1_000_000;
        sleep(random.nextInt(300));
        pendingConfirmedKills++;
        killAndRestart();
        return base(check(Set.of(current), current));
    }

    /** A or B, without the ipmpadm or SNMP change. */
    private static String base(String state) {
        return state.replace("+standby", "").replace("+fdt", "");
    }

    private void killAndRestart() {
        kill();
        restart();
    }

    private void kill() {
        daemon.kill9();
        kills++;
    }

    private void restart() {
        long t0 = System.nanoTime();
        daemon.restart();
        long t1 = System.nanoTime();
        expect(client.request("connect"), "CONNECTED");
        restartMs += (t1 - t0) / 1_000_000;
        connectMs += (System.nanoTime() - t1) / 1_000_000;
    }

    /** Where the time of the rounds went (ms): control socket answering, NETCONF answering, checks. */
    private long restartMs;
    private long connectMs;
    private long checkMs;

    /**
     * After a restart: which state the files hold (one of {@code allowed}), get-config, the
     * kernel against the engine. Returns the state (the one it should be when none matches).
     */
    private String check(Set<String> allowed, String mustBe) {
        long t0 = System.nanoTime();
        try {
            return checkNow(allowed, mustBe);
        } finally {
            checkMs += (System.nanoTime() - t0) / 1_000_000;
        }
    }

    private String checkNow(Set<String> allowed, String mustBe) {
        Map<String, String> files = configFiles();
        String found = null;
        for (State s : states.values()) {
            if (s.files().equals(files)) {
                found = s.name();
            }
        }
        if (found == null || !allowed.contains(found)) {
            String nearest = mustBe != null ? mustBe : allowed.iterator().next();
            if (found == null) {
                mixed++;
                out.accept("crash run: MIXED files after kill " + kills + " (allowed " + allowed + "): "
                        + diff(states.get(nearest).files(), files));
            } else {
                acknowledgedLost++;
                out.accept("crash run: files are " + found + " after kill " + kills + ", allowed " + allowed);
            }
            return found != null ? found : nearest;
        }
        if (found.equals("A")) {
            a++;
        } else if (found.equals("B")) {
            b++;
        } else {
            variants++;
        }
        String gc = client.request("get-config");
        if (!gc.equals(states.get(found).getConfig())) {
            getConfigMismatches++;
            out.accept("crash run: get-config after kill " + kills + " is not that of " + found);
        }
        checkKernel(found);
        return found;
    }

    /** Waits (bounded) until the members' addresses and rules are exactly the engine's; counts what is left over. */
    private void checkKernel(String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Set<String> dataWanted = dataAddressesOf(state);
        while (true) {
            Set<String> engine = MemberAddresses.engine(daemon);
            Set<String> kernel = addresses.kernel();
            Set<String> rules = addresses.rules();
            Set<String> engineData = MemberAddresses.engineData(daemon);
            boolean rulesOk = addresses.rulesMatch(engine, engineData, rules);
            if (engine.equals(kernel) && rulesOk && engineData.equals(dataWanted)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                Set<String> orphan = new TreeSet<>(kernel);
                orphan.removeAll(engine);
                Set<String> miss = new TreeSet<>(engine);
                miss.removeAll(kernel);
                orphans += orphan.size();
                missing += miss.size();
                if (!rulesOk) {
                    badRules++;
                }
                if (!engineData.equals(dataWanted)) {
                    engineMismatches++;
                }
                out.accept("crash run: after kill " + kills + " (" + state + "): orphans " + orphan + ", missing " + miss
                        + (rulesOk ? "" : ", rules " + rules + " for " + engine)
                        + (engineData.equals(dataWanted) ? "" : ", engine's data addresses " + engineData
                        + " files' " + dataWanted));
                return;
            }
            sleep(200);
        }
    }

    private Set<String> dataAddressesOf(String state) {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, String> f : states.get(state).files().entrySet()) {
            if (f.getKey().startsWith("hostname.")) {
                for (String l : f.getValue().lines().toList()) {
                    if (l.startsWith("addif ")) {
                        out.add(l.split("\\s+")[1].split("/")[0]);
                    }
                }
            }
        }
        return out;
    }

    /** The configuration files of the directory (what a restart reads), name -> content. */
    private Map<String, String> configFiles() {
        Map<String, String> out = new TreeMap<>();
        try (var l = Files.list(daemon.configDir())) {
            for (Path p : l.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("hostname") || n.equals("mpathd") || n.equals("ipmp.conf")) {
                    out.put(n, Files.readString(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static String diff(Map<String, String> want, Map<String, String> got) {
        List<String> d = new ArrayList<>();
        Set<String> names = new TreeSet<>(want.keySet());
        names.addAll(got.keySet());
        for (String n : names) {
            if (!java.util.Objects.equals(want.get(n), got.get(n))) {
                d.add(n + (want.containsKey(n) ? got.containsKey(n) ? " differs" : " missing" : " extra"));
            }
        }
        return d.size() > 6 ? d.subList(0, 6) + " and " + (d.size() - 6) + " more" : d.toString();
    }

    // ------------------------------------------------------------------ clients

    private Netns.Result snmpset(long fdt) {
        Path state = work.resolve("snmp");
        return Netns.tryExecWithin(Duration.ofSeconds(60), bed.hostNs(), "env", "SNMP_PERSISTENT_DIR=" + state,
                "SNMPCONFPATH=" + state, "HOME=" + state, "MIBS=", "snmpset", "-t", "10", "-r", "0", "-v3",
                "-l", "authPriv", "-u", snmpUser[0], "-a", snmpUser[1], "-A", snmpUser[2], "-x", "AES",
                "-X", snmpUser[3], "udp:127.0.0.1:" + SNMP_PORT, FDT_OID, "u", Long.toString(fdt));
    }

    private void expect(String reply, String want) {
        if (!reply.equals(want)) {
            throw new AssertionError("expected " + want + ", got " + reply + "\n" + tail(daemon.log()));
        }
    }

    private static String tail(String log) {
        List<String> l = log.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
    }

    private void write(String name, String content) {
        try {
            Files.writeString(work.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(String what, Duration limit, Supplier<Boolean> cond) {
        long end = System.nanoTime() + limit.toNanos();
        while (!cond.get()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(50);
        }
    }

    private static void sleep(long ms) {
        Netns.sleepQuietly(ms);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (bed != null) {
            bed.close();
        }
        TempDirs.delete(work);
    }
}
