package ipmpd.agent.netconf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.testkit.Await;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Not a test: where one edit-config + commit and one get cost at 256 members (64 groups of 4), through
 * the real NetconfServer and daemon on the loopback platform. Run only when asked:
 * {@code mvn -B -q -o -pl testkit,engine,native,agent -am test -Dtest=NetconfHotPathHarness
 * -Dsurefire.failIfNoSpecifiedTests=false -Dipmpd.netconf.harness=50} (N rounds after a warm-up).
 * Prints, per request kind, the CPU time of the JVM's threads by name (CPU time, not wall time: a
 * loaded machine makes it wait, not work more) and the commits' phases as {@link CommitEvent}
 * records them (wall time, validate / engine / persist), then the CPU of each step of a get's ipmp
 * data and of an edit + commit on this thread; {@code -Dipmpd.netconf.harness.semantics=true} adds a
 * sampled profile of 400 semantic checks (JDK Flight Recorder, 1 ms).
 */
class NetconfHotPathHarness {
    static final int MEMBERS = 256;

    @Test
    void measure() throws Exception {
        int rounds = Integer.getInteger("ipmpd.netconf.harness", 0);
        Assumptions.assumeTrue(rounds > 0, "set -Dipmpd.netconf.harness=N to run");
        Map<String, String> files = new LinkedHashMap<>();
        StringBuilder nics = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            String test = i < 200 ? "192.0.2." + (10 + i) : "198.51.100." + (10 + i - 200);
            String f = test + "/24 deprecated -failover group g" + (i / 4) + " up\n";
            if (i % 4 == 0) {
                f += "addif 203.0.113." + (10 + i / 4) + "/24 up\n";
            }
            files.put("hostname.tst" + i, f);
            nics.append(i == 0 ? "" : ",").append("tst").append(i);
        }
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "harness-reader");
            t.setDaemon(true);
            return t;
        });
        List<RecordedEvent> commits = new CopyOnWriteArrayList<>();
        try (NetconfFixture f = NetconfFixture.start(s -> s, files, nics.toString());
             RecordingStream jfr = new RecordingStream()) {
            jfr.enable("ipmpd.NetconfCommit");
            jfr.onEvent("ipmpd.NetconfCommit", commits::add);
            jfr.startAsync();
            Await.until("256 members probed", () -> f.ipmpstat("-i", "INTERFACE,PROBE").stream()
                    .filter(l -> l.endsWith(":ok")).count() == MEMBERS);
            SshClient client = SshClient.setUpDefaultClient();
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (RawNetconfSession s = new RawNetconfSession(client, f.port(), "admin",
                    c -> c.addPasswordIdentity(NetconfFixture.ADMIN_PW), "netconf", pool)) {
                s.hello(RawNetconfSession.HELLO_11);
                String get = "<get/>";
                String getData = "<get-data xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-nmda\" "
                        + "xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"><datastore>ds:operational"
                        + "</datastore></get-data>";
                String r = s.rpc("0", get);
                System.out.printf("harness: get reply %d bytes%n", r.length());
                Map<String, Runnable> kinds = new LinkedHashMap<>();
                int[] id = {1};
                kinds.put("get", () -> ok(s, id[0]++, get));
                kinds.put("get-data", () -> ok(s, id[0]++, getData));
                kinds.put("edit-config", () -> ok(s, id[0]++, edit(id[0] % 2 == 0)));
                kinds.put("commit", () -> ok(s, id[0]++, "<commit/>"));
                for (int w = 0; w < 20; w++) {
                    kinds.values().forEach(Runnable::run);
                }
                commits.clear();
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                for (Map.Entry<String, Runnable> k : kinds.entrySet()) {
                    if (k.getKey().equals("edit-config")) {
                        continue; // measured with commit (the next edit needs a committed candidate)
                    }
                    Map<String, Long> before = cpuByName(mx);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < rounds; i++) {
                        if (k.getKey().equals("commit")) {
                            kinds.get("edit-config").run();
                        }
                        k.getValue().run();
                    }
                    long wall = System.nanoTime() - t0;
                    Map<String, Long> after = cpuByName(mx);
                    report(k.getKey().equals("commit") ? "edit-config + commit" : k.getKey(), rounds, wall,
                            before, after);
                }
                getPhases(f, rounds);
                editPhases(f, rounds);
                Thread.sleep(6000); // the stream delivers within a second or so
                phases(commits);
            } finally {
                client.stop();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** CPU time of this thread per step, summed over rounds. */
    private static final class Steps {
        final Map<String, Long> ns = new LinkedHashMap<>();
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long t = mx.getCurrentThreadCpuTime();

        void mark(String step) {
            long now = mx.getCurrentThreadCpuTime();
            ns.merge(step, now - t, Long::sum);
            t = now;
        }

        void print(String what, int n) {
            long total = ns.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("harness: steps of %s (CPU of one thread, x%d): %.2f ms each%n", what, n, total / 1e6 / n);
            ns.forEach((k, v) -> System.out.printf("harness:     %-48s %.3f ms%n", k, v / 1e6 / n));
        }
    }

    /** The steps of a get's ipmp data, one after the other on this thread (the engine's snapshot by a round trip). */
    private static void getPhases(NetconfFixture f, int rounds) throws Exception {
        NetconfServer srv = f.server;
        Steps st = new Steps();
        for (int i = 0; i < rounds; i++) {
            st.t = st.mx.getCurrentThreadCpuTime();
            ipmpd.engine.EngineSnapshot snap = srv.loop().call(() -> srv.loop().engine().snapshot());
            java.util.Set<String> offline = srv.datastores().configuredOffline();
            st.mark("engine round trip (snapshot on the engine)");
            org.w3c.dom.Document d = Xml.newDocument();
            ipmpd.engine.config.IpmpConfiguration c = ipmpd.engine.config.IpmpConfiguration.of(snap, offline::contains);
            st.mark("  IpmpConfiguration.of(snapshot)");
            ConfigXml.toXml(d, c);
            st.mark("  ConfigXml.toXml (configuration part)");
            org.w3c.dom.Element tree = StateXml.build(d, srv.schema(), snap, java.time.Instant.now(), offline::contains);
            st.mark("StateXml.build (all of it again: of, toXml, state, normalize)");
            WithDefaults.apply(tree, srv.schema().root(), WithDefaults.Mode.REPORT_ALL, false);
            st.mark("WithDefaults.apply");
            DataTree.normalize(tree, srv.schema().root());
            st.mark("  DataTree.normalize (in order already)");
            org.w3c.dom.Element all = d.createElementNS(Xml.BASE, "data");
            all.appendChild(srv.monitoring().netconfState(d, srv.datastores().locks(), false, List.of()));
            all.appendChild(srv.monitoring().yangLibrary(d));
            all.appendChild(srv.monitoring().modulesState(d));
            st.mark("monitoring, YANG library");
            String x = Xml.serialize(tree);
            st.mark("Xml.serialize (ipmp tree, " + x.length() / 1024 + " KiB)");
        }
        st.print("get (indented: parts of or beside the step below, not in the total's sum twice)", rounds);
    }

    /** The steps of an edit of the candidate and its commit's validation, on a copy (running is not changed). */
    private static void editPhases(NetconfFixture f, int rounds) throws Exception {
        NetconfServer srv = f.server;
        YangSchema schema = srv.schema();
        ConfigValidation validation = new ConfigValidation(schema);
        IncrementalSemantics incremental = new IncrementalSemantics(schema, new ConfigValidation(schema));
        long evaluatedFully = 0;
        long evaluatedIncrementally = 0;
        Steps st = new Steps();
        for (int i = 0; i < rounds; i++) {
            org.w3c.dom.Element config = (org.w3c.dom.Element) Xml.parse("<rpc xmlns=\"" + Xml.BASE + "\">" + edit(i % 2 == 0)
                    + "</rpc>").getDocumentElement().getElementsByTagNameNS(Xml.BASE, "config").item(0);
            st.t = st.mx.getCurrentThreadCpuTime();
            ipmpd.engine.config.IpmpConfiguration running = srv.datastores().running();
            st.mark("edit: running() (kept: no round trip)");
            org.w3c.dom.Document doc = Xml.newDocument();
            org.w3c.dom.Element wrapper = ConfigXml.toXml(doc, running);
            doc.appendChild(wrapper);
            st.mark("edit: ConfigXml.toXml(running)");
            WithDefaults.trimConfig(wrapper, schema.root());
            st.mark("edit: WithDefaults.trimConfig");
            new EditConfig(schema, EditConfig.Op.MERGE, false).apply(wrapper, config);
            st.mark("edit: EditConfig.apply");
            DataTree.normalize(wrapper, schema.root());
            st.mark("edit: DataTree.normalize");
            assertTrue(validation.checkStructure(wrapper).isEmpty());
            st.mark("edit: ConfigValidation.checkStructure");
            org.w3c.dom.Document sd = Xml.newDocument();
            org.w3c.dom.Element copy = sd.createElementNS(null, MustEvaluator.TOP);
            for (org.w3c.dom.Element top : Xml.children(wrapper)) {
                copy.appendChild(DataTree.copyWithoutNamespaces(sd, top));
            }
            sd.appendChild(copy);
            st.mark("  semantics' copy without namespaces");
            DataTree.fillDefaults(copy, schema.root());
            st.mark("  semantics' defaults filled in");
            assertTrue(validation.checkSemantics(wrapper).isEmpty());
            st.mark("commit: ConfigValidation.checkSemantics (all of it again)");
            assertTrue(incremental.check(wrapper).isEmpty());
            st.mark("commit: IncrementalSemantics.check (what the commit runs instead)");
            evaluatedFully += validation.evaluated;
            evaluatedIncrementally += incremental.lastEvaluated;
            ipmpd.engine.config.IpmpConfiguration next = ConfigXml.fromXml(schema, wrapper, running);
            st.mark("commit: ConfigXml.fromXml");
            assertTrue(f.store.validate(next).isEmpty());
            st.mark("commit: ConfigValidator.validate");
            ipmpd.agent.ConfigStore.Taken taken = srv.loop().call(() -> srv.loop().engine() == null ? null
                    : new ipmpd.agent.ConfigStore(f.configDir).take(srv.loop().engine(), next.offlineMembers(), running));
            st.mark("commit: engine round trip with a snapshot (no apply)");
            taken.render();
            st.mark("commit: render (files, IpmpConfiguration.of)");
        }
        st.print("edit-config + commit, without the engine's apply and the write", rounds);
        System.out.printf("harness: musts and leafrefs evaluated per commit: full check %.1f, incremental %.1f%n",
                (double) evaluatedFully / rounds, (double) evaluatedIncrementally / rounds);
        if (Boolean.getBoolean("ipmpd.netconf.harness.semantics")) {
            semanticsProfile(srv, validation);
        }
    }

    /** Self and inclusive samples of 400 semantic checks of the running tree, on this thread. */
    private static void semanticsProfile(NetconfServer srv, ConfigValidation validation) throws Exception {
        org.w3c.dom.Document doc = Xml.newDocument();
        org.w3c.dom.Element tree = ConfigXml.toXml(doc, srv.datastores().running());
        doc.appendChild(tree);
        WithDefaults.trimConfig(tree, srv.schema().root());
        List<RecordedEvent> samples = new CopyOnWriteArrayList<>();
        String me = Thread.currentThread().getName();
        try (RecordingStream jfr = new RecordingStream()) {
            jfr.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(1));
            jfr.onEvent("jdk.ExecutionSample", e -> {
                if (e.getThread("sampledThread") != null && me.equals(e.getThread("sampledThread").getJavaName())) {
                    samples.add(e);
                }
            });
            jfr.startAsync();
            java.time.Instant from = java.time.Instant.now();
            for (int i = 0; i < 400; i++) {
                validation.checkSemantics(tree);
            }
            java.time.Instant to = java.time.Instant.now();
            Thread.sleep(3000);
            profile("checkSemantics x400", samples, from, to);
        }
        // the commit's check: two trees one standby leaf apart, each checked against the other
        org.w3c.dom.Element other = (org.w3c.dom.Element) tree.cloneNode(true);
        org.w3c.dom.Element config = (org.w3c.dom.Element) Xml.parse("<rpc xmlns=\"" + Xml.BASE + "\">" + edit(true)
                + "</rpc>").getDocumentElement().getElementsByTagNameNS(Xml.BASE, "config").item(0);
        new EditConfig(srv.schema(), EditConfig.Op.MERGE, false).apply(other, config);
        DataTree.normalize(other, srv.schema().root());
        assertTrue(validation.checkStructure(other).isEmpty());
        IncrementalSemantics incremental = new IncrementalSemantics(srv.schema(), validation);
        samples.clear();
        try (RecordingStream jfr = new RecordingStream()) {
            jfr.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(1));
            jfr.onEvent("jdk.ExecutionSample", e -> {
                if (e.getThread("sampledThread") != null && me.equals(e.getThread("sampledThread").getJavaName())) {
                    samples.add(e);
                }
            });
            jfr.startAsync();
            java.time.Instant from = java.time.Instant.now();
            for (int i = 0; i < 400; i++) {
                assertTrue(incremental.check(i % 2 == 0 ? tree : other).isEmpty());
            }
            java.time.Instant to = java.time.Instant.now();
            Thread.sleep(3000);
            profile("IncrementalSemantics.check x400 (one standby leaf changed each time)", samples, from, to);
        }
    }

    private static String edit(boolean standby) {
        return "<edit-config><target><candidate/></target><config><interfaces xmlns=\"" + Xml.IF + "\"><interface>"
                + "<name>tst21</name><ipmp xmlns=\"" + Xml.IPMP + "\"><standby>" + standby + "</standby></ipmp>"
                + "</interface></interfaces></config></edit-config>";
    }

    private static void ok(RawNetconfSession s, int id, String body) {
        try {
            String r = s.rpc(String.valueOf(id), body);
            assertTrue(r != null && !r.contains("<rpc-error"), body + " -> " + r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** CPU time of the live threads, summed by name with digits taken out (thread pools). */
    private static Map<String, Long> cpuByName(ThreadMXBean mx) {
        Map<String, Long> m = new HashMap<>();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long c = mx.getThreadCpuTime(t.getThreadId());
            if (c > 0) {
                m.merge(t.getThreadName().replaceAll("[0-9]+", "N"), c, Long::sum);
            }
        }
        return m;
    }

    private static void report(String what, int n, long wallNs, Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> diff = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                diff.put(e.getKey(), d);
                total += d;
            }
        }
        System.out.printf("harness: %s x%d: wall %.2f ms each; JVM thread CPU %.2f ms each%n", what, n,
                wallNs / 1e6 / n, total / 1e6 / n);
        diff.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> System.out.printf("harness:     %-40s %.2f ms%n", e.getKey(), e.getValue() / 1e6 / n));
    }

    /** Inclusive samples of ipmpd's and jaxen's methods within a window (each counted once a stack), and the top frames. */
    private static void profile(String what, List<RecordedEvent> samples, java.time.Instant from,
                                java.time.Instant to) {
        Map<String, Integer> inclusive = new HashMap<>();
        int n = 0;
        for (RecordedEvent e : samples) {
            if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to) || e.getStackTrace() == null) {
                continue;
            }
            n++;
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (jdk.jfr.consumer.RecordedFrame fr : e.getStackTrace().getFrames()) {
                String m = fr.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + fr.getMethod().getName();
                String type = fr.getMethod().getType().getName();
                if ((type.startsWith("ipmpd.") || type.startsWith("org.jaxen.")) && seen.add(m)) {
                    inclusive.merge(m, 1, Integer::sum);
                }
            }
        }
        int total = n;
        Map<String, Integer> self = new HashMap<>();
        for (RecordedEvent e : samples) {
            if (!e.getStartTime().isBefore(from) && !e.getStartTime().isAfter(to) && e.getStackTrace() != null
                    && !e.getStackTrace().getFrames().isEmpty()) {
                jdk.jfr.consumer.RecordedFrame fr = e.getStackTrace().getFrames().get(0);
                self.merge(fr.getMethod().getType().getName() + "." + fr.getMethod().getName(), 1, Integer::sum);
            }
        }
        self.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("harness:   self %5.1f%% %s%n", 100.0 * e.getValue() / total, e.getKey()));

        System.out.printf("harness: profile of %s: %d samples of this thread (about its CPU ms)%n", what, total);
        inclusive.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(45)
                .forEach(e -> System.out.printf("harness:     %5.1f%% %s%n", 100.0 * e.getValue() / total, e.getKey()));
    }

    private static void phases(List<RecordedEvent> events) {
        for (String field : List.of("validateNs", "engineNs", "writeNs")) {
            List<Long> v = new ArrayList<>();
            for (RecordedEvent e : events) {
                v.add(e.getLong(field));
            }
            Collections.sort(v);
            if (v.isEmpty()) {
                System.out.println("harness: no commit events");
                return;
            }
            System.out.printf("harness: commit %s (wall, %d commits): p50 %.2f ms, p90 %.2f ms%n", field, v.size(),
                    v.get(v.size() / 2) / 1e6, v.get(v.size() * 9 / 10) / 1e6);
        }
    }
}
