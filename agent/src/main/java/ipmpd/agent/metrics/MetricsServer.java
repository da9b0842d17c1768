package ipmpd.agent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import ipmpd.agent.IpmpdLog;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * The Prometheus endpoint: {@code GET /metrics} on the address of {@code metrics.listen}, in the
 * text exposition format, or in OpenMetrics when the Accept header asks for
 * {@code application/openmetrics-text} (as Prometheus does); gzip when the client accepts it.
 * Served by the JDK's HTTP server on two threads of its own: a scrape waits at most for one
 * engine step (a snapshot, only when the model changed since the last scrape), and never holds
 * up the engine.
 */
public final class MetricsServer implements AutoCloseable {
    /** What a scrape collects. */
    public interface Collector {
        void collect(Exposition out) throws Exception;
    }

    private final HttpServer http;
    private final ExecutorService threads;
    private final List<Collector> collectors;
    private final IpmpdLog log;

    private MetricsServer(HttpServer http, ExecutorService threads, List<Collector> collectors, IpmpdLog log) {
        this.http = http;
        this.threads = threads;
        this.collectors = List.copyOf(collectors);
        this.log = log;
    }

    /**
     * Listens on the address and serves /metrics from the collectors (in order).
     *
     * @throws IOException the address cannot be bound
     */
    public static MetricsServer start(MetricsSettings settings, List<Collector> collectors, IpmpdLog log)
            throws IOException {
        HttpServer http;
        try {
            http = HttpServer.create(settings.listen(), 16);
        } catch (IOException e) {
            throw new IOException("metrics: cannot listen on " + text(settings.listen()) + ": " + e.getMessage(), e);
        }
        ThreadPoolExecutor threads = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "ipmpd-metrics");
            t.setDaemon(true);
            return t;
        });
        MetricsServer s = new MetricsServer(http, threads, collectors, log);
        http.setExecutor(threads);
        http.createContext("/", s::handle);
        http.start();
        log.info("Prometheus metrics on http://" + text(s.address()) + "/metrics");
        return s;
    }

    /** The address listened on (with the port actually bound). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            if (!path.equals("/metrics") && !path.equals("/")) {
                reply(x, 404, "text/plain; charset=utf-8", "Not found: the metrics are at /metrics\n", false);
                return;
            }
            String method = x.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                x.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(x, 405, "text/plain; charset=utf-8", "Method not allowed: use GET\n", false);
                return;
            }
            if (path.equals("/")) {
                reply(x, 200, "text/html; charset=utf-8", "<html><head><title>ipmpd</title></head><body>"
                        + "<p>ipmpd: <a href=\"/metrics\">metrics</a></p></body></html>\n", false);
                return;
            }
            Exposition.Format format = wantsOpenMetrics(x.getRequestHeaders().getFirst("Accept"))
                    ? Exposition.Format.OPENMETRICS : Exposition.Format.TEXT;
            Exposition e = new Exposition();
            try {
                for (Collector c : collectors) {
                    c.collect(e);
                }
            } catch (Exception | Error failure) {
                log.err("metrics: cannot collect: " + failure);
                reply(x, 503, "text/plain; charset=utf-8", "Cannot collect the metrics: " + failure + "\n", false);
                return;
            }
            reply(x, 200, format.contentType, e.render(format), acceptsGzip(x.getRequestHeaders().getFirst("Accept-Encoding")));
        } catch (IOException e) {
            // the client went away: nothing to tell it
        }
    }

    private static void reply(HttpExchange x, int status, String type, String body, boolean gzip) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (gzip) {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(bytes.length / 4 + 64);
            try (GZIPOutputStream z = new GZIPOutputStream(b)) {
                z.write(bytes);
            }
            bytes = b.toByteArray();
            x.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        x.getResponseHeaders().set("Content-Type", type);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream o = x.getResponseBody()) {
                o.write(bytes);
            }
        }
    }

    /** Whether an Accept header asks for OpenMetrics (with a q above 0). */
    static boolean wantsOpenMetrics(String accept) {
        return accepts(accept, "application/openmetrics-text");
    }

    static boolean acceptsGzip(String acceptEncoding) {
        return accepts(acceptEncoding, "gzip");
    }

    private static boolean accepts(String header, String what) {
        if (header == null) {
            return false;
        }
        for (String item : header.split(",")) {
            String[] parts = item.split(";");
            if (!parts[0].strip().toLowerCase(Locale.ROOT).equals(what)) {
                continue;
            }
            boolean wanted = true;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        wanted = Double.parseDouble(p.substring(2)) > 0;
                    } catch (NumberFormatException e) {
                        wanted = false;
                    }
                }
            }
            if (wanted) {
                return true;
            }
        }
        return false;
    }

    /** Stops listening and the threads (a scrape under way is cut short). */
    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
        log.info("Prometheus metrics endpoint stopped");
    }
}
