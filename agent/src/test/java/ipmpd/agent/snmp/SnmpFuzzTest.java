package ipmpd.agent.snmp;

import ipmpd.engine.config.IpmpConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.TransportStateReference;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.IpAddress;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Opaque;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static ipmpd.agent.snmp.SnmpFuzzCorpus.GET;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.GETBULK;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.GETNEXT;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.SET;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.community;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.concat;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.discovery;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.integer;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.nul;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.octets;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.oid;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.pdu;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.scoped;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.tlv;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.unsigned;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.usm;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.v3;
import static ipmpd.agent.snmp.SnmpFuzzCorpus.varbind;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4: a seeded fuzzer against the SNMP agent (in-process ipmpd on the loopback platform, v1/v2c
 * enabled with a read-only community, v3 users from the fixture). At least 100,000 malformed and
 * mutated messages go to the agent's UDP port: v1, v2c, v3 engine ID discovery and mutated authPriv
 * messages (made by snmp4j with the real keys, then mutated); truncations, wrong BER lengths, bulk
 * extremes, bad OIDs, wrong types in SETs, bit flips, duplicated varbinds, ~64 KiB messages.
 * Replies are drained by a background thread; the sender keeps at most a small window of
 * datagrams ahead of what the agent has counted in (snmpInPkts, read in-process), so the storm is
 * actually parsed rather than dropped by the kernel (at most 48 datagrams / ~80 KB ahead; the
 * agent's socket buffer is ~100 KiB). Asserts: the agent keeps answering (a v3 GET every tenth of
 * the run and after it is answered; snmpget works), it took in (nearly) every datagram, no
 * thread died, no SET went through, and the configuration directory and the engine's configuration
 * are unchanged. Also: a request naming a foreign engine ID gets usmStatsUnknownEngineIDs, twice
 * (the agent neither remembers engine IDs nor localizes keys for them).
 * <p>
 * Replay a failure with {@code -Dipmpd.fuzz.seed=N} (the seed is printed); {@code
 * -Dipmpd.fuzz.messages=N} changes the count, {@code -Dipmpd.fuzz.kind=K} sends only one kind.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class SnmpFuzzTest {
    private static final String COMMUNITY = "fuzz-ro";
    private static final int MESSAGES = Integer.getInteger("ipmpd.fuzz.messages", 110_000);
    /** Datagrams the sender may be ahead of the agent's snmpInPkts (the socket buffer holds more). */
    private static final int WINDOW = 48;
    /** Estimated socket-buffer bytes ahead (the agent's UDP receive buffer is ~100 KiB here). */
    private static final long WINDOW_BYTES = 80_000;
    private static final OID SNMP_IN_PKTS = new OID("1.3.6.1.2.1.11.1.0");
    private static final OID SNMP_IN_BAD_VERSIONS = new OID("1.3.6.1.2.1.11.3.0");
    private static final OID SNMP_IN_BAD_COMMUNITY = new OID("1.3.6.1.2.1.11.4.0");
    private static final OID SNMP_IN_ASN_PARSE_ERRS = new OID("1.3.6.1.2.1.11.6.0");
    private static final OID SYS_UPTIME = new OID("1.3.6.1.2.1.1.3.0");
    private static final OID FAILBACK = IpmpMib.oid(IpmpMib.GLOBALS, IpmpMib.FAILBACK, 0);
    private static final OID FDT = IpmpMib.oid(IpmpMib.GLOBALS, IpmpMib.FDT, 0);

    private SnmpFixture f;
    private Snmp client;
    private DatagramChannel channel;
    private Thread drainer;
    private final List<String> threadDeaths = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previousHandler;
    private boolean handlerSet;

    @AfterEach
    void stop() throws Exception {
        if (handlerSet) {
            Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        }
        if (channel != null) {
            channel.close();
        }
        if (drainer != null) {
            drainer.join(2000);
        }
        if (client != null) {
            client.close();
        }
        if (f != null) {
            f.close();
        }
    }

    /** A writable object, the BER tag its SYNTAX takes (never sent to it), and its snmp4j value type. */
    private record Writable(String name, OID oid, int rightTag) {
    }

    private static List<Writable> writables() {
        List<Writable> w = new ArrayList<>();
        w.add(new Writable("ipmpFailureDetectionTime", FDT, 0x42));
        w.add(new Writable("ipmpFailback", FAILBACK, 0x02));
        w.add(new Writable("ipmpTrackInterfacesOnlyWithGroups", IpmpMib.oid(IpmpMib.GLOBALS, IpmpMib.TRACK, 0), 0x02));
        w.add(new Writable("ipmpNotificationsEnabled", IpmpMib.oid(IpmpMib.GLOBALS, IpmpMib.NOTIFICATIONS_ENABLED, 0),
                0x02));
        w.add(new Writable("ipmpGroupName.1", IpmpMib.oid(IpmpMib.GROUP_ENTRY, IpmpMib.G_NAME, 1), 0x04));
        w.add(new Writable("ipmpGroupName.9", IpmpMib.oid(IpmpMib.GROUP_ENTRY, IpmpMib.G_NAME, 9), 0x04));
        w.add(new Writable("ipmpGroupStorageType.1", IpmpMib.oid(IpmpMib.GROUP_ENTRY, IpmpMib.G_STORAGE, 1), 0x02));
        w.add(new Writable("ipmpGroupRowStatus.1", IpmpMib.oid(IpmpMib.GROUP_ENTRY, IpmpMib.G_ROW_STATUS, 1), 0x02));
        w.add(new Writable("ipmpGroupRowStatus.9", IpmpMib.oid(IpmpMib.GROUP_ENTRY, IpmpMib.G_ROW_STATUS, 9), 0x02));
        w.add(new Writable("ipmpIfGroupName.2", IpmpMib.oid(IpmpMib.IF_ENTRY, IpmpMib.IF_GROUP_NAME, 2), 0x04));
        w.add(new Writable("ipmpIfStandby.3", IpmpMib.oid(IpmpMib.IF_ENTRY, IpmpMib.IF_STANDBY, 3), 0x02));
        w.add(new Writable("ipmpIfOffline.2", IpmpMib.oid(IpmpMib.IF_ENTRY, IpmpMib.IF_OFFLINE, 2), 0x02));
        w.add(new Writable("ipmpConfTargetRowStatus", IpmpMib.oid(IpmpMib.CONF_TARGET_ENTRY, IpmpMib.CT_ROW_STATUS,
                1, 1, 4, 192, 0, 2, 1), 0x02));
        w.add(new Writable("ipmpConfTargetRowStatus.new", IpmpMib.oid(IpmpMib.CONF_TARGET_ENTRY,
                IpmpMib.CT_ROW_STATUS, 1, 1, 4, 192, 0, 2, 99), 0x02));
        w.add(new Writable("ipmpConfTargetStorageType", IpmpMib.oid(IpmpMib.CONF_TARGET_ENTRY, IpmpMib.CT_STORAGE,
                1, 1, 4, 192, 0, 2, 1), 0x02));
        w.add(new Writable("snmpTargetAddrRowStatus.fz", new OID("1.3.6.1.6.3.12.1.2.1.9.2.102.122"), 0x02));
        w.add(new Writable("snmpTargetAddrTAddress.fz", new OID("1.3.6.1.6.3.12.1.2.1.3.2.102.122"), 0x04));
        w.add(new Writable("snmpTargetParamsRowStatus.fz", new OID("1.3.6.1.6.3.12.1.3.1.7.2.102.122"), 0x02));
        w.add(new Writable("sysContact", new OID("1.3.6.1.2.1.1.4.0"), 0x04));
        return w;
    }

    /** A BER value whose type is not rightTag: OctetString, INTEGER, NULL, Counter64, ..., exceptions. */
    private static byte[] wrongValue(int rightTag, Random r) {
        while (true) {
            int pick = r.nextInt(12);
            byte[] v = switch (pick) {
                case 0 -> octets(r.nextBoolean() ? "true" : "g0");
                case 1 -> integer(r.nextBoolean() ? 1 : 0x7FFFFFFF);
                case 2 -> nul();
                case 3 -> unsigned(0x46, BigInteger.ONE.shiftLeft(63)); // Counter64
                case 4 -> unsigned(0x41, BigInteger.valueOf(1000)); // Counter32
                case 5 -> unsigned(0x42, BigInteger.valueOf(2)); // Gauge32 / Unsigned32
                case 6 -> unsigned(0x43, BigInteger.valueOf(1000)); // TimeTicks
                case 7 -> tlv(0x40, new byte[] {(byte) 192, 0, 2, 1}); // IpAddress
                case 8 -> oid("1.3.6.1.4.1.99999");
                case 9 -> tlv(0x44, new byte[] {0x02, 0x01, 0x01}); // Opaque
                case 10 -> new byte[] {(byte) (0x80 + r.nextInt(3)), 0}; // noSuchObject ... endOfMibView
                default -> tlv(0x47, new byte[] {1}); // unknown application tag
            };
            if ((v[0] & 0xFF) != rightTag) {
                return v;
            }
        }
    }

    private static Variable wrongVariable(int rightTag, Random r) {
        while (true) {
            Variable v = switch (r.nextInt(11)) {
                case 0 -> new OctetString(r.nextBoolean() ? "true" : "g1");
                case 1 -> new Integer32(r.nextBoolean() ? 1 : Integer.MIN_VALUE);
                case 2 -> new Null();
                case 3 -> new Counter64(Long.MAX_VALUE);
                case 4 -> new Counter32(1000);
                case 5 -> new Gauge32(2);
                case 6 -> new TimeTicks(1000);
                case 7 -> new IpAddress("192.0.2.1");
                case 8 -> new OID("1.3.6.1.4.1.99999");
                case 9 -> new Opaque(new byte[] {1, 2, 3});
                default -> r.nextBoolean() ? Null.noSuchObject : Null.endOfMibView;
            };
            int tag = v.getSyntax();
            if (tag != rightTag && !(rightTag == 0x42 && v instanceof Gauge32)) {
                return v;
            }
        }
    }

    private Map<String, byte[]> configFiles() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(f.configDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private IpmpConfiguration engineConfig() throws Exception {
        return f.daemon.loop().call(() -> IpmpConfiguration.of(f.daemon.loop().engine().snapshot()));
    }

    private long counter(OID oid) {
        Variable v = DefaultMOServer.getValue(f.agent.server(), new OctetString(), oid);
        return v == null ? -1 : v.toLong();
    }

    /** A normal v3 authPriv GET; must be answered (within the client's generous wait). Returns the time it took (ms). */
    private long normalGet(String when) throws IOException {
        ScopedPDU p = new ScopedPDU();
        p.setType(PDU.GET);
        p.add(new VariableBinding(SYS_UPTIME));
        p.add(new VariableBinding(FAILBACK));
        long t0 = System.nanoTime();
        ResponseEvent<UdpAddress> e = client.send(p, f.javaTarget(SnmpFixture.RO));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        PDU r = e.getResponse();
        assertNotNull(r, "GET " + when + ": no answer (" + ms + " ms)" + (e.getError() == null ? ""
                : ": " + e.getError()));
        assertEquals(PDU.RESPONSE, r.getType(), "GET " + when + ": " + r);
        assertEquals(0, r.getErrorStatus(), "GET " + when + ": " + r);
        assertEquals(new Integer32(1), r.get(1).getVariable(), "GET " + when + ": ipmpFailback " + r);
        return ms;
    }

    /** The kernel's drop counter of the agent's UDP socket (/proc/net/udp6 or udp), -1 if not found. */
    private long kernelDrops() {
        String port = String.format(":%04X", f.port);
        for (String table : new String[] {"/proc/net/udp6", "/proc/net/udp"}) {
            try {
                for (String l : Files.readAllLines(Path.of(table))) {
                    String[] w = l.trim().split("\\s+");
                    if (w.length > 2 && w[1].endsWith(port) && w[2].endsWith(":0000")) {
                        return Long.parseLong(w[w.length - 1]);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not Linux, or another layout
            }
        }
        return -1;
    }

    /** A transport that records what snmp4j would send (authPriv messages with the real keys). */
    private static final class Capture extends DefaultUdpTransportMapping {
        final List<byte[]> sent = new ArrayList<>();

        Capture() throws IOException {
            super(new UdpAddress("127.0.0.1/0"));
        }

        @Override
        public void sendMessage(UdpAddress address, byte[] message, TransportStateReference ref, long timeout,
                                int retries) {
            sent.add(message.clone());
        }
    }

    /** Valid authPriv messages for mutation and replay: GETs, bulk extremes, bad OIDs, wrong-type SETs. */
    private List<byte[]> authPrivSeeds(Random r) throws Exception {
        Capture cap = new Capture();
        try {
            List<Writable> ws = writables();
            for (int i = 0; i < 120; i++) {
                boolean rw = r.nextBoolean();
                ScopedPDU p = new ScopedPDU();
                switch (i % 6) {
                    case 0 -> {
                        p.setType(PDU.GET);
                        p.add(new VariableBinding(SYS_UPTIME));
                        p.add(new VariableBinding(FAILBACK));
                    }
                    case 1 -> {
                        p.setType(PDU.GETNEXT);
                        p.add(new VariableBinding(new OID("1.3.6.1")));
                        p.add(new VariableBinding(IpmpMib.MIB));
                    }
                    case 2 -> {
                        p.setType(PDU.GETBULK);
                        p.setMaxRepetitions(r.nextBoolean() ? Integer.MAX_VALUE : r.nextInt(100_000));
                        p.setNonRepeaters(r.nextBoolean() ? -1 : r.nextBoolean() ? Integer.MIN_VALUE : 5);
                        p.add(new VariableBinding(new OID("1.3.6.1")));
                        p.add(new VariableBinding(IpmpMib.MIB));
                        p.add(new VariableBinding(new OID("1.3.6.1.2.1.2.2")));
                    }
                    case 3 -> { // odd OIDs that snmp4j will still encode
                        p.setType(r.nextBoolean() ? PDU.GET : PDU.GETNEXT);
                        int[] big = new int[128 + r.nextInt(200)];
                        Arrays.fill(big, 7);
                        big[0] = 1;
                        big[1] = 3;
                        p.add(new VariableBinding(new OID(big)));
                        p.add(new VariableBinding(new OID(new int[] {1, 3, 6, 1, -1, -1})));
                        p.add(new VariableBinding(new OID(new int[] {1, 3})));
                    }
                    default -> { // wrong types to writable objects, sometimes duplicated
                        rw = true;
                        p.setType(PDU.SET);
                        int n = 1 + r.nextInt(4);
                        for (int k = 0; k < n; k++) {
                            Writable w = ws.get(r.nextInt(ws.size()));
                            VariableBinding vb = new VariableBinding(w.oid(), wrongVariable(w.rightTag(), r));
                            int copies = r.nextInt(3) == 0 ? 2 + r.nextInt(20) : 1;
                            for (int c = 0; c < copies; c++) {
                                p.add(vb);
                            }
                        }
                    }
                }
                client.getMessageDispatcher().sendPdu(cap, f.javaTarget(rw ? SnmpFixture.RW : SnmpFixture.RO), p, false);
            }
            return List.copyOf(cap.sent);
        } finally {
            cap.close();
        }
    }

    /** Sends one discovery message and waits (bounded) for the report: engine ID, boots, time. */
    private SnmpFuzzCorpus.Node discover() throws Exception {
        return exchange(discovery(4711, 4712), "the engine ID discovery message");
    }

    /** Sends one message and waits (bounded) for one answer, parsed. */
    private SnmpFuzzCorpus.Node exchange(byte[] message, String what) throws Exception {
        try (DatagramChannel c = DatagramChannel.open()) {
            c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), f.port));
            c.write(ByteBuffer.wrap(message));
            c.configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate(65536);
            long end = System.nanoTime() + 30_000_000_000L; // a wait for the answer, generous for a loaded machine
            while (c.read(b) <= 0) {
                assertTrue(System.nanoTime() < end, "no answer within 30 s to " + what);
                Thread.sleep(5);
            }
            b.flip();
            byte[] reply = new byte[b.remaining()];
            b.get(reply);
            return SnmpFuzzCorpus.parse(reply);
        }
    }

    @Test
    void malformedAndMutatedMessagesChangeNothing() throws Exception {
        long seed = Long.getLong("ipmpd.fuzz.seed", System.nanoTime());
        System.out.println("SnmpFuzzTest seed " + seed + " (replay: -Dipmpd.fuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        long t0 = System.nanoTime();
        f = SnmpFixture.standard(Map.of(SnmpSettings.COMMUNITY, COMMUNITY));
        Map<String, byte[]> filesBefore = configFiles();
        IpmpConfiguration configBefore = engineConfig();

        // the real discovery exchange: a report that names the agent's engine ID
        SnmpFuzzCorpus.Node report = discover();
        SnmpFuzzCorpus.Node usmParams = report.kids.get(2).kids.get(0);
        byte[] engineId = usmParams.kids.get(0).content;
        assertEquals(f.agent.engineIdHex().toLowerCase(), HexFormat.of().formatHex(engineId),
                "engine ID in the discovery report");
        long boots = new BigInteger(usmParams.kids.get(1).content).longValue();
        long time = new BigInteger(usmParams.kids.get(2).content).longValue();

        // a request naming another engine ID is refused (RFC 3414 3.2.3) and the ID is not remembered:
        // twice the same answer, usmStatsUnknownEngineIDs
        byte[] foreign = HexFormat.of().parseHex("80001f8804666f726569676e");
        for (int i = 0; i < 2; i++) {
            byte[] get = pdu(GET, 200 + i, 0, 0, List.of(varbind(oid("1.3.6.1.2.1.1.3.0"), nul())));
            byte[] request = v3(100 + i, 65507, 0x04, 3, usm(foreign, 1, 1, SnmpFixture.RO.getBytes(
                    StandardCharsets.US_ASCII), new byte[0], new byte[0]), scoped(foreign, new byte[0], get));
            SnmpFuzzCorpus.Node rep = exchange(request, "a request naming a foreign engine ID");
            SnmpFuzzCorpus.Node pdu = rep.kids.get(3).kids.get(2);
            assertEquals(SnmpFuzzCorpus.REPORT, pdu.tag, "a report");
            assertArrayEquals(SnmpFuzzCorpus.oidContent(SnmpFuzzCorpus.arcs("1.3.6.1.6.3.15.1.1.4.0")),
                    pdu.kids.get(3).kids.get(0).kids.get(0).content, "usmStatsUnknownEngineIDs (attempt " + (i + 1) + ")");
        }

        client = SnmpFixture.javaClient("ipmpd-fuzz-client", 65535);
        normalGet("before the storm");
        List<byte[]> authPriv = authPrivSeeds(r);

        // plaintext seeds: v1/v2c requests and v3 messages without authentication
        byte[] comm = COMMUNITY.getBytes(StandardCharsets.US_ASCII);
        List<byte[]> plain = new ArrayList<>();
        List<byte[]> someVbs = List.of(varbind(oid("1.3.6.1.2.1.1.1.0"), nul()), varbind(oid(FAILBACK.toDottedString()),
                nul()), varbind(oid("1.3.6.1.2.1.2.2.1.2.2"), nul()));
        for (int version : new int[] {0, 1}) {
            plain.add(community(version, comm, pdu(GET, 1, 0, 0, someVbs)));
            plain.add(community(version, comm, pdu(GETNEXT, 2, 0, 0, someVbs)));
            plain.add(community(version, comm, pdu(GETBULK, 3, 1, 10, someVbs)));
            plain.add(community(version, comm, pdu(SET, 4, 0, 0, List.of(varbind(oid(FAILBACK.toDottedString()),
                    octets("yes"))))));
            plain.add(community(version, "public".getBytes(StandardCharsets.US_ASCII), pdu(GET, 5, 0, 0, someVbs)));
            // sub-identifiers of 2^32 and more (snmp4j alone would read their low 32 bits: row 1, .0)
            plain.add(community(version, comm, pdu(GET, 6, 0, 0, List.of(varbind(oid(
                    IpmpMib.oid(IpmpMib.GROUP_ENTRY, IpmpMib.G_NAME, 1).trim().toDottedString() + ".4294967297"), nul())))));
            plain.add(community(version, comm, pdu(SET, 7, 0, 0, List.of(varbind(oid(
                    IpmpMib.oid(IpmpMib.GLOBALS, IpmpMib.NOTIFICATIONS_ENABLED, 0).trim().toDottedString() + ".4294967296"),
                    integer(2))))));
        }
        plain.add(discovery(7, 8));
        byte[] noAuthGet = v3(9, 65507, 0x04, 3, usm(engineId, boots, time, SnmpFixture.RO.getBytes(
                StandardCharsets.US_ASCII), new byte[0], new byte[0]), scoped(engineId, new byte[0],
                pdu(GET, 10, 0, 0, someVbs)));
        plain.add(noAuthGet);
        plain.add(v3(15, 65507, 0x04, 3, usm(engineId, boots, time, SnmpFixture.RO.getBytes(StandardCharsets.US_ASCII),
                new byte[0], new byte[0]), scoped(engineId, new byte[0], pdu(GETNEXT, 16, 0, 0, List.of(varbind(oid(
                "1.3.6.1.4.1.99999.1.1.2.1.2.18446744073709551615"), nul()))))));
        plain.add(v3(11, 65507, 0x05, 3, usm(engineId, boots, time, SnmpFixture.RW.getBytes(StandardCharsets.US_ASCII),
                new byte[48], new byte[0]), scoped(engineId, new byte[0], pdu(SET, 12, 0, 0, List.of(varbind(oid(
                FDT.toDottedString()), integer(1000)))))));
        plain.add(v3(13, 65507, 0x04, 3, usm(engineId, boots, time, "nobody".getBytes(StandardCharsets.US_ASCII),
                new byte[0], new byte[0]), scoped(engineId, new byte[0], pdu(GET, 14, 0, 0, someVbs))));
        List<SnmpFuzzCorpus.Node> trees = new ArrayList<>();
        for (byte[] b : plain) {
            trees.add(SnmpFuzzCorpus.parse(b));
        }
        List<SnmpFuzzCorpus.Node> authTrees = new ArrayList<>();
        for (byte[] b : authPriv) {
            authTrees.add(SnmpFuzzCorpus.parse(b));
        }
        List<byte[]> all = new ArrayList<>(plain);
        all.addAll(authPriv);
        List<Writable> ws = writables();

        // the storm
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        handlerSet = true;
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> threadDeaths.add(t.getName() + ": " + e));
        channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), f.port));
        AtomicLong replies = new AtomicLong();
        List<String> drainErrors = new CopyOnWriteArrayList<>();
        drainer = new Thread(() -> {
            ByteBuffer b = ByteBuffer.allocateDirect(65536);
            while (channel.isOpen()) {
                try {
                    b.clear();
                    channel.receive(b);
                    replies.incrementAndGet();
                } catch (PortUnreachableException e) {
                    drainErrors.add("ICMP port unreachable: the agent stopped listening");
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    drainErrors.add(e.toString());
                }
            }
        }, "snmp-fuzz-drain");
        drainer.setDaemon(true);
        drainer.start();

        long dropsBefore = kernelDrops();
        long inPktsBefore = counter(SNMP_IN_PKTS);
        long parseErrsBefore = counter(SNMP_IN_ASN_PARSE_ERRS);
        long badVersionsBefore = counter(SNMP_IN_BAD_VERSIONS);
        long badCommunityBefore = counter(SNMP_IN_BAD_COMMUNITY);
        long[] perKind = new long[KINDS.length];
        long[] cumulative = new long[MESSAGES + 1]; // estimated receive-buffer cost of the first n datagrams
        long bytes = 0;
        long writtenOff = 0;
        long maxStallMs = 0;
        List<Long> midRunGets = new ArrayList<>();
        long stormStart = System.nanoTime();
        int sent = 0;
        int checkEvery = MESSAGES / 10;
        int forced = Integer.getInteger("ipmpd.fuzz.kind", -1);
        while (sent < MESSAGES) {
            int kind = forced >= 0 ? forced : pick(r);
            byte[] msg = switch (kind) {
                case 0 -> SnmpFuzzCorpus.mutateBytes(plain.get(r.nextInt(plain.size())), all.get(r.nextInt(all.size())), r);
                case 1 -> SnmpFuzzCorpus.mutateTree(trees.get(r.nextInt(trees.size())), r);
                case 2 -> bulk(r, comm, engineId, boots, time);
                case 3 -> badOids(r, comm);
                case 4 -> wrongTypeSet(r, comm, ws);
                case 5 -> duplicated(r, comm);
                case 6 -> oversized(r, comm, all);
                case 7 -> discoveryVariant(r, engineId, boots, time);
                case 8 -> r.nextInt(3) == 0 ? SnmpFuzzCorpus.mutateTree(authTrees.get(r.nextInt(authTrees.size())), r)
                        : SnmpFuzzCorpus.mutateBytes(authPriv.get(r.nextInt(authPriv.size())),
                        all.get(r.nextInt(all.size())), r);
                case 9 -> authPriv.get(r.nextInt(authPriv.size()));
                default -> garbage(r, comm);
            };
            if (msg.length == 0) {
                msg = new byte[] {0x30};
            }
            if (msg.length > 65507) {
                msg = Arrays.copyOf(msg, 65507);
            }
            // Pace on what the agent has taken in (snmpInPkts counts every datagram it reads): a few
            // dozen small datagrams ahead at most, a big one alone, so the agent's socket buffer
            // never overflows and every message is parsed. Datagrams the kernel reports dropped
            // (its drop counter of the agent's socket) are written off, whenever that happens: how
            // long the agent takes to read them depends on the machine's load, not on the agent.
            long cost = msg.length > 8192 ? WINDOW_BYTES : msg.length + 2048;
            long waitStart = System.nanoTime();
            while (true) {
                long taken = Math.min(sent, counter(SNMP_IN_PKTS) - inPktsBefore + writtenOff);
                int ahead = (int) (sent - taken);
                if (ahead == 0 || (ahead < WINDOW && cumulative[sent] - cumulative[(int) taken] + cost <= WINDOW_BYTES)) {
                    break;
                }
                long waited = (System.nanoTime() - waitStart) / 1_000_000;
                maxStallMs = Math.max(maxStallMs, waited);
                if (waited > 100) {
                    long drops = dropsBefore < 0 ? -1 : kernelDrops() - dropsBefore;
                    if (drops < 0 && waited > 10_000) {
                        writtenOff += ahead; // no drop counter to read (not Linux): a long wait must do
                        waitStart = System.nanoTime();
                    } else if (drops > writtenOff) {
                        writtenOff = drops;
                    }
                }
                LockSupport.parkNanos(30_000);
            }
            try {
                channel.write(ByteBuffer.wrap(msg));
            } catch (PortUnreachableException e) {
                throw new AssertionError("the agent stopped listening after " + sent + " messages (seed " + seed + ")",
                        e);
            }
            cumulative[sent + 1] = cumulative[sent] + cost;
            sent++;
            perKind[kind]++;
            bytes += msg.length;
            if (sent % checkEvery == 0) {
                midRunGets.add(normalGet("during the storm after " + sent + " messages (seed " + seed + ")"));
            }
        }
        long stormMs = (System.nanoTime() - stormStart) / 1_000_000;
        // let the agent take in what is still queued (bounded), then a normal GET
        long settle = System.nanoTime() + 3_000_000_000L;
        for (long last = -1, now = counter(SNMP_IN_PKTS); now != last && System.nanoTime() < settle;
             last = now, now = counter(SNMP_IN_PKTS)) {
            Thread.sleep(100);
        }
        long after = normalGet("right after the storm (seed " + seed + ")");
        SnmpFixture.Run get = f.snmp("snmpget", SnmpFixture.RW, "IPMP-MIB::ipmpFailback.0",
                "IPMP-MIB::ipmpFailureDetectionTime.0");
        assertEquals(0, get.exit(), get.toString());
        assertTrue(get.out().contains("ipmpFailback.0 = INTEGER: true(1)"), get.toString());
        assertTrue(f.agent.running(), "agent running");
        assertTrue(f.ipmpstat("-g", "GROUP,STATE").stream().anyMatch(l -> l.startsWith("g0:")),
                "the daemon answers ipmpstat");

        long inPkts = counter(SNMP_IN_PKTS) - inPktsBefore;
        System.out.printf("SnmpFuzzTest: %d messages (%d bytes) in %d ms (seed %d); the agent took in %d "
                        + "(snmpInPkts; %d written off, kernel drops %d), ASN.1 parse errors %d, bad versions %d, bad communities %d; "
                        + "%d replies; longest wait for the agent %d ms; normal GETs during the storm %s ms, after %d ms%n",
                sent, bytes, stormMs, seed, inPkts, writtenOff, kernelDrops() - dropsBefore, counter(SNMP_IN_ASN_PARSE_ERRS) - parseErrsBefore,
                counter(SNMP_IN_BAD_VERSIONS) - badVersionsBefore, counter(SNMP_IN_BAD_COMMUNITY) - badCommunityBefore,
                replies.get(), maxStallMs, midRunGets, after);
        System.out.println("SnmpFuzzTest: " + (System.nanoTime() - t0) / 1_000_000 + " ms in all");
        for (int k = 0; k < KINDS.length; k++) {
            System.out.printf("  %-26s %d%n", KINDS[k], perKind[k]);
        }

        assertTrue(sent >= 100_000 || forced >= 0, "sent " + sent);
        assertTrue(threadDeaths.isEmpty(), "threads died: " + threadDeaths);
        assertTrue(drainErrors.isEmpty(), drainErrors.toString());
        assertTrue(inPkts >= sent * 99L / 100, "the agent took in only " + inPkts + " of " + sent);
        Map<String, byte[]> filesAfter = configFiles();
        assertEquals(filesBefore.keySet(), filesAfter.keySet(), "files of the configuration directory");
        for (Map.Entry<String, byte[]> e : filesBefore.entrySet()) {
            assertArrayEquals(e.getValue(), filesAfter.get(e.getKey()), e.getKey() + " changed");
        }
        assertEquals(configBefore, engineConfig(), "the engine's configuration");
        for (String l : f.logged) {
            assertTrue(!l.matches(".*SNMP SET by \\S+: .*") && !l.contains("failed in commit")
                    && !l.contains("undone") && !l.contains("undo failed"), "a SET went through: " + l);
        }
    }

    private static final String[] KINDS = {"byte-mutated plaintext", "tree-mutated plaintext", "bulk extremes",
        "bad OIDs", "wrong-type SETs", "duplicated varbinds", "oversized (~64 KiB)", "v3 discovery and variants",
        "mutated authPriv", "replayed authPriv", "garbage, bad versions"};
    /** Per mille of each kind: the costly ones (bulk, duplicates, 64 KiB, authenticated replays) are rarer. */
    private static final int[] WEIGHTS = {300, 185, 20, 80, 75, 10, 5, 80, 200, 10, 35};

    private static int pick(Random r) {
        int x = r.nextInt(1000);
        for (int k = 0; k < WEIGHTS.length; k++) {
            x -= WEIGHTS[k];
            if (x < 0) {
                return k;
            }
        }
        return WEIGHTS.length - 1;
    }

    // ------------------------------------------------------------------ generators

    private static byte[] someOid(Random r) {
        String[] oids = {"1.3.6.1.2.1.1.1.0", "1.3.6.1", "1.3.6.1.4.1.99999.1", "1.3.6.1.2.1.2.2.1.2",
            "1.3.6.1.6.3.15.1.2.2", "1.3.6.1.4.1.4976", "1.3.6.1.2.1.11", "0.0", "2.999.1"};
        return oid(oids[r.nextInt(oids.length)]);
    }

    private static BigInteger extreme(Random r) {
        return SnmpFuzzCorpus.INTEGERS[r.nextInt(SnmpFuzzCorpus.INTEGERS.length)];
    }

    /** GETBULK with max-repetitions 2^31-1 (and other extremes), negative non-repeaters. */
    private static byte[] bulk(Random r, byte[] comm, byte[] engineId, long boots, long time) {
        BigInteger nonRep = switch (r.nextInt(4)) {
            case 0 -> BigInteger.valueOf(-1);
            case 1 -> BigInteger.valueOf(Integer.MIN_VALUE);
            case 2 -> BigInteger.valueOf(Integer.MAX_VALUE);
            default -> extreme(r);
        };
        BigInteger maxRep = r.nextInt(3) > 0 ? BigInteger.valueOf(Integer.MAX_VALUE) : extreme(r);
        List<byte[]> vbs = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            vbs.add(varbind(someOid(r), nul()));
        }
        byte[] p = pdu(GETBULK, r.nextInt(), nonRep, maxRep, vbs);
        return switch (r.nextInt(4)) {
            case 0 -> community(0, comm, p); // GETBULK in v1 is not a thing
            case 1 -> v3(r.nextInt(Integer.MAX_VALUE), 65507, 0x04, 3, usm(engineId, boots, time,
                    SnmpFixture.RO.getBytes(StandardCharsets.US_ASCII), new byte[0], new byte[0]),
                    scoped(engineId, new byte[0], p));
            default -> community(1, comm, p);
        };
    }

    /** Empty OIDs, huge sub-identifiers, 128+ arcs, unterminated ones, in any request type. */
    private static byte[] badOids(Random r, byte[] comm) {
        List<byte[]> vbs = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            vbs.add(varbind(tlv(0x06, SnmpFuzzCorpus.badOidContent(r)), r.nextBoolean() ? nul() : integer(1)));
        }
        int[] types = {GET, GETNEXT, GETBULK, SET};
        int type = types[r.nextInt(types.length)];
        return community(r.nextInt(2), comm, pdu(type, r.nextInt(), type == GETBULK ? 0 : 0, type == GETBULK ? 20 : 0,
                vbs));
    }

    /** SETs with values of the wrong type (OctetString to INTEGER objects, NULL, Counter64, ...). */
    private static byte[] wrongTypeSet(Random r, byte[] comm, List<Writable> ws) {
        List<byte[]> vbs = new ArrayList<>();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            Writable w = ws.get(r.nextInt(ws.size()));
            byte[] vb = varbind(oid(w.oid().toDottedString()), wrongValue(w.rightTag(), r));
            int copies = r.nextInt(4) == 0 ? 2 + r.nextInt(30) : 1;
            for (int c = 0; c < copies; c++) {
                vbs.add(vb);
            }
        }
        byte[] c = r.nextInt(8) == 0 ? "public".getBytes(StandardCharsets.US_ASCII) : comm;
        return community(r.nextInt(2), c, pdu(SET, r.nextInt(), 0, 0, vbs));
    }

    /** The same varbind many times (up to ~2,000) in a GET / GETNEXT / GETBULK. */
    private static byte[] duplicated(Random r, byte[] comm) {
        byte[] vb = varbind(someOid(r), nul());
        int copies = r.nextBoolean() ? 2 + r.nextInt(20) : 100 + r.nextInt(1900);
        List<byte[]> vbs = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            vbs.add(vb);
        }
        int[] types = {GET, GETNEXT, GETBULK};
        int type = types[r.nextInt(types.length)];
        return community(1, comm, pdu(type, r.nextInt(), 0, type == GETBULK ? 1 + r.nextInt(50) : 0, vbs));
    }

    /** ~64 KiB: a GET with thousands of varbinds, a huge community, garbage after a valid message. */
    private static byte[] oversized(Random r, byte[] comm, List<byte[]> all) {
        int target = 60_000 + r.nextInt(5_500);
        switch (r.nextInt(4)) {
            case 0 -> {
                List<byte[]> vbs = new ArrayList<>();
                int size = 0;
                while (size < target) {
                    byte[] vb = varbind(oid("1.3.6.1.2.1.1." + (1 + r.nextInt(9)) + ".0"), nul());
                    vbs.add(vb);
                    size += vb.length;
                }
                return community(1, comm, pdu(GET, r.nextInt(), 0, 0, vbs));
            }
            case 1 -> {
                return community(1, SnmpFuzzCorpus.randomBytes(r, target), pdu(GET, 1, 0, 0, List.of()));
            }
            case 2 -> {
                byte[] m = all.get(r.nextInt(all.size()));
                return concat(m, SnmpFuzzCorpus.randomBytes(r, Math.max(0, target - m.length)));
            }
            default -> {
                return SnmpFuzzCorpus.randomBytes(r, target);
            }
        }
    }

    /** Well-formed v3 messages with wrong header fields, and real discovery messages. */
    private static byte[] discoveryVariant(Random r, byte[] engineId, long boots, long time) {
        if (r.nextInt(4) == 0) {
            return discovery(r.nextInt(Integer.MAX_VALUE), r.nextInt());
        }
        long msgId = r.nextBoolean() ? r.nextInt(Integer.MAX_VALUE) : extreme(r).longValue();
        long maxSize = r.nextBoolean() ? 65507 : r.nextBoolean() ? r.nextInt(484) : extreme(r).longValue();
        int flags = r.nextInt(8) | (r.nextInt(8) == 0 ? 0xF8 : 0);
        long model = r.nextInt(3) == 0 ? extreme(r).longValue() : 3;
        byte[] eid = switch (r.nextInt(5)) {
            case 0 -> new byte[0];
            case 1 -> SnmpFuzzCorpus.randomBytes(r, 33 + r.nextInt(200));
            case 2 -> SnmpFuzzCorpus.randomBytes(r, 1 + r.nextInt(4));
            default -> engineId;
        };
        byte[] user = switch (r.nextInt(4)) {
            case 0 -> new byte[0];
            case 1 -> SnmpFuzzCorpus.randomBytes(r, 33 + r.nextInt(300));
            case 2 -> SnmpFixture.RW.getBytes(StandardCharsets.US_ASCII);
            default -> SnmpFixture.RO.getBytes(StandardCharsets.US_ASCII);
        };
        byte[] auth = r.nextBoolean() ? new byte[0] : SnmpFuzzCorpus.randomBytes(r, r.nextBoolean() ? 24 : 1 + r.nextInt(100));
        byte[] priv = r.nextBoolean() ? new byte[0] : SnmpFuzzCorpus.randomBytes(r, r.nextBoolean() ? 8 : 1 + r.nextInt(40));
        long b = r.nextBoolean() ? boots : extreme(r).longValue();
        long t = r.nextBoolean() ? time : extreme(r).longValue();
        byte[] p = pdu(r.nextBoolean() ? GET : GETBULK, r.nextInt(), 0, r.nextBoolean() ? 0 : Integer.MAX_VALUE,
                List.of(varbind(someOid(r), nul())));
        byte[] data = (flags & 0x02) != 0 && r.nextBoolean() ? octets(SnmpFuzzCorpus.randomBytes(r, 16 * (1 + r.nextInt(8))))
                : scoped(r.nextBoolean() ? engineId : eid, r.nextBoolean() ? new byte[0] : "ctx".getBytes(
                        StandardCharsets.US_ASCII), p);
        return v3(msgId, maxSize, flags, model, usm(eid, b, t, user, auth, priv), data);
    }

    /** Random bytes, wrong versions, non-SEQUENCE messages. */
    private static byte[] garbage(Random r, byte[] comm) {
        switch (r.nextInt(4)) {
            case 0 -> {
                return SnmpFuzzCorpus.randomBytes(r, 1 + r.nextInt(r.nextBoolean() ? 16 : 1500));
            }
            case 1 -> {
                BigInteger v = extreme(r);
                return SnmpFuzzCorpus.seq(integer(0x02, v), octets(comm), pdu(GET, 1, 0, 0, List.of(varbind(
                        someOid(r), nul()))));
            }
            case 2 -> {
                return SnmpFuzzCorpus.seq(integer(2), octets(comm), pdu(GET, 1, 0, 0, List.of())); // v2u/v2*
            }
            default -> {
                byte[] b = SnmpFuzzCorpus.randomBytes(r, 2 + r.nextInt(200));
                b[0] = 0x30;
                b[1] = (byte) (r.nextBoolean() ? 0x80 : 0x84);
                return b;
            }
        }
    }
}
