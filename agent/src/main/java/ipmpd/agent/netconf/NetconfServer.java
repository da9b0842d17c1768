package ipmpd.agent.netconf;

import ipmpd.agent.ConfigStore;
import ipmpd.agent.EngineLoop;
import ipmpd.agent.IpmpdLog;
import ipmpd.agent.ListenerHub;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.server.subsystem.SubsystemFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The NETCONF face of ipmpd: RFC 6241 over SSH (RFC 6242) with Apache MINA SSHD. Only the
 * {@code netconf} subsystem is served (no shell, no exec, no forwarding); users and their roles
 * come from the users file ({@link NetconfUsers}); the host key is kept in the configuration
 * directory. Configuration goes through the daemon's one {@link ConfigStore}; state and
 * notifications come from the engine through the {@link EngineLoop} and {@link ListenerHub}.
 * <p>
 * Start with {@link #start}, stop with {@link #close} (before the engine loop is closed).
 */
public final class NetconfServer implements AutoCloseable {
    static final AttributeRepository.AttributeKey<NetconfUsers.Role> ROLE = new AttributeRepository.AttributeKey<>();

    static final String BASE_10 = "urn:ietf:params:netconf:base:1.0";
    static final String BASE_11 = "urn:ietf:params:netconf:base:1.1";

    private final NetconfSettings settings;
    private final IpmpdLog log;
    private final EngineLoop loop;
    private final ListenerHub hub;
    private final YangSchema schema;
    private final Datastores datastores;
    private final NotificationHub notifications;
    private final Monitoring monitoring;
    private final NetconfUsers users;
    private final Nacm nacm;
    private final List<String> capabilities;
    private final ScheduledExecutorService timer;
    private final Map<Integer, NetconfSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger nextSessionId = new AtomicInteger(1);
    private SshServer sshd;
    private LoginGuard login;
    private volatile boolean closed;

    private NetconfServer(NetconfSettings settings, EngineLoop loop, ListenerHub hub, ConfigStore store,
                          IpmpdLog log, YangSchema schema, NetconfUsers users, Nacm nacm) {
        this.settings = settings;
        this.log = log;
        this.loop = loop;
        this.hub = hub;
        this.schema = schema;
        this.users = users;
        this.nacm = nacm;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "netconf-timer");
            t.setDaemon(true);
            return t;
        });
        this.notifications = new NotificationHub(loop, settings.replayHistory());
        this.datastores = new Datastores(schema, loop, store, log, timer, new Datastores.Events() {
            @Override
            public void configChanged(int sid, String operation) {
                notifications.configChanged(who(sid), operation);
            }

            @Override
            public void confirmedCommit(int sid, String event, long timeoutS) {
                notifications.confirmedCommit(event.equals("timeout") ? null : who(sid), event, timeoutS);
            }
        }, nacm);
        List<String> caps = new ArrayList<>(List.of(BASE_10, BASE_11,
                "urn:ietf:params:netconf:capability:writable-running:1.0",
                "urn:ietf:params:netconf:capability:candidate:1.0",
                "urn:ietf:params:netconf:capability:confirmed-commit:1.0",
                "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
                "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
                "urn:ietf:params:netconf:capability:validate:1.0",
                "urn:ietf:params:netconf:capability:validate:1.1",
                "urn:ietf:params:netconf:capability:notification:1.0",
                "urn:ietf:params:netconf:capability:interleave:1.0",
                "urn:ietf:params:netconf:capability:xpath:1.0",
                WithDefaults.CAPABILITY));
        Monitoring probe = new Monitoring(schema, List.of());
        caps.add("urn:ietf:params:netconf:capability:yang-library:1.0?revision=2019-01-04&module-set-id="
                + probe.contentId());
        caps.add("urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&content-id="
                + probe.contentId());
        caps.add(Xml.BASE + "?module=ietf-netconf&revision=2011-06-01"
                + "&features=writable-running,candidate,confirmed-commit,rollback-on-error,validate,xpath");
        caps.add(Xml.NCM + "?module=ietf-netconf-monitoring&revision=2010-10-04");
        caps.add(Xml.WITH_DEFAULTS + "?module=ietf-netconf-with-defaults&revision=2011-06-01");
        caps.add(GetData.NS + "?module=ietf-netconf-nmda&revision=2019-01-07&features=origin,with-defaults");
        caps.add(GetData.ORIGIN + "?module=ietf-origin&revision=2018-02-14");
        caps.add(NotificationHub.NC_NOTIFICATIONS + "?module=ietf-netconf-notifications&revision=2012-02-06");
        caps.add(NotificationHub.NETMOD_NOTIFICATION + "?module=nc-notifications&revision=2008-07-14");
        caps.add(NacmConfig.NS + "?module=" + NacmConfig.MODULE + "&revision=2018-02-14");
        // the YANG 1.0 modules of the data (RFC 7950 5.6.4): the interface tree and its types
        for (YangSchema.ModuleText m : schema.modules()) {
            if (m.name().equals("ietf-interfaces") || m.name().equals("iana-if-type")) {
                caps.add(m.namespace() + "?module=" + m.name() + "&revision=" + m.revision());
            }
        }
        this.capabilities = List.copyOf(caps);
        this.monitoring = new Monitoring(schema, capabilities);
    }

    /**
     * Loads the module and the users (creating the users file with a generated password on the
     * first start), opens the SSH port, and subscribes to the engine's events.
     *
     * @throws IOException when the module, the users, the host key or the port are unusable
     */
    public static NetconfServer start(NetconfSettings settings, EngineLoop loop, ListenerHub hub, ConfigStore store,
                                      IpmpdLog log) throws IOException {
        return start(settings, loop, hub, store, log, preload(settings));
    }

    /**
     * The YANG modules, parsed and validated in a background thread from the start of the
     * daemon: the longest part of the NETCONF server's start (seconds on a busy machine), done
     * while the JVM, the engine and the boot configuration start.
     */
    public static final class Preload {
        private final java.util.concurrent.CompletableFuture<YangSchema> schema;

        private Preload(java.util.concurrent.CompletableFuture<YangSchema> schema) {
            this.schema = schema;
        }

        YangSchema get() throws IOException {
            try {
                return schema.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw e;
            }
        }
    }

    /** Starts loading the schema of {@code settings} in a background thread. */
    public static Preload preload(NetconfSettings settings) {
        java.util.concurrent.CompletableFuture<YangSchema> f = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(YangSchema.load(settings.yangDir()));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "ipmpd-yang-load");
        t.setDaemon(true);
        t.start();
        return new Preload(f);
    }

    /** {@link #start(NetconfSettings, EngineLoop, ListenerHub, ConfigStore, IpmpdLog)} with the schema loading already. */
    public static NetconfServer start(NetconfSettings settings, EngineLoop loop, ListenerHub hub, ConfigStore store,
                                      IpmpdLog log, Preload preload) throws IOException {
        preferJdkCiphers(); // before anything of MINA's (the users' keys) picks its providers
        YangSchema schema = preload.get();
        NetconfUsers users = new NetconfUsers(settings.users(), log);
        users.loadOrCreate();
        Nacm nacm = new Nacm(store.dir(), store.journal(), log, schema, modulesByNamespace(schema));
        nacm.loadOrCreate();
        NetconfServer s = new NetconfServer(settings, loop, hub, store, log, schema, users, nacm);
        try {
            s.open();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * MINA takes ciphers and MACs from Bouncy Castle when it is on the class path: pure Java AES
     * and HMAC-SHA2, a third of the session thread's time on a 200 KB reply. Bouncy Castle's
     * registrar is told not to offer them, and what no registrar offers comes from SunJCE (AES-NI
     * and SHA intrinsics); Bouncy Castle stays for the rest (key formats, signatures). An
     * administrator's -D settings win.
     */
    static void preferJdkCiphers() {
        String base = "org.apache.sshd.security.provider.BC.";
        String defaultProvider = "org.apache.sshd.security.defaultProvider";
        if (System.getProperty(base + "Cipher") != null || System.getProperty(base + "Mac") != null
                || System.getProperty(defaultProvider) != null) {
            return;
        }
        System.setProperty(base + "Cipher", "none");
        System.setProperty(base + "Mac", "none");
        System.setProperty(defaultProvider, "SunJCE");
    }

    private void open() throws IOException {
        hub.add(notifications);
        sshd = SshServer.setUpDefaultServer();
        sshd.setHost(settings.host());
        sshd.setPort(settings.port());
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(settings.hostKey());
        keys.setAlgorithm(KeyUtils.EC_ALGORITHM);
        keys.setKeySize(256);
        keys.setStrictFilePermissions(true);
        boolean existed = Files.exists(settings.hostKey());
        try {
            keys.loadKeys(null);
        } catch (RuntimeException e) {
            throw new IOException("NETCONF: host key " + settings.hostKey() + ": " + e.getMessage(), e);
        }
        if (Files.exists(settings.hostKey())) {
            try {
                Files.setPosixFilePermissions(settings.hostKey(), PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not POSIX
            }
            if (!existed) {
                log.notice("NETCONF: generated the SSH host key " + settings.hostKey());
            }
        }
        sshd.setKeyPairProvider(keys);
        login = new LoginGuard(users, log, timer, settings.loginFailureDelay(), settings.loginFailuresPerMinute());
        sshd.setPasswordAuthenticator(login::authenticate);
        sshd.setPublickeyAuthenticator((user, key, session) -> {
            NetconfUsers.Role r = users.checkKey(user, key);
            if (r == null) {
                return false;
            }
            session.setAttribute(ROLE, r);
            return true;
        });
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setGSSAuthenticator(null);
        sshd.setHostBasedAuthenticator(null);
        // no shell, no exec: such requests get a refusal and their channel closes
        sshd.setShellFactory(channel -> new RefusingCommand());
        sshd.setCommandFactory((channel, command) -> new RefusingCommand());
        sshd.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        sshd.setAgentFactory(null);
        sshd.setSubsystemFactories(List.of(new SubsystemFactory() {
            @Override
            public String getName() {
                return "netconf";
            }

            @Override
            public org.apache.sshd.server.command.Command createSubsystem(
                    org.apache.sshd.server.channel.ChannelSession channel) {
                // counted from its creation (start() comes later): concurrent requests cannot overshoot
                ServerSession ss = channel.getSession();
                String user = ss.getUsername();
                NetconfUsers.Role role = ss.getAttribute(ROLE);
                synchronized (sessions) {
                    String refusal = refusal(user, role);
                    if (refusal != null) {
                        log.warning("NETCONF: refusing a session of " + user + " from " + peer(ss) + ": " + refusal);
                        return new RefusingCommand("too many NETCONF sessions: " + refusal);
                    }
                    NetconfSession s = new NetconfSession(NetconfServer.this, nextSessionId.getAndIncrement(),
                            user, role);
                    sessions.put(s.id(), s);
                    return s;
                }
            }
        }));
        // Sessions idle out by our own rule (subscribers never do), not by MINA's 10-minute default.
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, Duration.ZERO);
        // Replies leave in several SSH packets; with Nagle the last one waits for the client's
        // delayed ACK (up to 40 ms on Linux) before it is sent.
        CoreModuleProperties.TCP_NODELAY.set(sshd, true);
        CoreModuleProperties.NIO2_READ_TIMEOUT.set(sshd, Duration.ZERO);
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, 6);
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, Duration.ofSeconds(60));
        CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "ipmpd");
        sshd.start();
        if (!settings.idleTimeout().isZero()) {
            long every = Math.max(1, Math.min(30, settings.idleTimeout().toSeconds() / 4));
            timer.scheduleWithFixedDelay(this::checkIdle, every, every, TimeUnit.SECONDS);
        }
        log.info("NETCONF: listening on " + sshd.getBoundAddresses() + ", users in " + users.file());
    }

    /**
     * Why a new session of this user may not open (null: it may): the limit in all, the limit per
     * user, and the sessions kept for read-write users (so read-only sessions never lock out an
     * administrator).
     */
    private String refusal(String user, NetconfUsers.Role role) {
        int all = sessions.size();
        if (all >= settings.maxSessions()) {
            return settings.maxSessions() + " sessions are open (netconf.max-sessions)";
        }
        int mine = 0;
        int readOnly = 0;
        for (NetconfSession s : sessions.values()) {
            mine += user.equals(s.user()) ? 1 : 0;
            readOnly += s.role() == NetconfUsers.Role.READ_WRITE ? 0 : 1;
        }
        if (mine >= settings.maxSessionsPerUser()) {
            return user + " has " + mine + " sessions open (netconf.max-sessions-per-user)";
        }
        int forReadOnly = settings.maxSessions() - settings.reservedWriteSessions();
        if (role != NetconfUsers.Role.READ_WRITE && readOnly >= forReadOnly) {
            return readOnly + " read-only sessions are open; the other " + settings.reservedWriteSessions()
                    + " are kept for read-write users (netconf.reserved-write-sessions)";
        }
        return null;
    }

    private static String peer(ServerSession s) {
        SocketAddress a = s == null ? null : s.getClientAddress();
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : String.valueOf(a);
    }

    /** Sessions open now (past their creation; refused ones not counted). */
    public int sessionCount() {
        synchronized (sessions) {
            return sessions.size();
        }
    }

    /** The port the server listens on (the actual one when 0 was asked for). */
    public int port() {
        for (SocketAddress a : sshd.getBoundAddresses()) {
            if (a instanceof InetSocketAddress i) {
                return i.getPort();
            }
        }
        return sshd.getPort();
    }

    public boolean isOpen() {
        return sshd != null && sshd.isOpen() && !closed;
    }

    private void checkIdle() {
        long limitNs = settings.idleTimeout().toNanos();
        for (NetconfSession s : sessions.values()) {
            if (!s.subscribed() && System.nanoTime() - s.lastActivityNs() > limitNs) {
                log.info("NETCONF: closing idle session " + s.id());
                s.kill("timeout", 0);
            }
        }
    }

    /** Stops listening, closes every session, unsubscribes from the engine. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        hub.remove(notifications);
        for (NetconfSession s : sessions.values()) {
            s.kill("other", 0);
        }
        if (sshd != null) {
            try {
                sshd.stop(true);
            } catch (IOException e) {
                log.err("NETCONF: stopping the SSH server: " + e.getMessage());
            }
        }
        if (login != null) {
            login.close();
        }
        timer.shutdownNow();
    }

    // ------------------------------------------------------------------ for sessions

    NetconfSettings settings() {
        return settings;
    }

    IpmpdLog log() {
        return log;
    }

    EngineLoop loop() {
        return loop;
    }

    YangSchema schema() {
        return schema;
    }

    /** The module of each namespace the server knows (the access control's module-name). */
    static Map<String, String> modulesByNamespace(YangSchema schema) {
        Map<String, String> m = new java.util.HashMap<>();
        m.put(Xml.BASE, "ietf-netconf");
        m.put(Xml.NOTIF, "notifications");
        m.put(Xml.NCM, "ietf-netconf-monitoring");
        m.put(Xml.YANGLIB, "ietf-yang-library");
        m.put(GetData.NS, "ietf-netconf-nmda");
        m.put(NotificationHub.NC_NOTIFICATIONS, "ietf-netconf-notifications");
        m.put(NotificationHub.NETMOD_NOTIFICATION, "nc-notifications");
        m.put(NacmConfig.NS, NacmConfig.MODULE);
        for (YangSchema.ModuleText t : schema.modules()) {
            m.putIfAbsent(t.namespace(), t.name());
        }
        return m;
    }

    Nacm nacm() {
        return nacm;
    }

    Datastores datastores() {
        return datastores;
    }

    NetconfUsers users() {
        return users;
    }

    NotificationHub notifications() {
        return notifications;
    }

    Monitoring monitoring() {
        return monitoring;
    }

    /**
     * What the server did since it started (for the metrics endpoint; RFC 6022's statistics):
     * sessions open now and started (hello exchanged), refused hellos, sessions dropped, RPCs
     * received, malformed ones, rpc-errors sent, notifications sent.
     */
    public record Activity(long openSessions, long sessions, long badHellos, long droppedSessions, long rpcs,
                           long badRpcs, long rpcErrors, long notifications) {
    }

    public Activity activity() {
        Monitoring.Counters t = monitoring.totals;
        return new Activity(sessionInfos().size(), monitoring.inSessions.get(), monitoring.inBadHellos.get(),
                monitoring.droppedSessions.get(), t.inRpcs.get(), t.inBadRpcs.get(), t.outRpcErrors.get(),
                t.outNotifications.get());
    }

    List<String> capabilities() {
        return capabilities;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    void register(NetconfSession s) {
        sessions.put(s.id(), s);
    }

    void unregister(NetconfSession s) {
        datastores.sessionEnded(s.id()); // first: a rolled back confirmed commit names the session
        sessions.remove(s.id());
    }

    /** A session's user, id and address for RFC 6470 notifications; null for 0 or a session gone. */
    NotificationHub.Who who(int sessionId) {
        NetconfSession s = sessionId == 0 ? null : sessions.get(sessionId);
        return s == null ? null : s.who();
    }

    NetconfSession session(int id) {
        return sessions.get(id);
    }

    List<Monitoring.SessionInfo> sessionInfos() {
        List<Monitoring.SessionInfo> out = new ArrayList<>();
        for (NetconfSession s : sessions.values()) {
            Monitoring.SessionInfo i = s.info();
            if (i != null) {
                out.add(i);
            }
        }
        out.sort(java.util.Comparator.comparingInt(Monitoring.SessionInfo::id));
        return out;
    }
}
