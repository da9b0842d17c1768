package ipmpd.agent;

import ipmpd.agent.control.ControlPaths;
import ipmpd.agent.control.ControlServer;
import ipmpd.agent.control.ControlService;
import ipmpd.agent.platform.DaemonPlatform;
import ipmpd.agent.platform.PlatformFactory;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.Family;
import ipmpd.engine.IfconfigCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * ipmpd, the daemon: {@code ipmpd [-c DIR] [-f] [--platform=NAME] [--platform-opt KEY=VALUE]...}.
 * <p>
 * It stays in the foreground (systemd Type=simple); {@code -f} also copies the log to standard
 * error. Start-up: read the configuration directory, build the platform and the engine (on the
 * {@link EngineLoop}), apply the hostname files as at boot, open the control socket. SIGHUP
 * rereads the configuration ({@link #reload()}); SIGTERM and SIGINT stop cleanly ({@link #close()}:
 * control socket closed and removed, platform and engine stopped).
 */
public final class Daemon implements AutoCloseable {
    public static final String USAGE =
            "Usage: ipmpd [-c <configdir>] [-f] [-d <category>[,<category>...]] [--platform=<name>] [--platform-opt <key>=<value>]...\n"
            + "       debug categories: all, probes, targets, phyint, config, snmp, netconf";

    /** The command line. */
    public record Options(Path configDir, boolean foreground, String platform, Map<String, String> platformOptions,
                          Path socket, java.util.Set<IpmpdLog.Category> debug) {
        public Options(Path configDir, boolean foreground, String platform, Map<String, String> platformOptions,
                       Path socket) {
            this(configDir, foreground, platform, platformOptions, socket, java.util.Set.of());
        }
    }

    /** A command line that cannot be understood. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Options options;
    private final IpmpdLog log;
    private final ConfigDirectory config;
    private final ListenerHub hub = new ListenerHub();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private EngineLoop loop;
    private EngineScheduling scheduling;
    private DaemonPlatform platform;
    private ControlServer server;
    /** The faces for an NMS: SNMP and NETCONF share the one configuration store. */
    private AgentFaces faces;
    private ConfigStore store;
    private volatile boolean closed;

    private Daemon(Options options, IpmpdLog log) {
        this.options = options;
        this.log = log;
        this.config = new ConfigDirectory(options.configDir(), log);
    }

    public static Options parseArgs(String[] args) throws UsageException {
        Path dir = ConfigDirectory.DEFAULT;
        boolean fg = false;
        String platform = PlatformFactory.DEFAULT;
        Map<String, String> popts = new LinkedHashMap<>();
        Path socket = null;
        java.util.Set<IpmpdLog.Category> debug = java.util.EnumSet.noneOf(IpmpdLog.Category.class);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-f")) {
                fg = true;
            } else if (a.equals("-d") || a.startsWith("--debug")) {
                // in.mpathd's -d debugs everything; here it takes the areas to trace, all by default
                String list;
                if (a.startsWith("--debug=")) {
                    list = a.substring("--debug=".length());
                } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                    list = args[++i];
                } else {
                    list = "all";
                }
                try {
                    debug.addAll(IpmpdLog.Category.parseList(list));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("ipmpd: " + e.getMessage());
                }
            } else if (a.startsWith("-d") && !a.startsWith("--")) {
                try {
                    debug.addAll(IpmpdLog.Category.parseList(a.substring(2)));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("ipmpd: " + e.getMessage());
                }
            } else if (a.equals("-c")) {
                if (++i >= args.length) {
                    throw new UsageException("ipmpd: option requires an argument -- c");
                }
                dir = Path.of(args[i]);
            } else if (a.startsWith("-c") && !a.startsWith("--")) {
                dir = Path.of(a.substring(2));
            } else if (a.startsWith("--platform=")) {
                platform = a.substring("--platform=".length());
            } else if (a.equals("--platform")) {
                if (++i >= args.length) {
                    throw new UsageException("ipmpd: option requires an argument -- platform");
                }
                platform = args[i];
            } else if (a.equals("--platform-opt") || a.startsWith("--platform-opt=")) {
                String kv;
                if (a.equals("--platform-opt")) {
                    if (++i >= args.length) {
                        throw new UsageException("ipmpd: option requires an argument -- platform-opt");
                    }
                    kv = args[i];
                } else {
                    kv = a.substring("--platform-opt=".length());
                }
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException("ipmpd: --platform-opt wants KEY=VALUE, not " + kv);
                }
                popts.put(kv.substring(0, eq), kv.substring(eq + 1));
            } else if (a.startsWith("--socket=")) {
                socket = Path.of(a.substring("--socket=".length()));
            } else {
                throw new UsageException(a.startsWith("--") ? "ipmpd: unknown option " + a
                        : a.startsWith("-") ? "ipmpd: illegal option -- " + a.substring(1)
                        : "ipmpd: unexpected argument " + a);
            }
        }
        return new Options(dir, fg, platform, Map.copyOf(popts), socket == null ? ControlPaths.socket() : socket,
                java.util.Set.copyOf(debug));
    }

    /** Starts a daemon: configuration read, engine booted, control socket open. */
    public static Daemon start(Options options, IpmpdLog log) throws Exception {
        return start(options, log, d -> { });
    }

    /**
     * Like {@link #start(Options, IpmpdLog)}; {@code beforeReady} runs once everything is up, just
     * before "ipmpd started" is logged (the process installs its signal handlers there, so that a
     * SIGHUP sent on seeing that line is never taken by the JVM's default handler).
     */
    public static Daemon start(Options options, IpmpdLog log, java.util.function.Consumer<Daemon> beforeReady)
            throws Exception {
        Daemon d = new Daemon(options, log);
        try {
            d.startUp(beforeReady);
        } catch (Exception | Error e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void startUp(java.util.function.Consumer<Daemon> beforeReady) throws Exception {
        if (!options.debug().isEmpty()) {
            log.setDebug(options.debug());
        }
        // before any library class logs: SSHD (SLF4J) and SNMP4J write to the daemon's log
        ipmpd.agent.log.LibraryLogs.routeTo(log);
        hub.add(new EngineListener() {
            @Override
            public void log(String message) {
                log.engine(message);
            }
        });
        loop = new EngineLoop("ipmpd-engine", t -> log.err("internal error", t));
        // The engine thread's lines are written after its turn: a failover's moves and
        // announcements first (a write wakes whoever reads the log, and may hand it the CPU).
        loop.afterWork(log::release);
        loop.start();
        loop.call(() -> {
            log.holdMessagesOf(Thread.currentThread());
            return null;
        });
        hub.add(new DebugTrace(log, loop));
        store = new ConfigStore(options.configDir());
        try {
            if (store.journal().recover()) {
                log.notice("A configuration commit was interrupted when ipmpd stopped: it is completed");
            }
        } catch (java.io.IOException e) {
            log.err("Cannot complete an interrupted configuration commit: " + e.getMessage());
        }
        try {
            if (store.restorePendingRollback()) {
                log.notice("A NETCONF confirmed commit was pending when ipmpd stopped: the configuration before it "
                        + "is restored (RFC 6241 8.4)");
            }
        } catch (java.io.IOException e) {
            log.err("Cannot restore the configuration before a pending confirmed commit: " + e.getMessage());
        }
        EngineConfig ec = config.readMpathd();
        ConfigDirectory.AgentConf agentConf = config.readAgentConf();
        List<ConfigDirectory.HostnameFile> files = config.readHostnameFiles();
        List<String> ipmpConf = config.readIpmpConf();
        scheduling = new EngineScheduling(loop, log);
        scheduling.apply(agentConf.settings(), "");
        ipmpd.agent.netconf.NetconfServer.Preload yang = null;
        try {
            ipmpd.agent.netconf.NetconfSettings ns =
                    ipmpd.agent.netconf.NetconfSettings.parse(agentConf.settings(), options.configDir());
            if (ns.enabled()) {
                yang = ipmpd.agent.netconf.NetconfServer.preload(ns); // parsed while the rest starts
            }
        } catch (Exception e) {
            // AgentFaces reports the bad setting when it starts the faces
        }
        platform = PlatformFactory.createPlatform(options.platform(), loop,
                new PlatformFactory.Context(options.platformOptions(), config, files, log));
        loop.call(() -> {
            Engine e = new Engine(System::nanoTime, platform, hub, new SplittableRandom(), ec);
            loop.bind(e);
            platform.start(e);
            return null;
        });
        // The platform queues what exists (NICs, links, routes) on the engine thread; the boot
        // configuration runs after it, so present NICs are not taken for missing ones.
        loop.call(() -> {
            config.boot(loop.engine(), files, ipmpConf);
            platform.removeOrphans(); // what a crash left of a configuration the files no longer hold
            return null;
        });
        log.debug(IpmpdLog.Category.CONFIG, "read " + options.configDir() + ": " + files.size() + " hostname file(s), "
                + ipmpConf.size() + " ipmp.conf line(s), agent.conf keys " + agentConf.settings().keySet());
        // Before the faces and the control socket open (the first failovers after a start then run
        // compiled code): a client that sees the socket answer may signal the daemon, so the
        // socket opens just before the signal handlers are installed.
        log.debug(IpmpdLog.Category.CONFIG, FailoverWarmUp.runAtStartUp().toString());
        faces = new AgentFaces(options.configDir(), loop, hub, store, log, platform);
        faces.start(agentConf.settings(), yang);
        server = ControlServer.open(options.socket(), new ControlService(loop, hub, store), log);
        beforeReady.accept(this);
        log.info("ipmpd started: configuration " + options.configDir() + ", platform " + options.platform()
                + ", control socket " + server.path());
    }

    public EngineLoop loop() {
        return loop;
    }

    /** The Prometheus endpoint, or null when it is off. */
    public ipmpd.agent.metrics.MetricsServer metrics() {
        return faces == null ? null : faces.metrics();
    }

    public ListenerHub listeners() {
        return hub;
    }

    public DaemonPlatform platform() {
        return platform;
    }

    public Path socket() {
        return server.path();
    }

    public IpmpdLog log() {
        return log;
    }

    /** The SNMP and NETCONF faces (tests). */
    AgentFaces faces() {
        return faces;
    }

    /**
     * SIGHUP: rereads {@code mpathd} (applied at once, keys missing from it back to their
     * defaults), {@code agent.conf}, the hostname files and {@code ipmp.conf}. The hostname files
     * become the interfaces' boot configuration (replayed when a NIC attaches); a file for an
     * interface not yet configured in its address family is applied now; then ipmp.conf is applied
     * again. The SNMP agent and the NETCONF server restart with agent.conf's new settings when
     * theirs changed ({@link AgentFaces#apply}), on this thread, after the engine's part. Problems
     * are logged.
     *
     * @return the problems the hostname files and ipmp.conf caused
     */
    public List<String> reload() throws Exception {
        log.notice("SIGHUP: restart and reread config file");
        EngineConfig ec;
        ConfigDirectory.AgentConf agentConf;
        List<ConfigDirectory.HostnameFile> files;
        List<String> ipmpConf;
        synchronized (store.journal().lock()) { // never half of a commit being installed
            ec = config.readMpathd();
            agentConf = config.readAgentConf();
            files = config.readHostnameFiles();
            ipmpConf = config.readIpmpConf();
        }
        List<String> problemsOfFiles = loop.call(() -> {
            Engine e = loop.engine();
            e.applyConfig(ec);
            EngineSnapshot s = e.snapshot();
            List<String> problems = new ArrayList<>();
            for (ConfigDirectory.HostnameFile h : files) {
                e.setBootConfig(h.ifname(), h.family(), h.lines());
                if (!plumbed(s, h.ifname(), h.family())) {
                    problems.addAll(IfconfigCommand.applyFile(e, h.ifname(), h.family(), h.lines()));
                }
            }
            problems.addAll(ConfigDirectory.reapplyIpmpConf(e, ipmpConf));
            for (String p : problems) {
                log.err(p);
            }
            return problems;
        });
        scheduling.apply(agentConf.settings(), "SIGHUP: ");
        synchronized (this) {
            if (!closed && faces != null) {
                faces.apply(agentConf.settings());
            }
        }
        return problemsOfFiles;
    }

    private static boolean plumbed(EngineSnapshot s, String ifname, Family f) {
        return s.iface(ifname).map(i -> i.lifs().stream().anyMatch(l -> l.family() == f))
                .or(() -> s.ipmpInterface(ifname).map(i -> i.lifs().stream().anyMatch(l -> l.family() == f)))
                .orElse(false);
    }

    /** Asks the daemon to stop (from a signal handler); {@link #awaitStop()} returns. */
    public void requestStop() {
        stopRequested.countDown();
    }

    public void awaitStop() throws InterruptedException {
        stopRequested.await();
    }

    /** Stops: control socket closed and its file removed, platform and engine thread stopped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopRequested.countDown();
        if (server != null) {
            server.close();
        }
        if (faces != null) {
            faces.close();
        }
        if (loop != null) {
            loop.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) {
        Options o;
        try {
            o = parseArgs(args);
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        IpmpdLog log = IpmpdLog.open(o.foreground());
        Daemon d;
        try {
            d = start(o, log, daemon -> {
                Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "ipmpd-shutdown"));
                Signals.install(daemon);
            });
        } catch (Exception e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof RuntimeException) {
                log.err("ipmpd: internal error at start-up", e); // a bug, not a configuration problem
            } else {
                log.err("ipmpd: " + m);
            }
            if (!o.foreground() && log.syslogAvailable()) {
                System.err.println("ipmpd: " + m);
            }
            log.close();
            System.exit(1);
            return;
        }
        try {
            d.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        d.close();
        log.info("ipmpd stopped");
        log.close();
        System.exit(0);
    }
}
