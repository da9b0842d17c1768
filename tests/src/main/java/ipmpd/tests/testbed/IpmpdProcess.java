package ipmpd.tests.testbed;

import ipmpd.testkit.TempDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real daemon ({@code bin/ipmpd -c DIR -f --socket=PATH}) as a child process inside a
 * network namespace, with a temporary configuration directory and control socket.
 *
 * <pre>
 * try (IpmpdProcess d = IpmpdProcess.builder(tb.ns(HOST))
 *         .mpathd("FAILURE_DETECTION_TIME=1000", "PROBE_QUIET_PERIOD=0")
 *         .file("hostname.m1", "192.0.2.11/24 deprecated -failover group prod up", "addif 192.0.2.50/24 up")
 *         .start()) {
 *     d.awaitLog("IP interface failure detected on m1", Duration.ofSeconds(3));
 *     d.ipmpstat("-i").out();
 * }
 * </pre>
 *
 * <p>Every line the daemon prints (its {@code -f} log on standard error, and anything on standard
 * output) is kept as a {@link LogLine} with the moment it was read and the daemon's own
 * timestamp. {@link #ipmpstat}, {@link #ifMpadm} and {@link #ipmpadm} speak the control protocol
 * (ipmpd.agent.control.ControlProtocol, version 1) over the Unix socket directly: a request
 * costs about a millisecond, so tests may poll. {@link #launcher} runs the real bin/ tools (a JVM
 * each) with {@code IPMPD_SOCKET} set, from the root namespace.
 *
 * <p>{@link #stop()} sends SIGTERM and checks the exit status 0; {@link #close()} always kills
 * the daemon (SIGKILL if still running) and removes the temporary directory; a JVM shutdown hook
 * kills daemons still running.
 */
public final class IpmpdProcess implements AutoCloseable {

    /** One line of the daemon's output. */
    public record LogLine(int index, Instant received, Instant stamped, String text, String message) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** Outcome of a tool run. */
    public record ToolResult(List<String> argv, int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }

        /** Non-empty lines of standard output. */
        public List<String> lines() {
            return out.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return String.join(" ", argv) + " -> exit " + exit + "\n" + out + (err.isEmpty() ? "" : "--- stderr ---\n" + err);
        }
    }

    private static final Set<IpmpdProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);
    private static final Pattern LINE = Pattern.compile(
            "(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) in\\.mpathd\\[(\\d+)\\]: (.*)");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (IpmpdProcess p : List.copyOf(LIVE)) {
                p.close();
            }
        }, "ipmpd-process-reaper"));
    }

    /** Options; files are written when {@link #start()} runs. */
    public static final class Builder {
        private final String ns;
        private final Map<String, String> files = new LinkedHashMap<>();
        private final List<String> extraArgs = new ArrayList<>();
        // A start on a machine under heavy load took over 30 s (JVM, key generation, warm-up);
        // a daemon that died is noticed at once, so the wait can be long.
        private Duration readyTimeout = ipmpd.testkit.Await.PATIENCE.multipliedBy(3);
        private String echo;
        private List<String> command;
        private Path configDir;
        private String javaOpts;

        private Builder(String ns) {
            this.ns = ns;
        }

        /** The {@code mpathd} file, one KEY=VALUE per argument. */
        public Builder mpathd(String... lines) {
            return file("mpathd", lines);
        }

        /** A file of the configuration directory (hostname.IF, hostname6.IF, ipmp.conf, ...). */
        public Builder file(String name, String... lines) {
            files.put(name, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
            return this;
        }

        /** More daemon arguments. */
        public Builder args(String... a) {
            extraArgs.addAll(Arrays.asList(a));
            return this;
        }

        /** IPMPD_JAVA_OPTS of the daemon (JVM options); also {@link IpmpdProcess#javaOpts} for later starts. */
        public Builder javaOpts(String opts) {
            this.javaOpts = opts;
            return this;
        }

        /** How long {@link #start()} waits for the control socket to answer (30 s). */
        public Builder readyTimeout(Duration d) {
            this.readyTimeout = d;
            return this;
        }

        /**
         * Runs {@code argv} (inside the namespace) instead of {@code bin/ipmpd -c DIR -f
         * --socket=PATH}: an installed daemon with its own command line, which names its
         * configuration directory {@code configDir} (the files of {@link #file} are written there).
         * The control socket is passed as $IPMPD_SOCKET; {@link #args} are appended.
         */
        public Builder command(List<String> argv, Path configDir) {
            this.command = List.copyOf(argv);
            this.configDir = configDir;
            return this;
        }

        /** Copies every daemon line to this JVM's standard output as it arrives, after {@code prefix} (the demo); null: not. */
        public Builder echo(String prefix) {
            this.echo = prefix;
            return this;
        }

        public IpmpdProcess start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("ipmpd-");
                Path etc = configDir != null ? configDir : dir.resolve("etc");
                Files.createDirectories(etc);
                for (Map.Entry<String, String> f : files.entrySet()) {
                    Files.writeString(etc.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            IpmpdProcess p = new IpmpdProcess(this, dir);
            try {
                p.launch();
            } catch (RuntimeException | Error e) {
                p.close();
                throw e;
            }
            return p;
        }
    }

    public static Builder builder(String ns) {
        return new Builder(ns);
    }

    private final Builder cfg;
    /** IPMPD_JAVA_OPTS of the next start ({@link #javaOpts}); null: this JVM's environment decides. */
    private volatile String javaOpts;
    private final Path dir;
    private final Path configDir;
    private final Path socket;
    private final List<LogLine> lines = new ArrayList<>();
    private final List<String> earlier = new ArrayList<>();
    private Process process;
    private Thread reader;
    private volatile boolean closed;

    private IpmpdProcess(Builder b, Path dir) {
        this.cfg = b;
        this.javaOpts = b.javaOpts;
        this.dir = dir;
        this.configDir = b.configDir != null ? b.configDir : dir.resolve("etc");
        this.socket = dir.resolve("ipmpd.sock");
    }

    // ------------------------------------------------------------------ where things are

    /**
     * The checkout: system property ipmpd.root, $IPMPD_ROOT, else the first parent of the working
     * directory or of these classes holding bin/ipmpd.
     */
    public static Path root() {
        String r = System.getProperty("ipmpd.root", System.getenv("IPMPD_ROOT"));
        if (r != null && !r.isEmpty()) {
            return Path.of(r).toAbsolutePath();
        }
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(IpmpdProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // no code source: the working directory must do
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isExecutable(p.resolve("bin/ipmpd"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("cannot find bin/ipmpd above " + starts + "; set IPMPD_ROOT");
    }

    /**
     * net-snmp's {@code -M} for the checkout's MIBs: IPMP-MIB (mib/) and the standard modules it
     * and the agent's other objects need (mib/ietf/). Nothing outside the repository.
     */
    public static String mibDirs() {
        Path mib = root().resolve("mib");
        return mib + ":" + mib.resolve("ietf");
    }

    /** Whether the daemon was built (bin/ipmpd would start). */
    public static boolean built() {
        try {
            Path t = root().resolve("agent/target");
            if (!Files.isDirectory(t.resolve("lib"))) {
                return false;
            }
            try (Stream<Path> s = Files.list(t)) {
                return s.anyMatch(p -> p.getFileName().toString().matches("ipmpd-agent-.*(?<!-sources|-tests)\\.jar"));
            }
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    public String namespace() {
        return cfg.ns;
    }

    public Path configDir() {
        return configDir;
    }

    public Path socket() {
        return socket;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Writes (replaces) a file of the configuration directory; a {@link #hup()} makes the daemon read it. */
    public void writeFile(String name, String... content) {
        try {
            Files.writeString(configDir.resolve(name), content.length == 0 ? "" : String.join("\n", content) + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String readFile(String name) {
        try {
            return Files.readString(configDir.resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ life cycle

    private void launch() {
        List<String> argv = new ArrayList<>(cfg.command != null
                ? Netns.command(cfg.ns, cfg.command.toArray(String[]::new))
                : Netns.command(cfg.ns, root().resolve("bin/ipmpd").toString(),
                        "-c", configDir.toString(), "-f", "--socket=" + socket));
        argv.addAll(cfg.extraArgs);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("IPMPD_SOCKET", socket.toString()); // for a command without --socket
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (javaOpts != null) {
            pb.environment().put("IPMPD_JAVA_OPTS", javaOpts);
        }
        int launched = mark();
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv, e);
        }
        LIVE.add(this);
        Process proc = process;
        reader = new Thread(() -> read(proc), "ipmpd-log-" + proc.pid());
        reader.setDaemon(true);
        reader.start();
        awaitReady(cfg.readyTimeout);
        if (cfg.command == null) {
            // ready means "ipmpd started": its signal handlers are in place from then on
            awaitLog(launched, "^ipmpd started: ", cfg.readyTimeout);
        }
    }

    private void read(Process proc) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                Instant now = Instant.now();
                Matcher m = LINE.matcher(l);
                Instant stamped = null;
                String message = l;
                if (m.matches()) {
                    stamped = LocalDateTime.parse(m.group(1), STAMP).atZone(ZoneId.systemDefault()).toInstant();
                    message = m.group(3);
                }
                synchronized (this) {
                    LogLine ll = new LogLine(lines.size(), now, stamped, l, message);
                    lines.add(ll);
                    notifyAll();
                }
                if (cfg.echo != null) {
                    System.out.println(cfg.echo + l);
                    System.out.flush();
                }
            }
        } catch (IOException ignored) {
            // killed
        }
        synchronized (this) {
            notifyAll();
        }
    }

    private void awaitReady(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (!process.isAlive()) {
                waitReader();
                throw new AssertionError("ipmpd exited (status " + process.exitValue() + ") before answering:\n" + log());
            }
            if (Files.exists(socket)) {
                try {
                    if (tool("ipmpstat", "-g").exit() != 2) {
                        return;
                    }
                } catch (UncheckedIOException e) {
                    // not listening yet
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("ipmpd did not answer on " + socket + " within " + limit.toMillis() + " ms:\n" + log());
            }
            Netns.sleepQuietly(20);
        }
    }

    private void waitReader() {
        try {
            if (reader != null) {
                reader.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** JVM options for the next {@link #restart()} (IPMPD_JAVA_OPTS), e.g. a class-data archive. */
    public void javaOpts(String opts) {
        this.javaOpts = opts;
    }

    /** Sends a signal ({@code kill -s SIG PID}). */
    public void signal(String sig) {
        Netns.exec(null, "kill", "-s", sig, Long.toString(process.pid()));
    }

    /** SIGHUP: the daemon rereads its configuration; returns once it logged so. */
    public LogLine hup() {
        int mark = mark();
        signal("HUP");
        return awaitLog(mark, Pattern.quote("SIGHUP: restart and reread config file"), Duration.ofSeconds(10));
    }

    /** SIGKILL; waits until the process is gone. Returns the exit status (137). */
    public int kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        waitReader();
        return process.exitValue();
    }

    /** SIGTERM, then asserts a clean exit (status 0 within 10 s) and that the socket is gone. */
    public void stop() {
        stop(Duration.ofSeconds(10));
    }

    /** The same, waiting at most {@code limit} for the exit. */
    public void stop(Duration limit) {
        process.destroy();
        boolean done;
        try {
            done = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        waitReader();
        if (!done) {
            throw new AssertionError("ipmpd did not stop within " + limit.toMillis() + " ms of SIGTERM:\n" + log());
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("ipmpd exited with status " + process.exitValue() + " on SIGTERM:\n" + log());
        }
        if (Files.exists(socket)) {
            throw new AssertionError("ipmpd left its socket " + socket + " behind");
        }
    }

    /**
     * Starts the daemon again on the same configuration directory and socket (after
     * {@link #kill9()} or {@link #stop()}); earlier output stays readable in {@link #log()}.
     */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("ipmpd still running");
        }
        synchronized (this) {
            for (LogLine l : lines) {
                earlier.add(l.text());
            }
            earlier.add("---- restarted ----");
            lines.clear();
        }
        launch();
    }

    /**
     * Kills the daemon if still running (SIGKILL) and removes the temporary directory (not a
     * configuration directory given to {@link Builder#command}). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process != null && process.isAlive()) {
            Netns.killTree(process.toHandle());
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(this);
        TempDirs.delete(dir); // best effort
    }

    // ------------------------------------------------------------------ the log

    /** Everything the daemon printed (earlier runs too), for failure messages. */
    public synchronized String log() {
        StringBuilder sb = new StringBuilder();
        for (String e : earlier) {
            sb.append(e).append('\n');
        }
        for (LogLine l : lines) {
            sb.append(l.text()).append('\n');
        }
        return sb.toString();
    }

    /** The lines of the current run so far. */
    public synchronized List<LogLine> lines() {
        return List.copyOf(lines);
    }

    /** The number of lines so far: pass it to the awaitLog/findLog variants to look only at what follows. */
    public synchronized int mark() {
        return lines.size();
    }

    /** The first message (the part after "in.mpathd[PID]: ") at or after {@code from} that the regex finds. */
    public synchronized Optional<LogLine> findLog(int from, String regex) {
        Pattern p = Pattern.compile(regex);
        for (int i = Math.max(0, from); i < lines.size(); i++) {
            if (p.matcher(lines.get(i).message()).find()) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }

    /** Messages at or after {@code from} that the regex finds. */
    public synchronized List<LogLine> findAll(int from, String regex) {
        Pattern p = Pattern.compile(regex);
        List<LogLine> out = new ArrayList<>();
        for (int i = Math.max(0, from); i < lines.size(); i++) {
            if (p.matcher(lines.get(i).message()).find()) {
                out.add(lines.get(i));
            }
        }
        return out;
    }

    /** Waits for a message the regex finds, anywhere in this run's log. */
    public LogLine awaitLog(String regex, Duration timeout) {
        return awaitLog(0, regex, timeout);
    }

    /** Waits for a message the regex finds at or after line {@code from} ({@link #mark()}). */
    public LogLine awaitLog(int from, String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        int next = Math.max(0, from);
        synchronized (this) {
            while (true) {
                for (; next < lines.size(); next++) {
                    if (p.matcher(lines.get(next).message()).find()) {
                        return lines.get(next);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("ipmpd logged nothing matching /" + regex + "/ within "
                            + timeout.toMillis() + " ms; log:\n" + log());
                }
                if (!process.isAlive() && !reader.isAlive()) {
                    throw new AssertionError("ipmpd exited without logging /" + regex + "/; log:\n" + log());
                }
                try {
                    wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the tools

    public ToolResult ipmpstat(String... args) {
        return tool("ipmpstat", args);
    }

    public ToolResult ifMpadm(String... args) {
        return tool("if_mpadm", args);
    }

    public ToolResult ipmpadm(String... args) {
        return tool("ipmpadm", args);
    }

    /** {@code ipmpstat -P -o FIELDS MODE}: one list of fields per row. */
    public List<List<String>> parsable(String mode, String fields) {
        ToolResult r = ipmpstat("-n", "-P", "-o", fields, mode);
        if (!r.ok()) {
            throw new AssertionError(r.toString());
        }
        List<List<String>> rows = new ArrayList<>();
        for (String l : r.lines()) {
            rows.add(splitParsable(l));
        }
        return rows;
    }

    /** Splits a {@code -P} line at unescaped colons, unescaping "\:" and "\\". */
    static List<String> splitParsable(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /** A row of {@code ipmpstat -i} as a map FIELD -> value (upper-case field names), keyed by interface. */
    public Map<String, Map<String, String>> interfaces() {
        String fields = "INTERFACE,ACTIVE,GROUP,FLAGS,LINK,PROBE,STATE";
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (List<String> row : parsable("-i", fields)) {
            Map<String, String> m = new LinkedHashMap<>();
            String[] names = fields.split(",");
            for (int i = 0; i < names.length && i < row.size(); i++) {
                m.put(names[i], row.get(i));
            }
            out.put(row.get(0), m);
        }
        return out;
    }

    /**
     * Waits until every named interface had {@code answers} probes answered, as {@code ipmpstat -p}
     * streams them (the state columns of ipmpstat -i say "ok" before the first reply). Returns the
     * stream lines seen.
     */
    public List<String> awaitProbesAnswered(Duration limit, int answers, String... ifnames) {
        Map<String, Integer> count = new ConcurrentHashMap<>();
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try (AutoCloseable stream = probeStream(line -> {
            seen.add(line);
            String[] f = line.trim().split("\\s+");
            if (f.length >= 7 && f[3].endsWith("ms")) {
                count.merge(f[1], 1, Integer::sum);
            }
            if (Arrays.stream(ifnames).allMatch(n -> count.getOrDefault(n, 0) >= answers)) {
                done.countDown();
            }
        })) {
            if (!done.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("not every one of " + Arrays.toString(ifnames) + " had " + answers
                        + " probes answered within " + limit.toMillis() + " ms: " + count + "\n" + String.join("\n", seen)
                        + "\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return List.copyOf(seen);
    }

    /**
     * Streams {@code ipmpstat -p} (header included) line by line to {@code sink}, on a thread of
     * its own, until the returned handle is closed (which hangs up, as ^C would).
     */
    public AutoCloseable probeStream(java.util.function.Consumer<String> sink) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        writeFrame(ch, (byte) 'R', encode(List.of("ipmpstat", "-p")));
        Thread t = new Thread(() -> {
            StringBuilder partial = new StringBuilder();
            try {
                while (true) {
                    ByteBuffer head = ByteBuffer.allocate(5);
                    if (!fill(ch, head)) {
                        return;
                    }
                    head.flip();
                    byte type = head.get();
                    int n = head.getInt();
                    ByteBuffer body = ByteBuffer.allocate(n);
                    if (n > 0 && !fill(ch, body)) {
                        return;
                    }
                    if (type == 'X') {
                        return;
                    }
                    if (type == 'O') {
                        partial.append(new String(body.array(), StandardCharsets.UTF_8));
                        int nl;
                        while ((nl = partial.indexOf("\n")) >= 0) {
                            sink.accept(partial.substring(0, nl));
                            partial.delete(0, nl + 1);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // hung up
            }
        }, "ipmpstat-p");
        t.setDaemon(true);
        t.start();
        return () -> {
            ch.close();
            t.join(2000);
        };
    }

    /** Runs a tool in the daemon (over the control socket) and collects its output. */
    public ToolResult tool(String tool, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(tool);
        argv.addAll(Arrays.asList(args));
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            writeFrame(ch, (byte) 'R', encode(argv));
            while (true) {
                ByteBuffer head = ByteBuffer.allocate(5);
                if (!fill(ch, head)) {
                    throw new IOException("connection to ipmpd lost; output so far: " + out + err);
                }
                head.flip();
                byte type = head.get();
                int n = head.getInt();
                if (n < 0 || n > (1 << 20)) {
                    throw new IOException("bad frame length " + n);
                }
                ByteBuffer body = ByteBuffer.allocate(n);
                if (n > 0 && !fill(ch, body)) {
                    throw new IOException("connection to ipmpd lost inside a frame");
                }
                String text = new String(body.array(), StandardCharsets.UTF_8);
                switch (type) {
                    case 'O' -> out.append(text);
                    case 'E' -> err.append(text);
                    case 'X' -> {
                        return new ToolResult(argv, ByteBuffer.wrap(body.array()).getInt(), out.toString(), err.toString());
                    }
                    default -> throw new IOException("unexpected frame type " + (char) type);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("control socket " + socket + ": " + argv, e);
        }
    }

    private static byte[] encode(List<String> argv) {
        List<byte[]> parts = argv.stream().map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
        int size = 3 + parts.stream().mapToInt(p -> 4 + p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) 1).putShort((short) argv.size());
        for (byte[] p : parts) {
            b.putInt(p.length).put(p);
        }
        return b.array();
    }

    private static void writeFrame(SocketChannel ch, byte type, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.put(type).putInt(payload.length).put(payload).flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static boolean fill(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the real launcher {@code bin/TOOL ARGS...} (ipmpstat, if_mpadm, ipmpadm) in the root
     * namespace with IPMPD_SOCKET pointing at this daemon.
     */
    public ToolResult launcher(String tool, String... args) {
        List<String> argv = new ArrayList<>(List.of("env", "IPMPD_SOCKET=" + socket, root().resolve("bin").resolve(tool).toString()));
        argv.addAll(Arrays.asList(args));
        Netns.Result r = Netns.run(Duration.ofSeconds(30), argv);
        List<String> shown = new ArrayList<>();
        shown.add(tool);
        shown.addAll(Arrays.asList(args));
        return new ToolResult(shown, r.exitCode(), r.stdout(), r.stderr());
    }

    @Override
    public String toString() {
        return "ipmpd[" + (process == null ? "-" : process.pid()) + " in " + cfg.ns + "]";
    }
}
