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
    private final List<String> capabilities;
    private final ScheduledExecutorService timer;
    private final Map<Integer, NetconfSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger nextSessionId = new AtomicInteger(1);
    private SshServer sshd;
    private volatile boolean closed;

    private NetconfServer(NetconfSettings settings, EngineLoop loop, ListenerHub hub, ConfigStore store,
                          IpmpdLog log, YangSchema schema, NetconfUsers users) {
        this.settings = settings;
        this.log = log;
        this.loop = loop;
        this.hub = hub;
        this.schema = schema;
        this.users = users;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "netconf-timer");
            t.setDaemon(true);
            return t;
        });
        this.datastores = new Datastores(schema, loop, store, log, timer);
        this.notifications = new NotificationHub(loop);
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
                "urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=report-all"));
        Monitoring probe = new Monitoring(schema, List.of());
        caps.add("urn:ietf:params:netconf:capability:yang-library:1.0?revision=2019-01-04&module-set-id="
                + probe.contentId());
        caps.add("urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04&content-id="
                + probe.contentId());
        caps.add(Xml.BASE + "?module=ietf-netconf&revision=2011-06-01"
                + "&features=writable-running,candidate,confirmed-commit,rollback-on-error,validate");
        caps.add(Xml.NCM + "?module=ietf-netconf-monitoring&revision=2010-10-04");
        caps.add(Xml.WITH_DEFAULTS + "?module=ietf-netconf-with-defaults&revision=2011-06-01");
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
        preferJdkCiphers(); // before anything of MINA's (the users' keys) picks its providers
        YangSchema schema = YangSchema.load(settings.yangDir());
        NetconfUsers users = new NetconfUsers(settings.users(), log);
        users.loadOrCreate();
        NetconfServer s = new NetconfServer(settings, loop, hub, store, log, schema, users);
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
        sshd.setPasswordAuthenticator((user, password, session) -> {
            NetconfUsers.Role r = users.checkPassword(user, password);
            if (r == null) {
                log.notice("NETCONF: password authentication failed for " + user + " from " + peer(session));
                return false;
            }
            session.setAttribute(ROLE, r);
            return true;
        });
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
                synchronized (sessions) {
                    if (sessions.size() >= settings.maxSessions()) {
                        log.warning("NETCONF: refusing a session from " + peer(channel.getSession()) + ": "
                                + settings.maxSessions() + " sessions are open (netconf.max-sessions)");
                        return new RefusingCommand("too many NETCONF sessions");
                    }
                    NetconfSession s = new NetconfSession(NetconfServer.this, nextSessionId.getAndIncrement());
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
                s.kill();
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
            s.kill();
        }
        if (sshd != null) {
            try {
                sshd.stop(true);
            } catch (IOException e) {
                log.err("NETCONF: stopping the SSH server: " + e.getMessage());
            }
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

    Datastores datastores() {
        return datastores;
    }

    NotificationHub notifications() {
        return notifications;
    }

    Monitoring monitoring() {
        return monitoring;
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
        sessions.remove(s.id());
        datastores.sessionEnded(s.id());
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
