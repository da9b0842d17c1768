package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.mo.snmp.NotificationOriginatorImpl;
import org.snmp4j.agent.mo.snmp.SnmpCommunityMIB;
import org.snmp4j.agent.mo.snmp.SnmpNotificationMIB;
import org.snmp4j.agent.mo.snmp.SnmpTargetMIB;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.agent.mo.snmp.SysUpTime;
import org.snmp4j.agent.mo.snmp.TransportDomains;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.MessageProcessingModel;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends a few thousand notifications at start-up through a private copy of the agent's
 * notification stack (snmp4j-agent's originator with its target, notification and community
 * MIBs and the agent's VACM rules; MPv3 with a USM of the users' own authentication and privacy
 * protocols; a UDP socket) to a loopback socket of its own that drops them. Measured on the
 * 2-core VM: a notification takes about 750 us through cold code and 60-100 us once the JIT has
 * compiled it, and a failure sends three to five in a row (linkDown, ipmpLinkDown,
 * ipmpInterfaceFailed, ...), each waiting for the one before: without this the first failures
 * after a start reach the NMS several milliseconds later. Nothing reaches a configured
 * destination, the log or the agent's counters. On a low-priority background thread, stopped by
 * an interrupt.
 */
final class NotificationWarmUp {
    static final int NOTIFICATIONS = 3000;
    private static final String USER = "ipmpd-warmup-";

    private NotificationWarmUp() {
    }

    static Thread startInBackground(SecurityProtocols protocols, byte[] engineId, List<SnmpUsers.User> users,
                                    SysUpTime sysUpTime, IpmpdLog log) {
        Thread t = new Thread(() -> run(protocols, engineId, users, sysUpTime, log, NOTIFICATIONS), "ipmpd-snmp-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** @return how many notifications the sink received (for tests); -1 when the warm-up failed */
    static int run(SecurityProtocols protocols, byte[] engineId, List<SnmpUsers.User> users, SysUpTime sysUpTime,
                   IpmpdLog log, int count) {
        try (DatagramChannel sink = DatagramChannel.open()) {
            sink.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            sink.configureBlocking(false);
            List<SnmpUsers.User> warm = warmUpUsers(users);
            USM usm = new USM(protocols, new OctetString(engineId), 0);
            for (SnmpUsers.User u : warm) {
                usm.addUser(new UsmUser(new OctetString(u.name()), u.authProtocol(), new OctetString(u.authPassword()),
                        u.privProtocol(), new OctetString(u.privPassword())));
            }
            SecurityModels models = new SecurityModels();
            models.addSecurityModel(usm);
            MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
            dispatcher.addMessageProcessingModel(new MPv3(engineId, null, protocols, models, new CounterSupport()));
            NotifySession session = new NotifySession(dispatcher, log);
            try {
                session.addTransportMapping(new DefaultUdpTransportMapping(
                        new UdpAddress(InetAddress.getLoopbackAddress(), 0), false));
                session.listen();
                NotificationOriginatorImpl originator = originator(session, dispatcher, warm, sysUpTime,
                        ((InetSocketAddress) sink.getLocalAddress()).getPort());
                VariableBinding[] vbs = sampleVarbinds();
                ByteBuffer drop = ByteBuffer.allocate(65536);
                int received = 0;
                for (int i = 0; i < count && !Thread.currentThread().isInterrupted(); i++) {
                    originator.notify(new OctetString(), i % 2 == 0 ? SnmpConstants.linkDown : IpmpMib.INTERFACE_FAILED,
                            new IpmpNotifier.PlainTimeTicks(i), vbs);
                    while (sink.receive(drop) != null) {
                        drop.clear();
                        received++;
                    }
                }
                return received;
            } finally {
                session.close();
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            return -1; // only a warm-up: the agent's own stack is unaffected
        }
    }

    /** One user per authentication and privacy protocol pair the users file names, with fresh passwords. */
    private static List<SnmpUsers.User> warmUpUsers(List<SnmpUsers.User> users) {
        Map<String, SnmpUsers.User> byProtocols = new LinkedHashMap<>();
        SecureRandom random = new SecureRandom();
        for (SnmpUsers.User u : users) {
            String key = u.auth() + "/" + u.priv();
            byProtocols.computeIfAbsent(key, k -> new SnmpUsers.User(USER + byProtocols.size(), SnmpUsers.Access.NOTIFY,
                    u.auth(), secret(random), u.priv(), secret(random)));
        }
        return new ArrayList<>(byProtocols.values());
    }

    private static String secret(SecureRandom random) {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static NotificationOriginatorImpl originator(NotifySession session, MessageDispatcherImpl dispatcher,
                                                         List<SnmpUsers.User> warm, SysUpTime sysUpTime, int sinkPort) {
        SnmpTargetMIB targets = new SnmpTargetMIB(dispatcher);
        targets.addDefaultTDomains();
        SnmpNotificationMIB notifications = new SnmpNotificationMIB();
        SnmpCommunityMIB communities = new SnmpCommunityMIB(targets);
        VacmMIB vacm = new VacmMIB(new MOServer[] {new DefaultMOServer()});
        StaticViews views = new StaticViews(vacm);
        SnmpAgent.configureVacm(vacm, views, warm);
        views.seal();
        UdpAddress sink = new UdpAddress(InetAddress.getLoopbackAddress(), sinkPort);
        for (SnmpUsers.User u : warm) {
            OctetString name = new OctetString(u.name());
            targets.addTargetParams(name, MessageProcessingModel.MPv3, SecurityModel.SECURITY_MODEL_USM, name,
                    SecurityLevel.AUTH_PRIV, StorageType.volatile_);
            targets.addTargetAddress(name, TransportDomains.transportDomainUdpIpv4, new OctetString(sink.getValue()),
                    100, 0, name, name, StorageType.volatile_);
            notifications.addNotifyEntry(name, name, SnmpNotificationMIB.SnmpNotifyTypeEnum.trap, StorageType.volatile_);
        }
        return new NotificationOriginatorImpl(session, views, sysUpTime, targets, notifications, communities);
    }

    /** Varbinds of the kinds IPMP-MIB's notifications carry (names, numbers, BITS, gauges, time). */
    private static VariableBinding[] sampleVarbinds() {
        OID entry = new OID(IpmpMib.MIB).append(99);
        return new VariableBinding[] {
            new VariableBinding(new OID(entry).append(1), new OctetString("warm0")),
            new VariableBinding(new OID(entry).append(2), new OctetString("warm-group")),
            new VariableBinding(new OID(entry).append(3), new Integer32(2)),
            new VariableBinding(new OID(entry).append(4), new OctetString(new byte[] {(byte) 0xc2, 0x10, 0x20, (byte) 0x90, 0})),
            new VariableBinding(new OID(entry).append(5), new Gauge32(3)),
            new VariableBinding(new OID(entry).append(6), new OctetString(new byte[] {(byte) 192, 0, 2, 50})),
            new VariableBinding(new OID(entry).append(7), new IpmpNotifier.PlainTimeTicks(12345))
        };
    }
}
