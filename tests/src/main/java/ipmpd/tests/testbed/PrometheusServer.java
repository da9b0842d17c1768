package ipmpd.tests.testbed;

import ipmpd.testkit.TempDirs;
import ipmpd.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Prometheus (the Debian package's binary) in a namespace, with a configuration and a
 * storage directory of its own in a temporary directory, listening on the namespace's loopback:
 * it scrapes the given targets every second. Queries go through its HTTP API
 * ({@code /api/v1/query}), asked from inside the namespace. {@link #close()} stops it and removes
 * the directory.
 */
public final class PrometheusServer implements AutoCloseable {
    /** One element of a query's result vector: its labels (as JSON, for messages) and value. */
    public record Sample(String labels, double value) {
    }

    /** Asks the query API from inside the namespace; prints one "labels TAB value" line per result. */
    private static final String QUERY = String.join("\n",
            "import json, sys, urllib.parse, urllib.request",
            "url = sys.argv[1] + '/api/v1/query?' + urllib.parse.urlencode({'query': sys.argv[2]})",
            "reply = json.load(urllib.request.urlopen(url, timeout=10))",
            "if reply.get('status') != 'success': sys.exit('query failed: ' + json.dumps(reply))",
            "data = reply['data']",
            "if data['resultType'] != 'vector': sys.exit('not a vector: ' + json.dumps(data))",
            "for r in data['result']:",
            "    print(json.dumps(r['metric'], sort_keys=True) + '\\t' + r['value'][1])");

    /** Prints the metric types Prometheus recorded for a metric family (metadata API), one a line. */
    private static final String METADATA = String.join("\n",
            "import json, sys, urllib.parse, urllib.request",
            "url = sys.argv[1] + '/api/v1/metadata?' + urllib.parse.urlencode({'metric': sys.argv[2]})",
            "reply = json.load(urllib.request.urlopen(url, timeout=10))",
            "for m in reply['data'].get(sys.argv[2], []):",
            "    print(m['type'])");

    private static final String READY = String.join("\n",
            "import sys, urllib.request",
            "try:",
            "    sys.exit(0 if urllib.request.urlopen(sys.argv[1] + '/-/ready', timeout=5).status == 200 else 1)",
            "except Exception:",
            "    sys.exit(1)");

    private final String ns;
    private final Path dir;
    private final String url;
    private final BackgroundProcess process;

    private PrometheusServer(String ns, Path dir, String url, BackgroundProcess process) {
        this.ns = ns;
        this.dir = dir;
        this.url = url;
        this.process = process;
    }

    /**
     * Starts Prometheus in {@code ns} on 127.0.0.1:{@code port}, scraping {@code targets}
     * (HOST:PORT, job "ipmpd") every second, and waits until it is ready.
     */
    public static PrometheusServer start(String ns, int port, List<String> targets, Duration readyWithin) {
        Path dir;
        try {
            dir = Files.createTempDirectory("ipmpd-prometheus");
            List<String> quoted = new ArrayList<>();
            for (String t : targets) {
                quoted.add("'" + t + "'");
            }
            Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "  scrape_timeout: 1s",
                    "  evaluation_interval: 1s",
                    "scrape_configs:",
                    "  - job_name: ipmpd",
                    "    static_configs:",
                    "      - targets: [" + String.join(", ", quoted) + "]",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String url = "http://127.0.0.1:" + port;
        BackgroundProcess p = Netns.start(ns, "prometheus",
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn");
        PrometheusServer s = new PrometheusServer(ns, dir, url, p);
        try {
            boolean ready = Await.poll(readyWithin, Duration.ofMillis(100), () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("Prometheus exited:\n" + p.output());
                }
                return Netns.tryExecWithin(Duration.ofSeconds(20), ns, "python3", "-c", READY, url).ok();
            });
            if (!ready) {
                throw new AssertionError("Prometheus not ready at " + url + " within " + readyWithin + ":\n" + p.output());
            }
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** An instant query's result vector (now). */
    public List<Sample> query(String promql) {
        Netns.Result r = Netns.tryExecWithin(Duration.ofSeconds(30), ns, "python3", "-c", QUERY, url, promql);
        if (!r.ok()) {
            throw new IllegalStateException("query " + promql + ": " + r);
        }
        List<Sample> out = new ArrayList<>();
        for (String line : r.stdout().lines().toList()) {
            int tab = line.lastIndexOf('\t');
            out.add(new Sample(line.substring(0, tab), Double.parseDouble(line.substring(tab + 1))));
        }
        return out;
    }

    /** The value of a query that yields one sample; null when it yields none. */
    public Double value(String promql) {
        List<Sample> s = query(promql);
        if (s.size() > 1) {
            throw new IllegalStateException("query " + promql + " yields " + s.size() + " samples: " + s);
        }
        return s.isEmpty() ? null : s.get(0).value();
    }

    /** Waits until a query yields exactly one sample with the value. */
    public void awaitValue(String promql, double expected, Duration limit, java.util.function.Supplier<String> context) {
        boolean seen = Await.poll(limit, Duration.ofMillis(250), () -> {
            Double v = value(promql);
            return v != null && v == expected;
        });
        if (!seen) {
            throw new AssertionError("not within " + limit + ": " + promql + " == " + expected + " in Prometheus; it is "
                    + query(promql) + "\n" + context.get());
        }
    }

    /** The types the scrapes gave a metric family (e.g. "stateset" when the target spoke OpenMetrics). */
    public List<String> metadataTypes(String family) {
        Netns.Result r = Netns.tryExecWithin(Duration.ofSeconds(30), ns, "python3", "-c", METADATA, url, family);
        if (!r.ok()) {
            throw new IllegalStateException("metadata of " + family + ": " + r);
        }
        return r.stdout().lines().toList();
    }

    /** What Prometheus printed. */
    public String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
        TempDirs.delete(dir, Duration.ofSeconds(5));
    }
}
