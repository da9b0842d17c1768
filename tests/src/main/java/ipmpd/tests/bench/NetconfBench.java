package ipmpd.tests.bench;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NETCONF face under load ({@code bin/bench netconf}): 256 members in 64 groups of 4
 * ({@link AgentBed}), ipmpd's NETCONF server on 127.0.0.1:18830 with the user admin it generates on
 * its first start. One ncclient session (/usr/bin/python3, {@code netconf_bench.py}, a resource of
 * this package), kept open, times each request: unfiltered {@code <get>} (the whole state), and
 * {@code <get-data>} of the operational datastore (the same state, RFC 8526), and
 * {@code <edit-config>} of one member's standby on the candidate followed by {@code <commit>}.
 * Targets: get and get-data p99 &lt;= 100 ms; edit-config + commit p99 &lt;= 50 ms. The script lowers ncclient's
 * send-queue poll tick (ncclient.transport.ssh.TICK) from 100 ms to 1 ms: unchanged, it adds up to
 * 100 ms to every request (measured: every request took 100 ms more). The daemon records each
 * commit's phases (validate / engine thread / persist, {@code ipmpd.NetconfCommit} in a JDK Flight
 * Recorder recording of that event alone), reported after the latencies.
 */
public final class NetconfBench {
    static final int PORT = 18830;
    static final String PYTHON = "/usr/bin/python3";
    static final double TARGET_GET_P99_MS = 100;
    static final double TARGET_EDIT_COMMIT_P99_MS = 50;

    private NetconfBench() {
    }

    /** 100 gets and 100 edit + commit pairs; returns the result lines (also printed and appended to outFile). */
    public static List<String> run(Path outFile) {
        return run(outFile, 100, 100);
    }

    public static List<String> run(Path outFile, int gets, int edits) {
        AgentBed.Out out = new AgentBed.Out(outFile);
        long t0 = System.nanoTime();
        out.line("== netconf: %d members in %d groups of %d (FDT 1000 ms, probing); one ncclient session on 127.0.0.1, "
                + "(send tick 1 ms), each request timed", AgentBed.MEMBERS, AgentBed.MEMBERS / AgentBed.PER_GROUP, AgentBed.PER_GROUP);
        try (AgentBed bed = AgentBed.start(b -> {
            Map<String, List<String>> f = new LinkedHashMap<>();
            f.put("agent.conf", List.of("netconf.listen=127.0.0.1:" + PORT,
                    "netconf.yang-dir=" + IpmpdProcess.root().resolve("yang")));
            return f;
        }, b -> jfrOptions(b.work()))) {
            out.line("   daemon start to every member probed: %.1f s (" + AgentBed.machine() + ")", bed.upSeconds());
            Path pw = bed.daemon().configDir().resolve("netconf-initial-password");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.exists(pw)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the daemon wrote no " + pw + ":\n" + bed.daemon().log());
                }
                Netns.sleepQuietly(100);
            }
            Path script = bed.resource("netconf_bench.py");
            int member = 4 * 5 + 1;
            Netns.Result r = Netns.tryExecWithin(Duration.ofSeconds(400), bed.hostNs(), "env", "PYTHONDONTWRITEBYTECODE=1",
                    PYTHON, script.toString(), "--port", String.valueOf(PORT), "--user", "admin", "--password-file",
                    pw.toString(), "--group", AgentBed.group(member), "--member", bed.member(member),
                    "--gets", String.valueOf(gets), "--edits", String.valueOf(edits));
            if (!r.ok() || !r.stdout().contains("\nOK")) {
                throw new AssertionError("netconf_bench.py failed: " + r + "\n" + tail(bed.daemon().log(), 40));
            }
            Map<String, Stats> s = new LinkedHashMap<>();
            String info = "";
            for (String l : r.stdout().lines().toList()) {
                String[] w = l.split(" ");
                if (w[0].equals("INFO")) {
                    info = l.substring(5);
                } else if (w[0].equals("GET") || w[0].equals("GETDATA") || w[0].equals("EDIT") || w[0].equals("COMMIT")) {
                    Stats st = new Stats();
                    for (int i = 1; i < w.length; i++) {
                        st.add(Double.parseDouble(w[i]));
                    }
                    s.put(w[0], st);
                }
            }
            Stats both = new Stats();
            List<String> e = r.stdout().lines().filter(l -> l.startsWith("EDIT ")).findFirst().map(l -> List.of(l.split(" ")))
                    .orElseThrow();
            List<String> c = r.stdout().lines().filter(l -> l.startsWith("COMMIT ")).findFirst().map(l -> List.of(l.split(" ")))
                    .orElseThrow();
            for (int i = 1; i < e.size() && i < c.size(); i++) {
                both.add(Double.parseDouble(e.get(i)) + Double.parseDouble(c.get(i)));
            }
            out.line("   get of the whole state (%s): %s   [p99 %s]", info, s.get("GET").summary("%.1f ms"),
                    Report.against(s.get("GET").percentile(99), TARGET_GET_P99_MS, " ms"));
            out.line("   get-data of the operational datastore (NMDA): %s   [p99 %s]",
                    s.get("GETDATA").summary("%.1f ms"),
                    Report.against(s.get("GETDATA").percentile(99), TARGET_GET_P99_MS, " ms"));
            out.line("   edit-config (candidate, standby of %s) + commit: %s   [p99 %s]", bed.member(member),
                    both.summary("%.1f ms"), Report.against(both.percentile(99), TARGET_EDIT_COMMIT_P99_MS, " ms"));
            out.line("     edit-config alone: %s", s.get("EDIT").summary("%.1f ms"));
            out.line("     commit alone:      %s", s.get("COMMIT").summary("%.1f ms"));
            List<List<String>> state = bed.daemon().parsable("-i", "INTERFACE,FLAGS,STATE");
            long ok = state.stream().filter(row -> row.get(2).equals("ok")).count();
            out.line("   members ok at the end: %d of %d", ok, state.size());
            bed.daemon().stop(); // the daemon's JVM writes its recording as it exits
            commitPhases(out, bed.work().resolve(RECORDING));
        }
        out.line("   (netconf bench took %.0f s; " + AgentBed.machine() + " at the end)", (System.nanoTime() - t0) / 1e9);
        return out.lines();
    }

    static final String RECORDING = "netconf-commits.jfr";

    /**
     * The daemon records its commits' phases ({@code ipmpd.NetconfCommit}, JDK Flight Recorder) and
     * nothing else (a settings file naming that event only), written when it exits.
     */
    private static String jfrOptions(Path work) {
        Path jfc = work.resolve("netconf-commits.jfc");
        try {
            Files.writeString(jfc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration version=\"2.0\">\n"
                    + "  <event name=\"ipmpd.NetconfCommit\"><setting name=\"enabled\">true</setting>"
                    + "<setting name=\"threshold\">0 ms</setting></event>\n</configuration>\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return "-XX:StartFlightRecording=settings=" + jfc + ",filename=" + work.resolve(RECORDING) + ",dumponexit=true";
    }

    /** Where the commits' time went (validate / engine / persist), from the daemon's recording. */
    private static void commitPhases(AgentBed.Out out, Path recording) {
        Stats validate = new Stats();
        Stats engine = new Stats();
        Stats persist = new Stats();
        try {
            for (jdk.jfr.consumer.RecordedEvent e : jdk.jfr.consumer.RecordingFile.readAllEvents(recording)) {
                if (e.getEventType().getName().equals("ipmpd.NetconfCommit")) {
                    validate.add(e.getLong("validateNs") / 1e6);
                    engine.add(e.getLong("engineNs") / 1e6);
                    persist.add(e.getLong("writeNs") / 1e6);
                }
            }
        } catch (java.io.IOException e) {
            out.line("   commit phases: no recording (%s)", e.getMessage());
            return;
        }
        if (validate.isEmpty()) {
            out.line("   commit phases: the recording holds no commit");
            return;
        }
        out.line("   commit phases (the daemon's ipmpd.NetconfCommit events, every commit of the run):");
        out.line("     validate (YANG, engine rules):         %s", validate.summary("%.1f ms"));
        out.line("     engine thread (wait, apply, snapshot): %s", engine.summary("%.1f ms"));
        out.line("     persist (render, write, fsync):        %s", persist.summary("%.1f ms"));
    }

    private static String tail(String s, int n) {
        List<String> l = s.lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
    }

    /** {@code NetconfBench [RESULTS-FILE] [--gets=N] [--edits=N]} (root). */
    public static void main(String[] args) {
        List<String> files = new ArrayList<>();
        int gets = 100;
        int edits = 100;
        for (String a : args) {
            if (a.startsWith("--gets=")) {
                gets = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else if (a.startsWith("--edits=")) {
                edits = Integer.parseInt(a.substring(a.indexOf('=') + 1));
            } else {
                files.add(a);
            }
        }
        try {
            run(AgentBed.outFile(files.toArray(String[]::new)), gets, edits);
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }
}
