package ipmpd.tests.testbed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Traffic from the CLIENT namespace to the host's data address, as a user would see a
 * failover: a ping every 10 ms (raw ICMP / ICMPv6 from a Python stdlib helper) and one TCP
 * connection to an echo server in the HOST namespace with a 16-byte echo exchange every
 * 10 ms. {@link #stop()} returns a {@link Report}: pings sent / lost, the largest gap between
 * replies, and whether the TCP connection survived with every byte echoed in order.
 *
 * <pre>
 * try (ClientTraffic t = ClientTraffic.builder(tb).start()) {
 *     t.awaitRunning(Duration.ofSeconds(5));
 *     ... fail something ...
 *     ClientTraffic.Report r = t.stop();
 * }
 * </pre>
 *
 * The server binds the data address with IP_FREEBIND by default, so it may start before the
 * address exists; with {@code freebind(false)} it retries bind() every 10 ms until the address
 * appears (or the connect timeout passes). The client retries connect() every 50 ms until the
 * connect timeout.
 */
public final class ClientTraffic implements AutoCloseable {

    /** What the client saw. Gaps include start-to-first-reply and last-reply-to-stop. */
    public record Report(double durationMs, long pingsSent, long pingsReceived, long pingsLost, long pingDups,
                         double pingMaxGapMs, boolean tcpConnected, boolean tcpAlive, long tcpBytesSent,
                         long tcpBytesEchoed, boolean tcpInOrder, double tcpMaxGapMs, String tcpError) {

        /** Connected, never reset or closed, and every byte sent came back, in order. */
        public boolean tcpSurvived() {
            return tcpConnected && tcpAlive && tcpInOrder && tcpBytesEchoed == tcpBytesSent && tcpBytesSent > 0;
        }

        static Report parse(String line) {
            Map<String, String> v = new HashMap<>();
            for (String kv : line.substring("report ".length()).trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                v.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return new Report(Double.parseDouble(v.get("duration_ms")), Long.parseLong(v.get("pings_sent")),
                    Long.parseLong(v.get("pings_received")), Long.parseLong(v.get("pings_lost")),
                    Long.parseLong(v.get("ping_dups")), Double.parseDouble(v.get("ping_max_gap_ms")),
                    Boolean.parseBoolean(v.get("tcp_connected")), Boolean.parseBoolean(v.get("tcp_alive")),
                    Long.parseLong(v.get("tcp_bytes_sent")), Long.parseLong(v.get("tcp_bytes_echoed")),
                    Boolean.parseBoolean(v.get("tcp_in_order")), Double.parseDouble(v.get("tcp_max_gap_ms")),
                    v.get("tcp_error"));
        }
    }

    /** Options. */
    public static final class Builder {
        /** Starts the server's process in the host's namespace (true) or the client's in the client's. */
        private final java.util.function.BiFunction<Boolean, List<String>, BackgroundProcess> starter;
        private String dataAddress = TutorialTestbed.DATA_V4;
        private String pingTarget;
        private boolean ping = true;
        private boolean tcp = true;
        private int port = 5001;
        private Duration interval = Duration.ofMillis(10);
        private boolean freebind = true;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration tcpDrain = Duration.ofSeconds(3);
        private Duration pingDrain = Duration.ofMillis(300);

        private Builder(java.util.function.BiFunction<Boolean, List<String>, BackgroundProcess> starter) {
            this.starter = starter;
        }

        /** The address the server binds and the client connects to (default 192.0.2.50). */
        public Builder dataAddress(String a) {
            this.dataAddress = a;
            return this;
        }

        /** What to ping (default: the data address). */
        public Builder pingTarget(String a) {
            this.pingTarget = a;
            return this;
        }

        public Builder ping(boolean on) {
            this.ping = on;
            return this;
        }

        public Builder tcp(boolean on) {
            this.tcp = on;
            return this;
        }

        public Builder port(int p) {
            this.port = p;
            return this;
        }

        /** Ping and TCP exchange interval (default 10 ms). */
        public Builder interval(Duration d) {
            this.interval = d;
            return this;
        }

        /** Bind with IP_FREEBIND (default) or wait for the address to exist. */
        public Builder freebind(boolean on) {
            this.freebind = on;
            return this;
        }

        /** How long the client keeps retrying connect() (and the server bind() without freebind). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** How long stop() waits for outstanding echo replies / TCP echoes (0.3 s / 3 s). */
        public Builder drain(Duration ping, Duration tcp) {
            this.pingDrain = ping;
            this.tcpDrain = tcp;
            return this;
        }

        public ClientTraffic start() {
            return new ClientTraffic(this);
        }
    }

    public static Builder builder(TutorialTestbed tb) {
        return new Builder((onHost, cmd) -> tb.start(onHost ? TutorialTestbed.Ns.HOST : TutorialTestbed.Ns.CLIENT, cmd));
    }

    /** Traffic between two namespaces of another testbed (the server binds the data address in hostNs). */
    public static Builder builder(String hostNs, String clientNs) {
        return new Builder((onHost, cmd) -> Netns.start(onHost ? hostNs : clientNs, cmd));
    }

    /** Defaults: ping and TCP to 192.0.2.50. */
    public static ClientTraffic start(TutorialTestbed tb) {
        return builder(tb).start();
    }

    private final Builder cfg;
    private BackgroundProcess server;
    private BackgroundProcess client;
    private Report report;

    private ClientTraffic(Builder b) {
        this.cfg = b;
        try {
            if (b.tcp) {
                List<String> args = new ArrayList<>(List.of("--bind", b.dataAddress, "--port", String.valueOf(b.port),
                        "--bind-timeout", secs(b.connectTimeout)));
                if (b.freebind) {
                    args.add("--freebind");
                }
                server = b.starter.apply(true, TrafficScript.command("server", args.toArray(String[]::new)));
                if (b.freebind) {
                    server.awaitLine(l -> l.startsWith("listening"), b.connectTimeout.compareTo(Duration.ofSeconds(5)) > 0 ? b.connectTimeout : Duration.ofSeconds(5));
                }
            }
            List<String> args = new ArrayList<>(List.of("--interval", secs(b.interval),
                    "--connect-timeout", secs(b.connectTimeout), "--ping-drain", secs(b.pingDrain),
                    "--tcp-drain", secs(b.tcpDrain)));
            if (b.ping) {
                args.addAll(List.of("--ping", b.pingTarget != null ? b.pingTarget : b.dataAddress));
            }
            if (b.tcp) {
                args.addAll(List.of("--tcp", b.dataAddress, "--port", String.valueOf(b.port)));
            }
            client = b.starter.apply(false, TrafficScript.command("client", args.toArray(String[]::new)));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private static String secs(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    /** Waits until the first echo reply arrived and the TCP connection is up (as enabled). */
    public ClientTraffic awaitRunning(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        if (cfg.ping) {
            client.awaitLine(l -> l.startsWith("first-reply"), limit);
        }
        if (cfg.tcp) {
            client.awaitLine(l -> l.startsWith("tcp-connected"),
                    Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        return this;
    }

    /** Whether the TCP connection has been established (so far). */
    public boolean tcpConnected() {
        return client.findLine(l -> l.startsWith("tcp-connected")).isPresent();
    }

    /**
     * Stops sending, waits for outstanding replies (bounded by the drain limits) and returns
     * the report; stops the server. Calling it again returns the same report.
     */
    public synchronized Report stop() {
        if (report != null) {
            return report;
        }
        client.closeStdin();
        Duration limit = cfg.tcpDrain.plus(cfg.pingDrain).plusSeconds(5);
        String line = client.awaitLine(l -> l.startsWith("report "), limit);
        report = Report.parse(line);
        if (server != null) {
            server.closeStdin();
            server.waitFor(Duration.ofSeconds(2));
        }
        return report;
    }

    /** The helpers' output so far, for failure messages. */
    public String output() {
        return "client: " + (client == null ? "-" : client.output())
                + "\nserver: " + (server == null ? "-" : server.output());
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
