package ipmpd.agent.snmp.agentx;

import ipmpd.agent.IpmpdLog;
import ipmpd.agent.snmp.agentx.AgentXCodec.MalformedPduException;
import ipmpd.agent.snmp.agentx.AgentXCodec.RawHeader;
import ipmpd.agent.snmp.agentx.AgentXPdu.AgentCaps;
import ipmpd.agent.snmp.agentx.AgentXPdu.Bindings;
import ipmpd.agent.snmp.agentx.AgentXPdu.Close;
import ipmpd.agent.snmp.agentx.AgentXPdu.Header;
import ipmpd.agent.snmp.agentx.AgentXPdu.Open;
import ipmpd.agent.snmp.agentx.AgentXPdu.Registration;
import ipmpd.agent.snmp.agentx.AgentXPdu.Response;
import ipmpd.agent.snmp.agentx.AgentXPdu.Search;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.VariableBinding;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An AgentX subagent session (RFC 2741) with a master agent such as net-snmp's snmpd: it connects,
 * opens a session, registers its subtrees (and their sysORTable entries as agent capabilities),
 * answers Get, GetNext, GetBulk and the four SET phases from an {@link AgentXMibAccess}, and sends
 * notifications as Notify-PDUs. When the master goes away (restart, Close-PDU, broken socket) it
 * connects again after a back-off that doubles from {@link #MIN_BACKOFF_MS} to
 * {@link #MAX_BACKOFF_MS}, and registers again. One thread reads and answers; notifications are
 * written from the caller's thread (writes are serialised), their responses read by that thread.
 */
public final class AgentXSubagent implements AutoCloseable {
    static final long MIN_BACKOFF_MS = 250;
    static final long MAX_BACKOFF_MS = 8000;
    /** Seconds the master waits for an answer (o.timeout): a SET's commit goes through the engine. */
    static final int TIMEOUT_S = 5;
    /** A master that has not answered the Open and Register PDUs by then is left, and connected to again. */
    static final long OPEN_TIMEOUT_MS = 10_000;
    /** The default registration priority (RFC 2741 6.2.3). */
    static final int PRIORITY = 127;

    /** A subtree to register and, when description is not null, its sysORTable entry. */
    public record Subtree(OID oid, OctetString description) {
    }

    private final AgentXAddress address;
    private final AgentXMibAccess mib;
    private final List<Subtree> subtrees;
    private final OID id;
    private final OctetString description;
    private final IpmpdLog log;
    private final long openTimeoutMs;
    private final AtomicInteger packetIds = new AtomicInteger();
    private final Object writeLock = new Object();
    private final Map<Integer, AgentXMibAccess.SetTransaction> sets = new HashMap<>();
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicLong notificationsSent = new AtomicLong();
    private final AtomicLong notificationsLost = new AtomicLong();
    /** Whether a notification was lost since the session was last registered (logged once per outage). */
    private volatile boolean lossLogged;
    private Thread thread;
    private volatile SocketChannel channel;
    private volatile int sessionId;
    private volatile boolean registered;
    private volatile boolean closed;
    /** The master's sysUpTime in the response to the last Open (RFC 2741 6.2.16), and when it was read. */
    private volatile long masterUpTimeAtOpen = -1;
    private volatile long openAnsweredNs;

    public AgentXSubagent(AgentXAddress address, AgentXMibAccess mib, List<Subtree> subtrees, OID id,
                          String description, IpmpdLog log) {
        this(address, mib, subtrees, id, description, log, OPEN_TIMEOUT_MS);
    }

    AgentXSubagent(AgentXAddress address, AgentXMibAccess mib, List<Subtree> subtrees, OID id, String description,
                   IpmpdLog log, long openTimeoutMs) {
        this.openTimeoutMs = openTimeoutMs;
        this.address = address;
        this.mib = mib;
        this.subtrees = List.copyOf(subtrees);
        this.id = id;
        this.description = new OctetString(description);
        this.log = log;
    }

    /** Starts the session's thread: it connects (and connects again) until closed. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("started already");
        }
        thread = new Thread(this::run, "ipmpd-agentx");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the session is open and its subtrees registered. */
    public boolean registered() {
        return registered;
    }

    /** How many times the subtrees were registered (1 after the first connection, +1 per reconnection). */
    public long registrations() {
        return registrations.get();
    }

    /**
     * The master's sysUpTime now, in hundredths of a second (its value in the answer to the last
     * Open plus the time since), so that TimeStamp objects served through the master count from
     * the master's sysUpTime; -1 before the first session.
     */
    public long masterUpTime() {
        long at = masterUpTimeAtOpen;
        return at < 0 ? -1 : at + (System.nanoTime() - openAnsweredNs) / 10_000_000L;
    }

    public long notificationsSent() {
        return notificationsSent.get();
    }

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        boolean reported = false;
        while (!closed) {
            SocketChannel c = null;
            try {
                c = address.connect();
                channel = c;
                openWithin(c);
                if (registrations.get() > 1) {
                    log.notice("AgentX: connected again to the master at " + address + ", session " + sessionId);
                } else {
                    log.info("AgentX: subagent session " + sessionId + " with the master at " + address + "; registered "
                            + subtreeNames());
                }
                reported = false;
                backoff = MIN_BACKOFF_MS;
                serve(c);
            } catch (IOException | MalformedPduException | RuntimeException e) {
                if (!closed && !reported) {
                    log.warning("AgentX: no session with the master at " + address + ": " + describe(e)
                            + "; trying again (every " + MAX_BACKOFF_MS / 1000 + " s at most)");
                    reported = true;
                }
            } finally {
                registered = false;
                channel = null;
                closeQuietly(c);
                synchronized (sets) {
                    sets.clear();
                }
            }
            if (closed) {
                break;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                break;
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    private String subtreeNames() {
        List<String> names = new ArrayList<>();
        for (Subtree s : subtrees) {
            names.add(s.oid().toDottedString());
        }
        return String.join(", ", names);
    }

    private static String describe(Exception e) {
        if (e instanceof EOFException) {
            return "the master closed the connection";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private Header header(int type, int transactionId) {
        return new Header(type, AgentXPdu.FLAG_NETWORK_BYTE_ORDER, sessionId, transactionId, packetIds.incrementAndGet());
    }

    /** Sends a PDU and reads until its response (only while opening: no requests arrive yet). */
    private AgentXPdu call(SocketChannel c, AgentXPdu request) throws IOException, MalformedPduException {
        write(c, request);
        while (true) {
            AgentXPdu in = read(c);
            if (in.payload() instanceof Response && in.header().packetId() == request.header().packetId()) {
                return in;
            }
            if (in.payload() instanceof Close cl) {
                throw new IOException("the master closed the session (reason " + cl.reason() + ")");
            }
        }
    }

    /** Opens and registers, or closes the connection when the master does not answer in time. */
    private void openWithin(SocketChannel c) throws IOException, MalformedPduException {
        SocketChannel watched = c;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(openTimeoutMs);
                if (!registered) {
                    closeQuietly(watched); // the blocked read fails: connect again
                }
            } catch (InterruptedException done) {
                // registered (or failed) in time
            }
        }, "ipmpd-agentx-open");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            openAndRegister(c);
        } catch (IOException e) {
            if (!c.isOpen() && !closed) {
                throw new IOException("the master did not answer the session's opening within " + openTimeoutMs + " ms");
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    private void openAndRegister(SocketChannel c) throws IOException, MalformedPduException {
        sessionId = 0;
        AgentXPdu open = new AgentXPdu(header(AgentXPdu.OPEN, 0), null, new Open(TIMEOUT_S, id, description));
        AgentXPdu opened = call(c, open);
        Response r = (Response) opened.payload();
        if (r.error() != AgentXPdu.NO_ERROR) {
            throw new IOException("the master refused to open a session (error " + r.error() + ")");
        }
        sessionId = opened.header().sessionId();
        openAnsweredNs = System.nanoTime();
        masterUpTimeAtOpen = r.sysUpTime();
        for (Subtree s : subtrees) {
            Response reg = (Response) call(c, new AgentXPdu(header(AgentXPdu.REGISTER, 0), null,
                    new Registration(AgentXPdu.REGISTER, 0, PRIORITY, 0, s.oid(), 0))).payload();
            if (reg.error() != AgentXPdu.NO_ERROR) {
                throw new IOException("the master refused the registration of " + s.oid() + " (error " + reg.error()
                        + (reg.error() == AgentXPdu.DUPLICATE_REGISTRATION ? ": another subagent has it" : "") + ")");
            }
        }
        for (Subtree s : subtrees) {
            if (s.description() != null) {
                Response caps = (Response) call(c, new AgentXPdu(header(AgentXPdu.ADD_AGENT_CAPS, 0), null,
                        new AgentCaps(AgentXPdu.ADD_AGENT_CAPS, s.oid(), s.description()))).payload();
                if (caps.error() != AgentXPdu.NO_ERROR) {
                    log.warning("AgentX: the master did not add " + s.oid() + " to sysORTable (error " + caps.error() + ")");
                }
            }
        }
        registered = true;
        lossLogged = false;
        registrations.incrementAndGet();
    }

    private void serve(SocketChannel c) throws IOException, MalformedPduException {
        while (!closed) {
            AgentXPdu in;
            try {
                in = read(c);
            } catch (MalformedPduException e) {
                // RFC 2741 7.1.2: a PDU that cannot be parsed ends the session
                writeQuietly(c, new AgentXPdu(header(AgentXPdu.CLOSE, 0), null, new Close(AgentXPdu.REASON_PARSE_ERROR)));
                throw e;
            }
            AgentXPdu answer = answer(in);
            if (answer != null) {
                write(c, answer);
            }
        }
    }

    /** The response to a PDU from the master, or null (none is due). */
    AgentXPdu answer(AgentXPdu in) throws IOException {
        Header h = in.header();
        switch (h.type()) {
            case AgentXPdu.GET, AgentXPdu.GET_NEXT, AgentXPdu.GET_BULK -> {
                if (in.context() != null && in.context().length() > 0) {
                    return response(h, AgentXPdu.UNSUPPORTED_CONTEXT, 0, List.of());
                }
                Search s = (Search) in.payload();
                AgentXMibAccess.Reader r = mib.reader();
                List<VariableBinding> vbs;
                try {
                    vbs = switch (h.type()) {
                        case AgentXPdu.GET -> AgentXRequests.get(r, s.ranges());
                        case AgentXPdu.GET_NEXT -> AgentXRequests.getNext(r, s.ranges());
                        default -> AgentXRequests.getBulk(r, s.nonRepeaters(), s.maxRepetitions(), s.ranges());
                    };
                } catch (RuntimeException e) {
                    log.err("AgentX: cannot answer a read: " + e);
                    return response(h, SnmpConstants.SNMP_ERROR_GENERAL_ERROR, 1, List.of());
                }
                return response(h, AgentXPdu.NO_ERROR, 0, vbs);
            }
            case AgentXPdu.TEST_SET -> {
                if (in.context() != null && in.context().length() > 0) {
                    return response(h, AgentXPdu.UNSUPPORTED_CONTEXT, 0, List.of());
                }
                AgentXMibAccess.SetTransaction t = mib.set("AgentX master (transaction " + h.transactionId() + ")",
                        ((Bindings) in.payload()).bindings());
                int[] refused;
                try {
                    refused = t.test();
                } catch (RuntimeException e) {
                    log.err("AgentX: TestSet failed: " + e);
                    refused = new int[] {0, SnmpConstants.SNMP_ERROR_GENERAL_ERROR};
                }
                synchronized (sets) {
                    sets.put(h.transactionId(), t);
                }
                return refused == null ? response(h, AgentXPdu.NO_ERROR, 0, List.of())
                        : response(h, refused[1], refused[0] + 1, List.of());
            }
            case AgentXPdu.COMMIT_SET -> {
                AgentXMibAccess.SetTransaction t = transaction(h);
                boolean ok;
                try {
                    ok = t != null && t.commit();
                } catch (RuntimeException e) {
                    log.err("AgentX: CommitSet failed: " + e);
                    ok = false;
                }
                return response(h, ok ? AgentXPdu.NO_ERROR : SnmpConstants.SNMP_ERROR_COMMIT_FAILED, ok ? 0 : 1, List.of());
            }
            case AgentXPdu.UNDO_SET -> {
                AgentXMibAccess.SetTransaction t = transaction(h);
                boolean ok = t == null || t.undo();
                return response(h, ok ? AgentXPdu.NO_ERROR : SnmpConstants.SNMP_ERROR_UNDO_FAILED, ok ? 0 : 1, List.of());
            }
            case AgentXPdu.CLEANUP_SET -> {
                synchronized (sets) {
                    sets.remove(h.transactionId());
                }
                return null; // RFC 2741 7.2.4.4: no response
            }
            case AgentXPdu.RESPONSE -> {
                Response r = (Response) in.payload();
                if (r.error() != AgentXPdu.NO_ERROR) {
                    log.warning("AgentX: the master answered packet " + h.packetId() + " with error " + r.error());
                }
                return null;
            }
            case AgentXPdu.CLOSE -> throw new IOException("the master closed the session (reason "
                    + ((Close) in.payload()).reason() + ")");
            case AgentXPdu.PING -> {
                return response(h, AgentXPdu.NO_ERROR, 0, List.of());
            }
            default -> {
                // a subagent is sent none of the others (Open, Register, Notify, ...)
                return response(h, AgentXPdu.PROCESSING_ERROR, 0, List.of());
            }
        }
    }

    private AgentXMibAccess.SetTransaction transaction(Header h) {
        synchronized (sets) {
            return sets.get(h.transactionId());
        }
    }

    private static AgentXPdu response(Header request, int error, int index, List<VariableBinding> vbs) {
        // in the byte order of the request
        Header h = new Header(AgentXPdu.RESPONSE, request.flags() & AgentXPdu.FLAG_NETWORK_BYTE_ORDER, request.sessionId(),
                request.transactionId(), request.packetId());
        return new AgentXPdu(h, null, new Response(0, error, index, vbs));
    }

    /**
     * Sends a notification through the master (a Notify-PDU; the master adds its sysUpTime.0):
     * snmpTrapOID.0 first, then the bindings. False when no session is open (it is then lost, as
     * a trap to an unreachable manager).
     */
    public boolean notify(OID trap, List<VariableBinding> bindings) {
        SocketChannel c = channel;
        if (c == null || !registered) {
            lost(trap);
            return false;
        }
        List<VariableBinding> vbs = new ArrayList<>(bindings.size() + 1);
        vbs.add(new VariableBinding(SnmpConstants.snmpTrapOID, trap));
        vbs.addAll(bindings);
        try {
            write(c, new AgentXPdu(header(AgentXPdu.NOTIFY, 0), null, new Bindings(AgentXPdu.NOTIFY, vbs)));
            notificationsSent.incrementAndGet();
            return true;
        } catch (IOException e) {
            lost(trap); // the reading thread sees the broken connection and reconnects
            return false;
        }
    }

    private void lost(OID trap) {
        notificationsLost.incrementAndGet();
        if (!lossLogged) {
            lossLogged = true;
            log.warning("AgentX: notification " + trap + " lost: no session with the master at " + address
                    + " (further losses until it is back are counted, not logged)");
        }
    }

    /** Notifications that found no session with the master. */
    public long notificationsLost() {
        return notificationsLost.get();
    }

    private AgentXPdu read(SocketChannel c) throws IOException, MalformedPduException {
        byte[] head = new byte[AgentXCodec.HEADER_LENGTH];
        readFully(c, head);
        RawHeader h = AgentXCodec.decodeHeader(head);
        byte[] payload = new byte[h.payloadLength()];
        readFully(c, payload);
        return AgentXCodec.decodePayload(h, payload);
    }

    private static void readFully(SocketChannel c, byte[] into) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new EOFException("end of stream");
            }
        }
    }

    private void write(SocketChannel c, AgentXPdu pdu) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(AgentXCodec.encode(pdu));
        synchronized (writeLock) {
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private void writeQuietly(SocketChannel c, AgentXPdu pdu) {
        try {
            write(c, pdu);
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static void closeQuietly(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** Closes the session (a Close-PDU, reason shutdown) and stops the thread; idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        SocketChannel c = channel;
        if (c != null && registered) {
            writeQuietly(c, new AgentXPdu(header(AgentXPdu.CLOSE, 0), null, new Close(AgentXPdu.REASON_SHUTDOWN)));
        }
        closeQuietly(c);
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
