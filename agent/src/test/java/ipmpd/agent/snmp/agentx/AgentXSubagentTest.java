package ipmpd.agent.snmp.agentx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.agent.IpmpdLog;
import ipmpd.agent.snmp.agentx.AgentXPdu.AgentCaps;
import ipmpd.agent.snmp.agentx.AgentXPdu.Bindings;
import ipmpd.agent.snmp.agentx.AgentXPdu.Close;
import ipmpd.agent.snmp.agentx.AgentXPdu.Empty;
import ipmpd.agent.snmp.agentx.AgentXPdu.Header;
import ipmpd.agent.snmp.agentx.AgentXPdu.Open;
import ipmpd.agent.snmp.agentx.AgentXPdu.Registration;
import ipmpd.agent.snmp.agentx.AgentXPdu.Response;
import ipmpd.agent.snmp.agentx.AgentXPdu.Search;
import ipmpd.agent.snmp.agentx.AgentXPdu.SearchRange;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.snmp4j.PDU;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

/**
 * The subagent's session against a scripted master on a Unix socket: open, register and
 * sysORTable entry; the read PDUs' semantics (search range ends, include, endOfMibView, GetBulk);
 * the four SET phases (CleanupSet unanswered); contexts; Notify; a malformed PDU closes the
 * session, which then opens and registers again.
 */
@Timeout(60)
class AgentXSubagentTest {
    private static final OID SUBTREE = new OID("1.3.6.1.4.1.99999.1");
    private static final OID A = new OID("1.3.6.1.4.1.99999.1.1.1.0");
    private static final OID B = new OID("1.3.6.1.4.1.99999.1.1.2.0");
    private static final OID C = new OID("1.3.6.1.4.1.99999.1.2.1.7");

    private Path dir;
    private ServerSocketChannel server;
    private AgentXSubagent subagent;
    private final TreeMap<OID, Variable> values = new TreeMap<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private int packetIds;

    /** An in-memory MIB: A and B writable integers (B refuses negative values), C read-only. */
    private final AgentXMibAccess mib = new AgentXMibAccess() {
        @Override
        public Reader reader() {
            NavigableMap<OID, Variable> view = new TreeMap<>(values);
            return new Reader() {
                @Override
                public Variable get(OID oid) {
                    Variable v = view.get(oid);
                    return v != null ? v : oid.startsWith(SUBTREE) ? Null.noSuchInstance : Null.noSuchObject;
                }

                @Override
                public VariableBinding next(OID from, boolean include, OID end) {
                    Map.Entry<OID, Variable> e = include ? view.ceilingEntry(from) : view.higherEntry(from);
                    return e == null || (end != null && e.getKey().compareTo(end) >= 0) ? null
                            : new VariableBinding(e.getKey(), e.getValue());
                }
            };
        }

        @Override
        public SetTransaction set(String who, List<VariableBinding> bindings) {
            Map<OID, Variable> before = new TreeMap<>(values);
            return new SetTransaction() {
                @Override
                public int[] test() {
                    for (int i = 0; i < bindings.size(); i++) {
                        VariableBinding vb = bindings.get(i);
                        if (!vb.getOid().equals(A) && !vb.getOid().equals(B)) {
                            return new int[] {i, PDU.notWritable};
                        }
                        if (!(vb.getVariable() instanceof Integer32 n)) {
                            return new int[] {i, PDU.wrongType};
                        }
                        if (vb.getOid().equals(B) && n.getValue() < 0) {
                            return new int[] {i, PDU.wrongValue};
                        }
                    }
                    return null;
                }

                @Override
                public boolean commit() {
                    for (VariableBinding vb : bindings) {
                        values.put(vb.getOid(), vb.getVariable());
                    }
                    return true;
                }

                @Override
                public boolean undo() {
                    values.clear();
                    values.putAll(before);
                    return true;
                }
            };
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        values.put(A, new Integer32(1));
        values.put(B, new Integer32(2));
        values.put(C, new OctetString("seven"));
        dir = Files.createTempDirectory("ipmpd-agentx-test");
        Path socket = dir.resolve("master");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        subagent = new AgentXSubagent(AgentXAddress.parse(socket.toString()), mib,
                List.of(new AgentXSubagent.Subtree(SUBTREE, new OctetString("TEST-MIB"))), new OID("1.3.6.1.4.1.99999"),
                "test subagent", log);
        subagent.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        subagent.close();
        server.close();
        Files.deleteIfExists(dir.resolve("master"));
        Files.delete(dir);
    }

    private static AgentXPdu read(SocketChannel c) throws Exception {
        byte[] head = new byte[AgentXCodec.HEADER_LENGTH];
        fill(c, head);
        AgentXCodec.RawHeader h = AgentXCodec.decodeHeader(head);
        byte[] payload = new byte[h.payloadLength()];
        fill(c, payload);
        return AgentXCodec.decodePayload(h, payload);
    }

    private static void fill(SocketChannel c, byte[] into) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new EOFException();
            }
        }
    }

    private static void write(SocketChannel c, byte[] pdu) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(pdu);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void respond(SocketChannel c, AgentXPdu request, int sessionId) throws IOException {
        respond(c, request, sessionId, 0);
    }

    /** A response of the master, with its sysUpTime. */
    private static void respond(SocketChannel c, AgentXPdu request, int sessionId, long upTime) throws IOException {
        Header h = new Header(AgentXPdu.RESPONSE, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, sessionId,
                request.header().transactionId(), request.header().packetId());
        write(c, AgentXCodec.encode(new AgentXPdu(h, null, new Response(upTime, 0, 0, List.of()))));
    }

    /** The master's sysUpTime in its answer to each Open. */
    private static final long MASTER_UP_TIME = 123456;

    /** Accepts the subagent and answers its Open (session 42), Register and AddAgentCaps, checking them. */
    private SocketChannel acceptSession(int sessionId) throws Exception {
        SocketChannel c = server.accept();
        AgentXPdu open = read(c);
        assertEquals(AgentXPdu.OPEN, open.type());
        assertEquals(new Open(AgentXSubagent.TIMEOUT_S, new OID("1.3.6.1.4.1.99999"), new OctetString("test subagent")),
                open.payload());
        respond(c, open, sessionId, MASTER_UP_TIME);
        AgentXPdu reg = read(c);
        assertEquals(new Registration(AgentXPdu.REGISTER, 0, 127, 0, SUBTREE, 0), reg.payload());
        assertEquals(sessionId, reg.header().sessionId());
        respond(c, reg, sessionId);
        AgentXPdu caps = read(c);
        assertEquals(new AgentCaps(AgentXPdu.ADD_AGENT_CAPS, SUBTREE, new OctetString("TEST-MIB")), caps.payload());
        respond(c, caps, sessionId);
        return c;
    }

    /** Sends a request of the master (big-endian unless told) and returns the subagent's response. */
    private AgentXPdu ask(SocketChannel c, int transactionId, OctetString context, AgentXPdu.Payload p, boolean bigEndian)
            throws Exception {
        int packet = ++packetIds;
        write(c, AgentXCodec.encode(new AgentXPdu(new Header(p.type(), bigEndian ? AgentXPdu.FLAG_NETWORK_BYTE_ORDER : 0,
                42, transactionId, packet), context, p)));
        AgentXPdu r = read(c);
        assertEquals(AgentXPdu.RESPONSE, r.type());
        assertEquals(packet, r.header().packetId());
        assertEquals(transactionId, r.header().transactionId());
        assertEquals(bigEndian, (r.header().flags() & AgentXPdu.FLAG_NETWORK_BYTE_ORDER) != 0, "the request's byte order");
        return r;
    }

    private AgentXPdu ask(SocketChannel c, AgentXPdu.Payload p) throws Exception {
        return ask(c, 1, null, p, true);
    }

    private static List<VariableBinding> vbs(AgentXPdu r) {
        return ((Response) r.payload()).bindings();
    }

    private static SearchRange range(OID start, boolean include, OID end) {
        return new SearchRange(start, include, end);
    }

    private static VariableBinding vb(OID oid, Variable v) {
        return new VariableBinding(oid, v);
    }

    @Test
    void readsFollowSearchRanges() throws Exception {
        try (SocketChannel c = acceptSession(42)) {
            awaitRegistered();
            assertTrue(subagent.masterUpTime() >= MASTER_UP_TIME, "the master's sysUpTime: " + subagent.masterUpTime());
            assertEquals(List.of(vb(A, new Integer32(1)), vb(C.trim(), Null.noSuchInstance),
                            vb(new OID("1.3.6.1.2.1.1.1.0"), Null.noSuchObject)),
                    vbs(ask(c, new Search(AgentXPdu.GET, 0, 0, List.of(range(A, false, null), range(C.trim(), false, null),
                            range(new OID("1.3.6.1.2.1.1.1.0"), false, null))))));
            // GetNext: include, exclusive start, end bound, past the last
            assertEquals(List.of(vb(A, new Integer32(1)), vb(B, new Integer32(2)), vb(A, Null.endOfMibView),
                            vb(C, Null.endOfMibView), vb(A, new Integer32(1))),
                    vbs(ask(c, new Search(AgentXPdu.GET_NEXT, 0, 0, List.of(range(A, true, null), range(A, false, null),
                            range(A, false, B), range(C, false, null), range(SUBTREE, false, C))))));
            // in little-endian too
            assertEquals(List.of(vb(B, new Integer32(2))),
                    vbs(ask(c, 9, null, new Search(AgentXPdu.GET_NEXT, 0, 0, List.of(range(A, false, null))), false)));
            // GetBulk: one non-repeater, then rounds until all endOfMibView
            assertEquals(List.of(vb(A, new Integer32(1)),
                            vb(B, new Integer32(2)), vb(C, new OctetString("seven")),
                            vb(C, new OctetString("seven")), vb(C, Null.endOfMibView),
                            vb(C, Null.endOfMibView), vb(C, Null.endOfMibView)),
                    vbs(ask(c, new Search(AgentXPdu.GET_BULK, 1, 10, List.of(range(SUBTREE, false, null),
                            range(A, false, null), range(B, false, null))))));
            // a context the subagent did not register
            assertEquals(AgentXPdu.UNSUPPORTED_CONTEXT, ((Response) ask(c, 1, new OctetString("other"),
                    new Search(AgentXPdu.GET, 0, 0, List.of(range(A, false, null))), true).payload()).error());
            // Ping
            assertEquals(0, ((Response) ask(c, new Empty(AgentXPdu.PING)).payload()).error());
        }
    }

    @Test
    void setPhasesMapOntoTheTransaction() throws Exception {
        try (SocketChannel c = acceptSession(42)) {
            awaitRegistered();
            // refused: the second binding (1-based index 2), nothing changes; CleanupSet has no response
            Response refused = (Response) ask(c, 5, null, new Bindings(AgentXPdu.TEST_SET,
                    List.of(vb(A, new Integer32(10)), vb(B, new Integer32(-1)))), true).payload();
            assertEquals(SnmpConstants.SNMP_ERROR_WRONG_VALUE, refused.error());
            assertEquals(2, refused.index());
            write(c, AgentXCodec.encode(new AgentXPdu(new Header(AgentXPdu.CLEANUP_SET, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, 42,
                    5, ++packetIds), null, new Empty(AgentXPdu.CLEANUP_SET))));
            assertEquals(PDU.notWritable, ((Response) ask(c, 6, null, new Bindings(AgentXPdu.TEST_SET,
                    List.of(vb(C, new Integer32(1)))), true).payload()).error());
            assertEquals(new Integer32(1), values.get(A));
            // accepted, committed, then undone (another subagent's commit failed)
            Response ok = (Response) ask(c, 7, null, new Bindings(AgentXPdu.TEST_SET,
                    List.of(vb(A, new Integer32(10)), vb(B, new Integer32(20)))), true).payload();
            assertEquals(0, ok.error());
            assertEquals(0, ((Response) ask(c, 7, null, new Empty(AgentXPdu.COMMIT_SET), true).payload()).error());
            assertEquals(new Integer32(10), values.get(A));
            assertEquals(0, ((Response) ask(c, 7, null, new Empty(AgentXPdu.UNDO_SET), true).payload()).error());
            assertEquals(new Integer32(1), values.get(A));
            assertEquals(new Integer32(2), values.get(B));
            // accepted and committed for good
            assertEquals(0, ((Response) ask(c, 8, null, new Bindings(AgentXPdu.TEST_SET,
                    List.of(vb(B, new Integer32(5)))), true).payload()).error());
            assertEquals(0, ((Response) ask(c, 8, null, new Empty(AgentXPdu.COMMIT_SET), true).payload()).error());
            write(c, AgentXCodec.encode(new AgentXPdu(new Header(AgentXPdu.CLEANUP_SET, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, 42,
                    8, ++packetIds), null, new Empty(AgentXPdu.CLEANUP_SET))));
            // the next thing read is the response to this Ping: CleanupSet was not answered
            assertEquals(0, ((Response) ask(c, 9, null, new Empty(AgentXPdu.PING), true).payload()).error());
            assertEquals(new Integer32(5), values.get(B));
        }
    }

    @Test
    void notificationsGoAsNotifyPdus() throws Exception {
        try (SocketChannel c = acceptSession(42)) {
            awaitRegistered();
            OID trap = new OID("1.3.6.1.4.1.99999.1.0.7");
            assertTrue(subagent.notify(trap, List.of(vb(A, new Integer32(1)))));
            AgentXPdu n = read(c);
            assertEquals(AgentXPdu.NOTIFY, n.type());
            assertEquals(42, n.header().sessionId());
            assertNull(n.context());
            assertEquals(List.of(vb(SnmpConstants.snmpTrapOID, trap), vb(A, new Integer32(1))),
                    ((Bindings) n.payload()).bindings());
            respond(c, n, 42);
            assertEquals(1, subagent.notificationsSent());
        }
    }

    @Test
    void aMalformedPduClosesTheSessionAndTheSubagentRegistersAgain() throws Exception {
        try (SocketChannel c = acceptSession(42)) {
            awaitRegistered();
            byte[] bad = AgentXCodec.encode(new AgentXPdu(new Header(AgentXPdu.PING, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, 42, 1,
                    ++packetIds), null, new Empty(AgentXPdu.PING)));
            bad[19] = 6; // a payload length that is not a multiple of 4
            write(c, bad);
            AgentXPdu close = read(c);
            assertEquals(new Close(AgentXPdu.REASON_PARSE_ERROR), close.payload());
        }
        try (SocketChannel again = acceptSession(43)) {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (subagent.registrations() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(2, subagent.registrations());
            assertTrue(subagent.registered());
            AgentXPdu r = ask(again, new Search(AgentXPdu.GET, 0, 0, List.of(range(A, false, null))));
            assertEquals(List.of(vb(A, new Integer32(1))), vbs(r));
        }
        assertTrue(logged.stream().anyMatch(l -> l.contains("AgentX: connected again")), logged.toString());
    }

    @Test
    void aMasterThatGoesAwayIsNotNotified() throws Exception {
        SocketChannel c = acceptSession(42);
        awaitRegistered();
        c.close();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (subagent.registered() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(subagent.registered());
        assertTrue(subagent.masterUpTime() >= MASTER_UP_TIME, "kept from the last session");
        assertFalse(subagent.notify(new OID("1.3.6.1.4.1.99999.1.0.1"), List.of()));
        assertFalse(subagent.notify(new OID("1.3.6.1.4.1.99999.1.0.2"), List.of()));
        assertEquals(2, subagent.notificationsLost());
        assertEquals(1, logged.stream().filter(l -> l.contains("lost: no session with the master")).count(), logged.toString());
    }

    @Test
    void aMasterThatDoesNotAnswerTheOpenIsLeftAndConnectedToAgain() throws Exception {
        Path path = dir.resolve("silent");
        try (ServerSocketChannel silentMaster = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silentMaster.bind(UnixDomainSocketAddress.of(path));
            AgentXSubagent s = new AgentXSubagent(AgentXAddress.parse(path.toString()), mib,
                    List.of(new AgentXSubagent.Subtree(SUBTREE, new OctetString("TEST-MIB"))), new OID("1.3.6.1.4.1.99999"),
                    "test subagent", logTo(), 300);
            assertEquals(-1, s.masterUpTime(), "before any session");
            s.start();
            try {
                try (SocketChannel silent = silentMaster.accept()) {
                    assertEquals(AgentXPdu.OPEN, read(silent).type()); // and no answer
                    assertEquals(-1, silent.read(ByteBuffer.allocate(64)), "the subagent closed the connection");
                }
                try (SocketChannel again = silentMaster.accept()) {
                    assertEquals(AgentXPdu.OPEN, read(again).type(), "and opened a new one");
                }
            } finally {
                s.close();
                Files.deleteIfExists(path);
            }
        }
        assertTrue(logged.stream().anyMatch(l -> l.contains("did not answer the session's opening within 300 ms")),
                logged.toString());
    }

    private IpmpdLog logTo() {
        IpmpdLog log = IpmpdLog.detached(null);
        log.addTap(logged::add);
        return log;
    }

    private void awaitRegistered() throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!subagent.registered() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(subagent.registered());
    }

    @Test
    void addressesAreUnixPathsOrTcp() {
        assertEquals(Path.of("/var/agentx/master"), AgentXAddress.parse("/var/agentx/master").unixPath());
        assertEquals(Path.of("/var/agentx/master"), AgentXAddress.parse("unix:/var/agentx/master").unixPath());
        AgentXAddress t = AgentXAddress.parse("tcp:127.0.0.1:705");
        assertEquals("127.0.0.1", t.host());
        assertEquals(705, t.port());
        assertEquals("::1", AgentXAddress.parse("tcp:[::1]:705").host());
        for (String bad : List.of("master", "tcp:127.0.0.1", "tcp:127.0.0.1:0", "tcp:127.0.0.1:70000", "udp:1.2.3.4:705",
                "tcp::705")) {
            try {
                AgentXAddress.parse(bad);
                throw new AssertionError("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
    }
}
