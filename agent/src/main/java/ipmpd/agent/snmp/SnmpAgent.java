package ipmpd.agent.snmp;

import ipmpd.agent.AtomicFiles;
import ipmpd.agent.ConfigStore;
import ipmpd.agent.EngineLoop;
import ipmpd.agent.EnginePublisher;
import ipmpd.agent.IpmpdLog;
import ipmpd.agent.ListenerHub;
import ipmpd.agent.platform.InterfaceStatistics;
import ipmpd.engine.Engine;
import org.snmp4j.CommandResponderEvent;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.SNMP4JSettings;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.Target;
import org.snmp4j.TransportMapping;
import org.snmp4j.agent.CommandProcessor;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.agent.NotificationOriginator;
import ipmpd.agent.snmp.agentx.AgentXSubagent;
import org.snmp4j.agent.mo.snmp.CoexistenceInfo;
import org.snmp4j.agent.mo.snmp.CoexistenceInfoProvider;
import org.snmp4j.agent.mo.snmp.NotificationOriginatorImpl;
import org.snmp4j.agent.mo.snmp.SNMPv2MIB;
import org.snmp4j.agent.mo.snmp.SnmpCommunityMIB;
import org.snmp4j.agent.mo.snmp.SnmpFrameworkMIB;
import org.snmp4j.agent.mo.snmp.SnmpNotificationMIB;
import org.snmp4j.agent.mo.snmp.SnmpTargetMIB;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.agent.mo.snmp.TransportDomains;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.agent.security.MutableVACM;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv1;
import org.snmp4j.mp.MPv2c;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.MessageProcessingModel;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC128SHA224;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC256SHA384;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.AuthSHA;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmTimeEntry;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.Address;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;
import org.snmp4j.util.PDUFactory;
import org.snmp4j.util.ThreadPool;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The SNMP face of ipmpd: an snmp4j-agent command responder and notification originator serving
 * IPMP-MIB (every object of mib/IPMP-MIB.txt), the tracked interfaces' part of IF-MIB, and the
 * SNMPv2-MIB system/snmp groups, SNMP-FRAMEWORK-MIB snmpEngine, SNMP-TARGET-MIB and
 * SNMP-NOTIFICATION-MIB (so a manager with write access can add notification destinations).
 * <p>
 * Security: SNMPv3 USM (SHA-2 authentication, AES privacy; users from the root-only users file,
 * generated with random passwords at the first start) and VACM with three groups: read-only,
 * read-write (IPMP-MIB and the notification destinations), notify-only. SNMPv1/v2c are off unless
 * agent.conf names a community, which is read-only. USM, VACM, SNMP-COMMUNITY-MIB and
 * SNMP4J-CONFIG-MIB are in no view. The engine ID and boot counter are kept in the configuration
 * directory ({@code snmp-engine}); ipmpNotificationsEnabled in {@code snmp-state}; the group indexes in
 * {@code snmp-group-index} ({@link GroupIndexFile}); destinations added
 * through SNMP-TARGET-MIB / SNMP-NOTIFICATION-MIB in {@code snmp-destinations} ({@link SnmpDestinations}).
 * <p>
 * Beside the host's snmpd ({@code snmp.agentx}): the same IPMP-MIB objects and SET transaction are
 * served as an AgentX subagent of snmpd ({@link AgentXMib}, {@link AgentXSubagent}), alone (no
 * engine, users or port of ipmpd's own) or together with the standalone agent; notifications then
 * go to both.
 * <p>
 * Threads: requests are answered by a small worker pool, reads by the listener thread itself while
 * the kept view of the model is current: those of ipmpd's own objects without snmp4j-agent's
 * request processing ({@link FastReads}), the others through it ({@link ReadsInline}); every engine access goes through the
 * {@link EngineLoop}, and only when the engine's model changed since the view the agent keeps
 * ({@link SnmpModel}); notifications are sent from their own thread.
 */
public final class SnmpAgent implements AutoCloseable {
    public static final String STATE_FILE = "snmp-state";
    /** sysObjectID: the provisional ipmpd enterprise arc of IPMP-MIB. */
    static final OID SYS_OID = new OID("1.3.6.1.4.1.99999");

    static final String IPMP_MIB_DESCRIPTION = "IPMP-MIB: IP multipathing groups, interfaces, targets, "
            + "data addresses and their notifications";
    static final OctetString VIEW_READ = new OctetString("ipmpRead");
    static final OctetString VIEW_READ_ADMIN = new OctetString("ipmpReadAdmin");
    static final OctetString VIEW_WRITE = new OctetString("ipmpWrite");
    static final OctetString VIEW_NOTIFY = new OctetString("ipmpNotify");
    static final OctetString GROUP_RO = new OctetString("ipmpRO");
    static final OctetString GROUP_RW = new OctetString("ipmpRW");
    static final OctetString GROUP_NOTIFY = new OctetString("ipmpNotifyOnly");
    static final OctetString GROUP_COMMUNITY = new OctetString("ipmpCommunity");
    static final OctetString COMMUNITY_SECURITY_NAME = new OctetString("community-ro");

    static final OID SYSTEM = new OID("1.3.6.1.2.1.1");
    static final OID INTERFACES = new OID("1.3.6.1.2.1.2");
    static final OID IF_MIB = new OID("1.3.6.1.2.1.31");
    static final OID SNMP_GROUP = new OID("1.3.6.1.2.1.11");
    static final OID SNMP_ENGINE = new OID("1.3.6.1.6.3.10.2.1");
    static final OID SNMP_TARGET_MIB = new OID("1.3.6.1.6.3.12");
    static final OID SNMP_NOTIFICATION_MIB = new OID("1.3.6.1.6.3.13");
    static final OID SNMP_TRAPS = new OID("1.3.6.1.6.3.1.1.5");
    static final OID SNMP_TRAP_OBJECTS = new OID("1.3.6.1.6.3.1.1.4");
    static final OID SNMP4J = new OID("1.3.6.1.4.1.4976");
    /** The largest UDP payload over IPv4: snmp4j's default (65535) lets responses grow past what can be sent. */
    static final int MAX_UDP_PAYLOAD = 65507;
    /** At most this many repeated varbinds in one GETBULK response (snmpd's default maxGetbulkResponses). */
    static final int MAX_BULK_VARBINDS = 100;

    /**
     * What the agent needs from the daemon.
     *
     * @param interfaceStatistics the platform's read of the interfaces' counters and link attributes (IF-MIB)
     */
    public record Context(Path configDir, Map<String, String> settings, EngineLoop loop, ListenerHub listeners,
                          ConfigStore store, IpmpdLog log, InterfaceStatisticsSource interfaceStatistics) {
    }

    /** The interfaces' counters and link attributes by interface index (any thread). */
    @FunctionalInterface
    public interface InterfaceStatisticsSource {
        Map<Integer, InterfaceStatistics> read() throws IOException;
    }

    private final IpmpdLog log;
    private final ListenerHub listeners;
    private final List<UdpAddress> bound = new ArrayList<>();
    private Snmp session;
    private Snmp notifySession;
    private ThreadPool workers;
    private IpmpNotifier notifier;
    /** The engine loop's end-of-turn hook that hands the notifier's held notifications on (close removes it). */
    private Runnable notifierRelease;
    private EngineLoop notifierLoop;
    private AgentXSubagent subagent;
    private Thread warmUp;
    private DefaultMOServer server;
    private List<ManagedObject<?>> ipmpObjects = List.of();
    private List<ManagedObject<?>> ifObjects = List.of();
    private SnmpEngineFile.State engineState;
    private SnmpModel model;
    private AuthFailureNotifications authFailures;
    private GroupIndexFile groupIndexes;
    private VacmMIB vacm;
    private volatile boolean fastReads = true;
    private FastReads reads;
    private boolean closed;
    /** Requests received: GET, GETNEXT, GETBULK, SET. */
    private final java.util.concurrent.atomic.LongAdder[] requests = {new java.util.concurrent.atomic.LongAdder(),
            new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
            new java.util.concurrent.atomic.LongAdder()};

    private SnmpAgent(IpmpdLog log, ListenerHub listeners) {
        this.log = log;
        this.listeners = listeners;
    }

    /**
     * Starts the agent as agent.conf says; when it has no {@code snmp.listen} the agent is disabled
     * (nothing listens) and the returned object only closes.
     *
     * @throws SnmpSettings.SettingsException a bad SNMP setting or users file (the daemon should refuse to start)
     * @throws IOException a port cannot be bound, or the configuration directory cannot be written
     */
    public static SnmpAgent start(Context c) throws Exception {
        SnmpSettings settings = SnmpSettings.parse(c.settings(), c.configDir());
        SnmpAgent a = new SnmpAgent(c.log(), c.listeners());
        if (!settings.enabled()) {
            c.log().info("SNMP agent disabled (no " + SnmpSettings.LISTEN + " or " + SnmpSettings.AGENTX + " in agent.conf)");
            return a;
        }
        try {
            a.startUp(c, settings);
        } catch (Exception | Error e) {
            a.close();
            throw e;
        }
        return a;
    }

    public boolean running() {
        return (session != null || subagent != null) && !closed;
    }

    /** The addresses the agent listens on (with the ports actually bound). */
    public List<UdpAddress> listenAddresses() {
        return List.copyOf(bound);
    }

    /** The SNMP engine ID, hexadecimal (what snmptrapd's createUser -e needs for v3 traps). */
    public String engineIdHex() {
        return engineState == null ? "" : engineState.hex();
    }

    public int engineBoots() {
        return engineState == null ? 0 : engineState.boots();
    }

    /** The managed objects registered for IPMP-MIB and IF-MIB (for the conformance test). */
    List<ManagedObject<?>> ipmpManagedObjects() {
        return ipmpObjects;
    }

    List<ManagedObject<?>> ifManagedObjects() {
        return ifObjects;
    }

    SnmpModel model() {
        return model;
    }

    MOServer server() {
        return server;
    }

    /** What became of the informs sent so far (for tests). */
    NotifySession.InformCounts informCounts() {
        return ((NotifySession) notifySession).informCounts();
    }

    /**
     * What the agent did since it started (for the metrics endpoint): requests by PDU type (those
     * that passed the security checks), notification messages sent (one per destination), informs
     * acknowledged or not, notifications dropped because the queue was full.
     */
    public record Activity(long getRequests, long getNextRequests, long getBulkRequests, long setRequests,
                           long trapsSent, long informsSent, long informsAcknowledged, long informsUnacknowledged,
                           long notificationsDropped) {
    }

    /** The agent's activity so far; null when the agent is off. */
    public Activity activity() {
        if (!(notifySession instanceof NotifySession n) || notifier == null) {
            return null;
        }
        NotifySession.InformCounts informs = n.informCounts();
        return new Activity(requests[0].sum(), requests[1].sum(), requests[2].sum(), requests[3].sum(),
                n.trapsSent(), n.informsSent(), informs.acknowledged(), informs.unacknowledged(), notifier.dropped());
    }

    /** Counts a request by type: GET, GETNEXT, GETBULK, SET (others are not counted). */
    private void countRequest(int pduType) {
        int i = switch (pduType) {
            case PDU.GET -> 0;
            case PDU.GETNEXT -> 1;
            case PDU.GETBULK -> 2;
            case PDU.SET -> 3;
            default -> -1;
        };
        if (i >= 0) {
            requests[i].increment();
        }
    }

    VacmMIB vacm() {
        return vacm;
    }

    private void startUp(Context c, SnmpSettings settings) throws Exception {
        if (settings.listen().isEmpty()) {
            startSubagentOnly(c, settings);
            return;
        }
        List<SnmpUsers.User> users = SnmpUsers.loadOrCreate(settings.usersFile(), settings.allowMd5(), log);
        engineState = SnmpEngineFile.advance(c.configDir().resolve(SnmpEngineFile.NAME));
        OctetString engineId = new OctetString(engineState.engineId());

        SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
        protocols.addAuthenticationProtocol(new AuthHMAC128SHA224());
        protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
        protocols.addAuthenticationProtocol(new AuthHMAC256SHA384());
        protocols.addAuthenticationProtocol(new AuthHMAC384SHA512());
        if (users.stream().anyMatch(u -> u.authProtocol().equals(AuthSHA.ID))) {
            protocols.addAuthenticationProtocol(new AuthSHA());
        }
        if (users.stream().anyMatch(u -> u.authProtocol().equals(org.snmp4j.security.AuthMD5.ID))) {
            protocols.addAuthenticationProtocol(new org.snmp4j.security.AuthMD5()); // snmp.allow-md5=yes
        }
        protocols.addPrivacyProtocol(new PrivAES128());
        CounterSupport counters = new CounterSupport();
        // The agent is the authoritative engine of the requests it answers: they must name its engine
        // ID (RFC 3414 3.2 step 3). With snmp4j's default (discovery on, keys localized on demand) the
        // USM would remember every engine ID a datagram names and localize a user's keys for it:
        // unbounded tables and two password-to-key runs per datagram. Informs have to discover their
        // receivers' engine IDs, so notifications get a USM (and MPv3) of their own.
        // A request the USM refuses (unknown user, wrong digest, undecryptable, unsupported level) is
        // answered with its report at noAuthNoPriv, as snmpd does: snmp4j's default sends it at the
        // request's level, which needs the very keys that failed, so the tool timed out instead of
        // saying "Unknown user name" or "Authentication failure". (A process-wide snmp4j setting; the
        // agent is the only snmp4j user in the daemon. Time-window reports stay authenticated.)
        SNMP4JSettings.setReportSecurityLevelStrategy(SNMP4JSettings.ReportSecurityLevelStrategy.noAuthNoPrivIfNeeded);
        USM usm = new AuthoritativeUsm(protocols, engineId, engineState.boots(), counters);
        usm.setEngineDiscoveryEnabled(false);
        usm.getTimeTable().addEntry(new UsmTimeEntry(engineId, engineState.boots(), 0)); // its own: known
        USM notifyUsm = new USM(protocols, engineId, engineState.boots(), counters);
        for (SnmpUsers.User u : users) {
            UsmUser user = new UsmUser(new OctetString(u.name()), u.authProtocol(), new OctetString(u.authPassword()),
                    u.privProtocol(), new OctetString(u.privPassword()));
            usm.addUser(user, engineId);
            notifyUsm.addUser(user);
        }
        SecurityModels models = new SecurityModels();
        models.addSecurityModel(usm);
        MPv3 mpv3 = new MPv3(engineState.engineId(), new PDUFactory() {
            @Override
            public PDU createPDU(Target<?> target) {
                return new SizedScopedPDU();
            }

            @Override
            public PDU createPDU(MessageProcessingModel model) {
                return new SizedScopedPDU();
            }
        }, protocols, models, counters);
        SecurityModels notifyModels = new SecurityModels();
        notifyModels.addSecurityModel(notifyUsm);
        MPv3 notifyMpv3 = new MPv3(engineState.engineId(), null, protocols, notifyModels, counters);

        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        dispatcher.addMessageProcessingModel(mpv3);
        if (settings.community() != null) {
            dispatcher.addMessageProcessingModel(new MPv1(new PDUFactory() {
                @Override
                public PDU createPDU(Target<?> target) {
                    return new WideSubIdentifiers.CheckedPDUv1();
                }

                @Override
                public PDU createPDU(MessageProcessingModel model) {
                    return new WideSubIdentifiers.CheckedPDUv1();
                }
            }));
            dispatcher.addMessageProcessingModel(new MPv2c(new PDUFactory() {
                @Override
                public PDU createPDU(Target<?> target) {
                    return new WideSubIdentifiers.CheckedPDU();
                }

                @Override
                public PDU createPDU(MessageProcessingModel model) {
                    return new WideSubIdentifiers.CheckedPDU();
                }
            }));
        }
        session = new Snmp(dispatcher);
        for (UdpAddress a : settings.listen()) {
            DefaultUdpTransportMapping t;
            try {
                t = new DefaultUdpTransportMapping(a, false);
            } catch (IOException e) {
                throw new IOException("SNMP: cannot listen on udp:" + a + ": " + e.getMessage(), e);
            }
            t.setMaxInboundMessageSize(MAX_UDP_PAYLOAD);
            // The dispatcher decodes (and decrypts) a datagram before its listener thread reads the
            // next one, and the request keeps only what was decoded: the receive buffer can be used
            // again. Left on, snmp4j allocates a fresh 64 KiB buffer (zeroed) for every datagram.
            t.setAsyncMsgProcessingSupported(false);
            session.addTransportMapping(t);
        }
        // Notifications leave from their own sockets (wildcard, ephemeral port), so a listen address
        // on the loopback does not keep traps from reaching remote managers.
        MessageDispatcherImpl notifyDispatcher = new MessageDispatcherImpl();
        notifyDispatcher.addMessageProcessingModel(notifyMpv3);
        // always: a manager may add a v2c destination through SNMP-TARGET-MIB (outbound only)
        notifyDispatcher.addMessageProcessingModel(new MPv2c());
        notifySession = new NotifySession(notifyDispatcher, log);
        DefaultUdpTransportMapping out;
        try {
            // one dual-stack socket reaches IPv4 and IPv6 managers (the dispatcher picks the first
            // UDP transport whatever the family)
            out = new DefaultUdpTransportMapping(new UdpAddress("::/0"), false);
        } catch (IOException noIPv6) {
            out = new DefaultUdpTransportMapping(new UdpAddress("0.0.0.0/0"), false);
        }
        notifySession.addTransportMapping(out);

        server = new DefaultMOServer();
        OctetString context = new OctetString();
        server.addContext(context);
        SNMPv2MIB snmpv2 = new SNMPv2MIB(new OctetString("ipmpd: IP multipathing for Linux in the manner of "
                + "Solaris in.mpathd (" + System.getProperty("os.name", "") + " "
                + System.getProperty("os.version", "") + ")"), SYS_OID, new Integer32(72));
        dispatcher.addCounterListener(snmpv2);
        counters.addCounterListener(snmpv2);
        SnmpFrameworkMIB framework = new SnmpFrameworkMIB(engineId, usm, dispatcher.getTransportMappings());
        VacmMIB vacm = new VacmMIB(new MOServer[] {server});
        this.vacm = vacm;
        SnmpTargetMIB targets = new SnmpTargetMIB(notifyDispatcher);
        targets.addDefaultTDomains();
        SnmpNotificationMIB notifications = new SnmpNotificationMIB();
        SnmpCommunityMIB communityMib = new SnmpCommunityMIB(targets) {
            /** A v2c destination created in SNMP-TARGET-MIB names its community as its security name (as in net-snmp). */
            @Override
            public OctetString getCommunity(OctetString securityName, OctetString contextEngineID,
                                            OctetString contextName) {
                OctetString c = super.getCommunity(securityName, contextEngineID, contextName);
                return c != null ? c : securityName;
            }
        };
        StaticViews fastVacm = new StaticViews(vacm);
        NotificationOriginatorImpl originator = new NotificationOriginatorImpl(notifySession,
                new NotifyViews(fastVacm, VIEW_NOTIFY),
                snmpv2.getSysUpTime(), targets, notifications, communityMib);

        configureVacm(vacm, fastVacm, users);
        configureCommunities(communityMib, vacm, engineId, settings);
        configureDestinations(targets, notifications, users, settings);

        EngineLoop loop = c.loop();
        Engine engine = loop.call(loop::engine); // used on the engine thread only (takes, notifications)
        groupIndexes = new GroupIndexFile(c.configDir().resolve(GroupIndexFile.NAME), log);
        model = newModel(loop, engine, () -> snmpv2.getSysUpTime().get().getValue(), groupIndexes);
        SnmpStateFile state = new SnmpStateFile(c.configDir().resolve(STATE_FILE), log);
        model.setNotificationsEnabled(!"no".equalsIgnoreCase(state.text(SnmpStateFile.NOTIFICATIONS)));
        model.setNotificationTypes(notificationTypes(state.text(SnmpStateFile.NOTIFICATION_TYPES)));
        IpmpSet writer = newWriter(c, loop, state);
        LiveObjects.Views views = model;
        snmpv2.registerMOs(server, context);
        SystemGroup.configure(snmpv2, server, context, settings, state, log);
        framework.registerMOs(server, context);
        targets.registerMOs(server, context);
        notifications.registerMOs(server, context);
        SnmpDestinations.restoreAndWatch(c.configDir(), log, server, context, targets, notifications);
        IfCounters ifCounters = new IfCounters(c.interfaceStatistics(), log, System::nanoTime);
        HostInterfaces host = new HostInterfaces(ifCounters);
        writer.host(host);
        model.hostInterfaces(host);
        // the groups get their indexes (and snmp-group-index is written) now, not at the first request
        model.current();
        groupIndexes.flush();
        ipmpObjects = IpmpMib.register(server, context, views, writer, host);
        ifObjects = IfMib.register(server, context, views, ifCounters);

        List<ManagedObject<?>> ours = new ArrayList<>(ipmpObjects);
        ours.addAll(ifObjects);
        FastReads reads = new FastReads(server, context, engineId, ours, fastVacm, model);
        this.reads = reads;
        CommandProcessor agent = new CommandProcessor(engineId) {
            {
                requestFactory = BulkRequest::new;
            }

            /** snmp4j-agent recomputes the response's length for every varbind a GETBULK adds (quadratic):
             *  bound the repetitions, and read negative fields as 0 (RFC 3416 4.2.3). */
            @Override
            public <A extends Address> void processPdu(CommandResponderEvent<A> event) {
                PDU pdu = event.getPDU();
                if (pdu != null) {
                    countRequest(pdu.getType());
                }
                if (pdu != null && pdu.getType() == PDU.GETBULK) {
                    int nonRepeaters = Math.max(0, Math.min(pdu.getNonRepeaters(), pdu.size()));
                    int repeaters = pdu.size() - nonRepeaters;
                    int limit = repeaters == 0 ? 0 : MAX_BULK_VARBINDS / repeaters;
                    pdu.setNonRepeaters(nonRepeaters);
                    pdu.setMaxRepetitions(Math.max(0, Math.min(pdu.getMaxRepetitions(), limit)));
                }
                if (pdu != null && isRead(pdu.getType()) && model.viewIsCurrent()) {
                    ScopedPDU answer = fastReads ? answerFast(reads, event) : null;
                    if (answer != null) {
                        event.setProcessed(true);
                        sendResponse(event, answer);
                        return;
                    }
                    ReadsInline.runInline(() -> super.processPdu(event));
                } else {
                    super.processPdu(event);
                }
            }
        };
        workers = ThreadPool.create("ipmpd-snmp", settings.workers());
        agent.setWorkerPool(new ReadsInline(workers));
        agent.setInternalRequestTimeout(settings.requestTimeoutMs());
        fastVacm.seal();
        agent.setVacm(fastVacm);
        agent.addMOServer(server);
        agent.setCoexistenceProvider(inboundCommunities(communityMib, settings.community()));
        agent.setNotificationOriginator(originator);
        agent.addCounterListener(snmpv2);
        authFailures = new AuthFailureNotifications(agent, (trap, vbs) -> {
            IpmpNotifier n = notifier;
            if (n != null) {
                n.send(trap, vbs);
            }
        }, log, System::nanoTime);
        snmpv2.setNotificationOriginator(authFailures);
        dispatcher.addCommandResponder(agent);

        session.listen();
        notifySession.listen();
        for (TransportMapping<? extends Address> t : dispatcher.getTransportMappings()) {
            if (t.getListenAddress() instanceof UdpAddress u) {
                bound.add(u);
            }
        }
        NotificationOriginator sendTo = originator;
        if (settings.agentx() != null) {
            subagent = startSubagent(settings, writer);
            sendTo = bothOriginators(originator, new SubagentNotifications(subagent));
        }
        startNotifier(loop, engine, sendTo);
        notifier.send(SnmpConstants.coldStart, new VariableBinding[0]);
        warmUp = NotificationWarmUp.startInBackground(protocols, engineState.engineId(), users, snmpv2.getSysUpTime(), log);
        List<String> names = new ArrayList<>();
        for (SnmpUsers.User u : users) {
            names.add(u.toString());
        }
        log.info("SNMP agent listening on " + bound + (subagent != null ? " and AgentX subagent of " + settings.agentx() : "") + " (engine ID " + engineState.hex() + ", boots "
                + engineState.boots() + "); users " + String.join(", ", names) + " from " + settings.usersFile()
                + (settings.community() != null ? "; read-only community enabled (v1/v2c)" : "; v1/v2c off")
                + "; " + settings.traps().size() + " notification destination(s)");
    }

    private SnmpModel newModel(EngineLoop loop, Engine engine, java.util.function.LongSupplier ticks,
                               GroupIndexFile indexes) {
        EnginePublisher published = loop.published(); // the engine's generation and statistics, any thread
        return new SnmpModel(new SnmpModel.EngineReads() {
            @Override
            public long modelGeneration() {
                return published.modelGeneration();
            }

            @Override
            public ipmpd.engine.ProbeStatistics probeStatistics(String ifname) {
                return published.probeStatistics(ifname);
            }

            @Override
            public SnmpModel.Taken take() throws Exception {
                return loop.call(() -> new SnmpModel.Taken(engine.snapshot(), engine.modelGeneration()));
            }
        }, ticks, indexes);
    }

    private IpmpSet newWriter(Context c, EngineLoop loop, SnmpStateFile state) {
        return new IpmpSet(model, new IpmpSet.EngineAccess() {
            @Override
            public <T> T call(Function<Engine, T> job) throws Exception {
                return loop.call(() -> job.apply(loop.engine()));
            }
        }, c.store(), log, on -> {
            // the state file holds both: the master switch and the types
            state.put(SnmpStateFile.NOTIFICATIONS, on ? "yes" : "no");
            state.put(SnmpStateFile.NOTIFICATION_TYPES, notificationTypesText(model.notificationTypes()));
        });
    }

    private void startNotifier(EngineLoop loop, Engine engine, NotificationOriginator originator) throws Exception {
        notifier = new IpmpNotifier(model, new IpmpNotifier.Parts() {
            @Override
            public ipmpd.engine.EngineSnapshot ofInterface(String ifname) {
                return engine.snapshotOfInterface(ifname);
            }

            @Override
            public ipmpd.engine.EngineSnapshot ofGroup(String group) {
                return engine.snapshotOfGroup(group);
            }
        }, originator, log);
        // The engine thread's notifications go out after its turn: a failover's moves and
        // announcements first (contents are taken when the event happens, the order kept).
        IpmpNotifier n = notifier;
        loop.call(() -> {
            n.holdSendsOf(Thread.currentThread());
            return null;
        });
        notifierRelease = n::release;
        notifierLoop = loop;
        loop.afterWork(notifierRelease);
        listeners.add(notifier);
    }

    /** The AgentX subagent serving the IPMP-MIB objects (already registered in the server) with writer. */
    private AgentXSubagent startSubagent(SnmpSettings settings, IpmpSet writer) {
        AgentXSubagent s = new AgentXSubagent(settings.agentx(), new AgentXMib(ipmpObjects, model, writer),
                List.of(new AgentXSubagent.Subtree(IpmpMib.MIB, new OctetString(IPMP_MIB_DESCRIPTION))), SYS_OID,
                "ipmpd: IPMP-MIB", log);
        s.start();
        return s;
    }

    /**
     * Beside the host's snmpd: IPMP-MIB through the AgentX master only; no SNMP engine, users,
     * port or destinations of ipmpd's own (the master has them).
     */
    private void startSubagentOnly(Context c, SnmpSettings settings) throws Exception {
        EngineLoop loop = c.loop();
        Engine engine = loop.call(loop::engine);
        server = new DefaultMOServer();
        OctetString context = new OctetString();
        server.addContext(context);
        long startNs = System.nanoTime();
        // TimeStamps (ipmpLastChange, ...) count from the master's sysUpTime once a session told it
        groupIndexes = new GroupIndexFile(c.configDir().resolve(GroupIndexFile.NAME), log);
        model = newModel(loop, engine, () -> {
            AgentXSubagent s = subagent;
            long master = s == null ? -1 : s.masterUpTime();
            return master >= 0 ? master : (System.nanoTime() - startNs) / 10_000_000L;
        }, groupIndexes);
        SnmpStateFile state = new SnmpStateFile(c.configDir().resolve(STATE_FILE), log);
        model.setNotificationsEnabled(!"no".equalsIgnoreCase(state.text(SnmpStateFile.NOTIFICATIONS)));
        model.setNotificationTypes(notificationTypes(state.text(SnmpStateFile.NOTIFICATION_TYPES)));
        IpmpSet writer = newWriter(c, loop, state);
        HostInterfaces host = new HostInterfaces(new IfCounters(c.interfaceStatistics(), log, System::nanoTime));
        writer.host(host);
        model.hostInterfaces(host);
        model.current(); // the groups get their indexes (and snmp-group-index is written) now
        groupIndexes.flush();
        ipmpObjects = IpmpMib.register(server, context, model, writer, host);
        subagent = startSubagent(settings, writer);
        startNotifier(loop, engine, new SubagentNotifications(subagent));
        log.info("SNMP: IPMP-MIB served as an AgentX subagent of the master at " + settings.agentx()
                + " (no standalone agent: no " + SnmpSettings.LISTEN + " in agent.conf)");
    }

    /** The AgentX subagent, when agent.conf names a master (for tests). */
    public AgentXSubagent subagent() {
        return subagent;
    }

    /** Notifications through the AgentX master (it adds sysUpTime.0 and sends them to its own destinations). */
    private static final class SubagentNotifications implements NotificationOriginator {
        private final AgentXSubagent subagent;

        SubagentNotifications(AgentXSubagent subagent) {
            this.subagent = subagent;
        }

        @Override
        public Object notify(OctetString context, OID notificationID, VariableBinding[] vbs) {
            return subagent.notify(notificationID, List.of(vbs));
        }

        @Override
        public Object notify(OctetString context, OID notificationID, org.snmp4j.smi.TimeTicks sysUpTime,
                             VariableBinding[] vbs) {
            return subagent.notify(notificationID, List.of(vbs));
        }
    }

    /** Sends to a (the standalone agent's destinations) first, then to b. */
    private static NotificationOriginator bothOriginators(NotificationOriginator a, NotificationOriginator b) {
        return new NotificationOriginator() {
            @Override
            public Object notify(OctetString context, OID notificationID, VariableBinding[] vbs) {
                Object r = a.notify(context, notificationID, vbs);
                b.notify(context, notificationID, vbs);
                return r;
            }

            @Override
            public Object notify(OctetString context, OID notificationID, org.snmp4j.smi.TimeTicks sysUpTime,
                                 VariableBinding[] vbs) {
                Object r = a.notify(context, notificationID, sysUpTime, vbs);
                b.notify(context, notificationID, sysUpTime, vbs);
                return r;
            }
        };
    }

    /** The fast path's answer, or null (also when it failed: snmp4j-agent's path then answers, or reports the error). */
    private ScopedPDU answerFast(FastReads reads, CommandResponderEvent<?> event) {
        try {
            return reads.answer(event);
        } catch (RuntimeException e) {
            log.err("SNMP: internal error in a read (the general path answers it)", e);
            return null;
        }
    }

    /** authenticationFailure notifications left out by the rate limit so far. */
    long authFailuresSuppressed() {
        return authFailures == null ? 0 : authFailures.suppressed();
    }

    /** Read requests the fast path answered so far. */
    long fastAnswers() {
        return reads == null ? 0 : reads.answered();
    }

    /** Turns the fast path of reads ({@link FastReads}) on or off (tests compare the two). */
    void fastReads(boolean on) {
        fastReads = on;
    }

    private static boolean isRead(int pduType) {
        return pduType == PDU.GET || pduType == PDU.GETNEXT || pduType == PDU.GETBULK;
    }

    private static void view(VacmMIB vacm, StaticViews fast, OctetString view, OID... subtrees) {
        for (OID o : subtrees) {
            vacm.addViewTreeFamily(view, o, new OctetString(), MutableVACM.VACM_VIEW_INCLUDED, StorageType.readOnly);
            fast.family(view, o, true);
        }
        // SNMP4J-CONFIG-MIB exposes (and can trigger) snmp4j's persistence: never in any view.
        vacm.addViewTreeFamily(view, SNMP4J, new OctetString(), MutableVACM.VACM_VIEW_EXCLUDED, StorageType.readOnly);
        fast.family(view, SNMP4J, false);
    }

    static void configureVacm(VacmMIB vacm, StaticViews fast, List<SnmpUsers.User> users) {
        view(vacm, fast, VIEW_READ, SYSTEM, INTERFACES, IF_MIB, SNMP_GROUP, SNMP_ENGINE, IpmpMib.MIB);
        view(vacm, fast, VIEW_READ_ADMIN, SYSTEM, INTERFACES, IF_MIB, SNMP_GROUP, SNMP_ENGINE, IpmpMib.MIB, SNMP_TARGET_MIB,
                SNMP_NOTIFICATION_MIB);
        view(vacm, fast, VIEW_WRITE, IpmpMib.MIB, SNMP_TARGET_MIB, SNMP_NOTIFICATION_MIB, SystemGroup.SYS_CONTACT,
                SystemGroup.SYS_NAME, SystemGroup.SYS_LOCATION, SystemGroup.SNMP_ENABLE_AUTHEN_TRAPS);
        view(vacm, fast, VIEW_NOTIFY, IpmpMib.MIB, INTERFACES, IF_MIB, SYSTEM, SNMP_TRAPS, SNMP_TRAP_OBJECTS);
        OctetString none = new OctetString();
        vacm.addAccess(GROUP_RO, new OctetString(), SecurityModel.SECURITY_MODEL_USM, SecurityLevel.AUTH_PRIV,
                MutableVACM.VACM_MATCH_EXACT, VIEW_READ, none, VIEW_NOTIFY, StorageType.readOnly);
        vacm.addAccess(GROUP_RW, new OctetString(), SecurityModel.SECURITY_MODEL_USM, SecurityLevel.AUTH_PRIV,
                MutableVACM.VACM_MATCH_EXACT, VIEW_READ_ADMIN, VIEW_WRITE, VIEW_NOTIFY, StorageType.readOnly);
        vacm.addAccess(GROUP_NOTIFY, new OctetString(), SecurityModel.SECURITY_MODEL_USM, SecurityLevel.AUTH_PRIV,
                MutableVACM.VACM_MATCH_EXACT, none, none, VIEW_NOTIFY, StorageType.readOnly);
        vacm.addAccess(GROUP_NOTIFY, new OctetString(), SecurityModel.SECURITY_MODEL_SNMPv2c, SecurityLevel.NOAUTH_NOPRIV,
                MutableVACM.VACM_MATCH_EXACT, none, none, VIEW_NOTIFY, StorageType.readOnly);
        for (SnmpUsers.User u : users) {
            OctetString group = switch (u.access()) {
                case RO -> GROUP_RO;
                case RW -> GROUP_RW;
                case NOTIFY -> GROUP_NOTIFY;
            };
            vacm.addGroup(SecurityModel.SECURITY_MODEL_USM, new OctetString(u.name()), group, StorageType.readOnly);
        }
    }

    private static void configureCommunities(SnmpCommunityMIB communityMib, VacmMIB vacm, OctetString engineId,
                                             SnmpSettings settings) {
        if (settings.community() != null) {
            communityMib.addSnmpCommunityEntry(new OctetString("ro"), new OctetString(settings.community()),
                    COMMUNITY_SECURITY_NAME, engineId, new OctetString(), new OctetString(), StorageType.readOnly);
            for (int model : new int[] {SecurityModel.SECURITY_MODEL_SNMPv1, SecurityModel.SECURITY_MODEL_SNMPv2c}) {
                vacm.addGroup(model, COMMUNITY_SECURITY_NAME, GROUP_COMMUNITY, StorageType.readOnly);
                vacm.addAccess(GROUP_COMMUNITY, new OctetString(), model, SecurityLevel.NOAUTH_NOPRIV,
                        MutableVACM.VACM_MATCH_EXACT, VIEW_READ, new OctetString(), new OctetString(),
                        StorageType.readOnly);
            }
        }
        for (SnmpSettings.TrapDestination t : settings.traps()) {
            if (!t.v3()) {
                OctetString secName = new OctetString("trap-" + t.name());
                communityMib.addSnmpCommunityEntry(new OctetString("trap-" + t.name()), new OctetString(t.securityName()),
                        secName, engineId, new OctetString(), new OctetString(), StorageType.readOnly);
                vacm.addGroup(SecurityModel.SECURITY_MODEL_SNMPv2c, secName, GROUP_NOTIFY, StorageType.readOnly);
            }
        }
    }

    private void configureDestinations(SnmpTargetMIB targets, SnmpNotificationMIB notifications,
                                       List<SnmpUsers.User> users, SnmpSettings settings) throws SnmpSettings.SettingsException {
        for (SnmpSettings.TrapDestination t : settings.traps()) {
            String key = SnmpSettings.TRAP_PREFIX + t.name();
            OctetString params = new OctetString("ipmpd-" + t.name());
            if (t.v3()) {
                if (users.stream().noneMatch(u -> u.name().equals(t.securityName()))) {
                    throw new SnmpSettings.SettingsException(key + ": user " + t.securityName() + " is not in the users file");
                }
                targets.addTargetParams(params, MessageProcessingModel.MPv3, SecurityModel.SECURITY_MODEL_USM,
                        new OctetString(t.securityName()), SecurityLevel.AUTH_PRIV, StorageType.readOnly);
            } else {
                targets.addTargetParams(params, MessageProcessingModel.MPv2c, SecurityModel.SECURITY_MODEL_SNMPv2c,
                        new OctetString("trap-" + t.name()), SecurityLevel.NOAUTH_NOPRIV, StorageType.readOnly);
            }
            OctetString tag = new OctetString("ipmpd-" + t.name());
            OID domain = t.address().getInetAddress() instanceof Inet4Address ? TransportDomains.transportDomainUdpIpv4
                    : TransportDomains.transportDomainUdpIpv6;
            targets.addTargetAddress(new OctetString("ipmpd-" + t.name()), domain,
                    new OctetString(t.address().getValue()), settings.informTimeoutMs() / 10, settings.informRetries(),
                    tag, params, StorageType.readOnly);
            notifications.addNotifyEntry(new OctetString("ipmpd-" + t.name()), tag,
                    t.inform() ? SnmpNotificationMIB.SnmpNotifyTypeEnum.inform : SnmpNotificationMIB.SnmpNotifyTypeEnum.trap,
                    StorageType.readOnly);
        }
    }

    /** Requests with a community: only the read-only community of agent.conf (trap communities never). */
    private static CoexistenceInfoProvider inboundCommunities(SnmpCommunityMIB mib, String community) {
        OctetString ro = community == null ? null : new OctetString(community);
        return new CoexistenceInfoProvider() {
            @Override
            public CoexistenceInfo[] getCoexistenceInfo(OctetString c) {
                return ro != null && ro.equals(c) ? mib.getCoexistenceInfo(c) : null;
            }

            @Override
            public OctetString getCommunity(OctetString securityName, OctetString contextEngineID,
                                            OctetString contextName) {
                return mib.getCommunity(securityName, contextEngineID, contextName);
            }

            @Override
            public boolean passesFilter(Address address, CoexistenceInfo info) {
                return mib.passesFilter(address, info);
            }
        };
    }

    /** ipmpNotificationTypes as the state file keeps it: the bits' labels, comma separated. */
    static final List<String> NOTIFICATION_TYPE_LABELS = List.of("linkDown", "linkUp", "interfaceFailed",
            "interfaceRepaired", "groupStateChange", "addressMoved", "fdtChanged", "interfaceConfigChange", "probingChange",
            "targetChange");

    /** The notification types the state file's value names (every type when it names none). */
    static long notificationTypes(String labels) {
        if (labels == null) {
            return IpmpMib.ALL_NOTIFICATION_TYPES;
        }
        long types = 0;
        for (String w : labels.split(",")) {
            int n = NOTIFICATION_TYPE_LABELS.indexOf(w.strip());
            if (n >= 0) {
                types |= 1L << n;
            }
        }
        return types;
    }

    /** The notification types kept in a configuration directory's state file (for tests). */
    static long readNotificationTypes(Path dir) throws java.io.IOException {
        for (String l : Files.readAllLines(dir.resolve(STATE_FILE), StandardCharsets.UTF_8)) {
            if (l.startsWith(SnmpStateFile.NOTIFICATION_TYPES + "=")) {
                return notificationTypes(l.substring(l.indexOf('=') + 1));
            }
        }
        return IpmpMib.ALL_NOTIFICATION_TYPES;
    }

    static String notificationTypesText(long types) {
        List<String> labels = new ArrayList<>();
        for (int n = 0; n < NOTIFICATION_TYPE_LABELS.size(); n++) {
            if ((types & (1L << n)) != 0) {
                labels.add(NOTIFICATION_TYPE_LABELS.get(n));
            }
        }
        return String.join(",", labels);
    }

    /** Stops listening, stops the notification thread and the workers; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (warmUp != null) {
            warmUp.interrupt();
        }
        if (notifier != null) {
            listeners.remove(notifier);
            if (notifierLoop != null) {
                notifierLoop.removeAfterWork(notifierRelease);
            }
            notifier.close();
        }
        if (subagent != null) {
            subagent.close();
        }
        for (Snmp s : new Snmp[] {session, notifySession}) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    log.warning("SNMP: closing: " + e.getMessage());
                }
            }
        }
        if (workers != null) {
            workers.stop();
        }
        if (groupIndexes != null) {
            groupIndexes.close();
        }
        if (session != null || subagent != null) {
            log.info("SNMP agent stopped");
        }
    }

}
