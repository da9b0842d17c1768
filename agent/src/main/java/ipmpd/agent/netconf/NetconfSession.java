package ipmpd.agent.netconf;

import ipmpd.engine.AdminException;
import ipmpd.engine.EngineSnapshot;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One NETCONF session: the {@code netconf} SSH subsystem. Its own thread reads messages (hello
 * first, then {@code <rpc>}s) and answers them in order; a second thread, started by
 * create-subscription, writes notifications from a bounded queue. Writes share one
 * {@link Framing.Writer}.
 */
final class NetconfSession implements Command, Runnable, NotificationHub.Subscriber {
    private final NetconfServer server;
    private final int id;
    private final Monitoring.Counters counters = new Monitoring.Counters();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private InputStream in;
    private OutputStream out;
    private ExitCallback exit;
    private ChannelSession channel;
    private Framing.Writer writer;
    private volatile String user;
    private volatile NetconfUsers.Role role;
    private volatile String sourceHost;
    private volatile Instant loginTime;
    private volatile long lastActivityNs = System.nanoTime();
    private volatile boolean helloDone;
    private volatile BlockingQueue<NotificationHub.Event> queue;
    private volatile Element subscriptionFilter;
    private volatile boolean wantsProbes;
    /** create-subscription's startTime and stopTime (RFC 5277 replay), null when absent. */
    private volatile Instant startTime;
    private volatile Instant stopTime;
    /** Why the session ended (RFC 6470 termination-reason): the first reason given wins. */
    private volatile String endReason;
    private volatile int killedBy;
    private Thread notifier;
    private Thread thread;

    NetconfSession(NetconfServer server, int id, String user, NetconfUsers.Role role) {
        this.server = server;
        this.id = id;
        this.user = user;
        this.role = role;
    }

    String user() {
        return user;
    }

    NetconfUsers.Role role() {
        return role;
    }

    int id() {
        return id;
    }

    long lastActivityNs() {
        return lastActivityNs;
    }

    boolean subscribed() {
        return queue != null;
    }

    NotificationHub.Who who() {
        return new NotificationHub.Who(user, id, sourceHost);
    }

    private void reason(String r) {
        if (endReason == null) {
            endReason = r;
        }
    }

    Monitoring.SessionInfo info() {
        return helloDone ? new Monitoring.SessionInfo(id, user, sourceHost, loginTime, counters) : null;
    }

    // ------------------------------------------------------------------ Command

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        this.channel = channel;
        var s = channel.getSession();
        SocketAddress a = s.getClientAddress();
        this.sourceHost = a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : null;
        this.writer = new Framing.Writer(out);
        server.register(this);
        server.notifications().sessionStarted(who());
        thread = new Thread(this, "netconf-session-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void destroy(ChannelSession channel) {
        end(false);
    }

    /**
     * Ends the session from outside: kill-session ("killed", by that session), idle and hello
     * timeouts ("timeout"), the server's stop ("other").
     */
    void kill(String why, int by) {
        if (endReason == null && by > 0) {
            killedBy = by;
        }
        reason(why);
        end(true);
    }

    private void end(boolean closeChannel) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        NotificationHub hub = server.notifications();
        hub.unsubscribe(this);
        if (notifier != null) {
            notifier.interrupt();
        }
        server.unregister(this);
        reason("dropped");
        server.notifications().sessionEnded(who(), endReason, "killed".equals(endReason) ? killedBy : 0);
        if (closeChannel && channel != null) {
            channel.close(false);
        }
        if (exit != null) {
            try {
                exit.onExit(0);
            } catch (RuntimeException e) {
                // channel already gone
            }
        }
    }

    // ------------------------------------------------------------------ session thread

    @Override
    public void run() {
        NetconfSettings st = server.settings();
        Framing.Reader reader = new Framing.Reader(new BufferedInputStream(in, 16384), st.maxMessageSize());
        ScheduledFuture<?> helloTimer = server.timer().schedule(() -> {
            if (!helloDone) {
                server.log().notice("NETCONF: session " + id + " sent no hello in time; closing it");
                server.monitoring().inBadHellos.incrementAndGet();
                kill("timeout", 0);
            }
        }, st.helloTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            writer.write(serverHello());
            byte[] hello = reader.next();
            helloTimer.cancel(false);
            if (hello == null) {
                return;
            }
            if (hello == Framing.OVERSIZE || !clientHello(hello, reader)) {
                reason("bad-hello");
                server.monitoring().inBadHellos.incrementAndGet();
                return;
            }
            helloDone = true;
            loginTime = Instant.now();
            server.monitoring().inSessions.incrementAndGet();
            while (!ended.get()) {
                byte[] msg;
                try {
                    msg = reader.next();
                } catch (Framing.ChunkTooBigException e) {
                    bad();
                    reason("other");
                    sendError(null, RpcError.tooBig(e.getMessage() + "; the session ends"));
                    server.log().notice("NETCONF: session " + id + ": " + e.getMessage() + "; closing it");
                    server.monitoring().droppedSessions.incrementAndGet();
                    return;
                } catch (Framing.FramingException e) {
                    reason("other");
                    sendError(null, RpcError.malformed(e.getMessage()));
                    server.log().notice("NETCONF: session " + id + ": " + e.getMessage() + "; closing it");
                    server.monitoring().droppedSessions.incrementAndGet();
                    return;
                }
                if (msg == null) {
                    server.monitoring().droppedSessions.incrementAndGet();
                    return;
                }
                lastActivityNs = System.nanoTime();
                if (msg == Framing.OVERSIZE) {
                    bad();
                    sendError(null, RpcError.tooBig("the message exceeds " + st.maxMessageSize() + " bytes"));
                    continue;
                }
                if (!handle(msg)) {
                    reason("closed");
                    return;
                }
            }
        } catch (EOFException e) {
            server.monitoring().droppedSessions.incrementAndGet();
        } catch (IOException e) {
            if (!ended.get()) {
                server.monitoring().droppedSessions.incrementAndGet();
            }
        } catch (RuntimeException e) {
            reason("other");
            server.log().err("NETCONF: session " + id + ": internal error", e);
        } finally {
            helloTimer.cancel(false);
            end(true);
        }
    }

    private String serverHello() {
        StringBuilder b = new StringBuilder("<hello xmlns=\"").append(Xml.BASE).append("\"><capabilities>");
        for (String c : server.capabilities()) {
            b.append("<capability>");
            Xml.escape(b, c, false);
            b.append("</capability>");
        }
        b.append("</capabilities><session-id>").append(id).append("</session-id></hello>");
        return b.toString();
    }

    /** Checks the client's hello; picks the framing. False: the session must end. */
    private boolean clientHello(byte[] msg, Framing.Reader reader) {
        Document d;
        try {
            d = Xml.parse(msg);
        } catch (Xml.XmlException e) {
            server.log().notice("NETCONF: session " + id + ": bad hello: " + e.getMessage());
            return false;
        }
        Element h = d.getDocumentElement();
        if (!Xml.is(h, Xml.BASE, "hello")) {
            server.log().notice("NETCONF: session " + id + ": expected hello, got " + h.getLocalName());
            return false;
        }
        if (Xml.child(h, Xml.BASE, "session-id") != null) {
            server.log().notice("NETCONF: session " + id + ": the client's hello carries a session-id; closing");
            return false;
        }
        Element caps = Xml.child(h, Xml.BASE, "capabilities");
        boolean b10 = false;
        boolean b11 = false;
        if (caps != null) {
            for (Element c : Xml.children(caps, Xml.BASE, "capability")) {
                String v = Xml.text(c);
                b10 |= v.equals(NetconfServer.BASE_10);
                b11 |= v.equals(NetconfServer.BASE_11);
            }
        }
        if (!b10 && !b11) {
            server.log().notice("NETCONF: session " + id + ": no common base protocol version; closing");
            return false;
        }
        if (b11) {
            reader.useChunked();
            writer.useChunked();
        }
        return true;
    }

    private void bad() {
        counters.inBadRpcs.incrementAndGet();
        server.monitoring().totals.inBadRpcs.incrementAndGet();
    }

    private void send(Element reply) throws IOException {
        writer.write(Xml.serialize(reply));
    }

    private void sendError(Element rpc, RpcError e) throws IOException {
        sendErrors(rpc, List.of(e));
    }

    private void sendErrors(Element rpc, List<RpcError> errors) throws IOException {
        Document d = Xml.newDocument();
        Element reply = replyFor(d, rpc);
        for (RpcError e : errors) {
            e.appendTo(reply);
        }
        counters.outRpcErrors.addAndGet(errors.size());
        server.monitoring().totals.outRpcErrors.addAndGet(errors.size());
        send(reply);
    }

    /** {@code <rpc-reply>} with every attribute of the {@code <rpc>} (message-id included). */
    private static Element replyFor(Document d, Element rpc) {
        Element reply = d.createElementNS(Xml.BASE, "rpc-reply");
        d.appendChild(reply);
        if (rpc != null) {
            NamedNodeMap attrs = rpc.getAttributes();
            for (int i = 0; i < attrs.getLength(); i++) {
                Attr a = (Attr) attrs.item(i);
                if (Xml.XMLNS.equals(a.getNamespaceURI()) && a.getPrefix() == null) {
                    continue; // the default namespace declaration
                }
                reply.setAttributeNS(a.getNamespaceURI(), a.getName(), a.getValue());
            }
        }
        return reply;
    }

    /** Handles one message; false when the session must end. */
    private boolean handle(byte[] msg) throws IOException {
        Document doc;
        try {
            doc = Xml.parse(msg);
        } catch (Xml.XmlException e) {
            bad();
            sendError(null, RpcError.malformed("not well-formed XML: " + e.getMessage()));
            return true;
        }
        Element rpc = doc.getDocumentElement();
        if (!Xml.is(rpc, Xml.BASE, "rpc")) {
            bad();
            sendError(null, RpcError.malformed("expected <rpc> in " + Xml.BASE + ", got <" + rpc.getLocalName() + ">"));
            return true;
        }
        counters.inRpcs.incrementAndGet();
        server.monitoring().totals.inRpcs.incrementAndGet();
        if (!rpc.hasAttribute("message-id")) {
            bad();
            sendError(rpc, RpcError.missingAttribute("message-id", "rpc"));
            return true;
        }
        List<Element> ops = Xml.children(rpc);
        if (ops.size() != 1) {
            bad();
            sendError(rpc, RpcError.malformed("an <rpc> holds exactly one operation"));
            return true;
        }
        Element op = ops.get(0);
        boolean close = false;
        try {
            Element reply = replyFor(Xml.newDocument(), rpc);
            close = dispatch(op, reply);
            send(reply);
        } catch (RpcError e) {
            sendError(rpc, e);
        } catch (RpcError.Many e) {
            sendErrors(rpc, e.errors);
        } catch (AlreadySent e) {
            // create-subscription: replied before the notifications started
        } catch (RuntimeException e) {
            server.log().err("NETCONF: session " + id + ": internal error in " + op.getLocalName(), e);
            sendError(rpc, RpcError.failed("internal error: " + e.getMessage()));
        }
        return !close;
    }

    private static void ok(Element reply) {
        Xml.add(reply, Xml.BASE, "ok");
    }

    /** The access of the session's user under the running /nacm, rebuilt when that changes. */
    private volatile NacmAccess access;
    private volatile NacmConfig accessOf;

    NacmAccess access() {
        NacmConfig now = server.nacm().running();
        NacmAccess a = access;
        if (a == null || accessOf != now) {
            a = server.nacm().access(user, role);
            access = a;
            accessOf = now;
        }
        return a;
    }

    private static final String YANG_1_1 = "urn:ietf:params:xml:ns:yang:1";

    /**
     * A YANG 1.1 action (RFC 7950 7.15.2): exec access on the action's node (RFC 8341 3.4.5). The
     * request is the path down to the action (containers, list entries with their keys), then
     * its input: the chain follows it as deep as it goes (into a child with children, else an
     * empty one: an action without input), since a rule on a node covers what is below it.
     */
    private void authorizeAction(Element action) throws RpcError {
        List<Element> chain = new ArrayList<>();
        Element e = Xml.children(action).isEmpty() ? null : Xml.children(action).get(0);
        while (e != null) {
            chain.add(e);
            Element next = null;
            for (Element c : Xml.children(e)) {
                if (Xml.hasElementChildren(c)) {
                    next = c;
                    break;
                }
                if (next == null && !Xml.hasText(c)) {
                    next = c;
                }
            }
            e = next;
        }
        if (chain.isEmpty() || access().data(NacmConfig.Op.EXEC, chain)) {
            return;
        }
        server.nacm().deniedOperations.incrementAndGet();
        Element node = chain.get(chain.size() - 1);
        server.log().notice("NETCONF: access denied: user " + user + " (session " + id + ") may not invoke action "
                + node.getLocalName());
        throw new RpcError(RpcError.Type.PROTOCOL, "access-denied", "access denied: user " + user
                + " may not invoke action " + node.getLocalName(), null, null, null);
    }

    /** The module of an operation's namespace, for module-name in rules. */
    private String moduleOf(String ns) {
        String m = server.nacm().moduleOf(ns);
        return m == null ? ns : m;
    }

    /**
     * RFC 8341 3.4.4: the operation must be permitted (exec); else access-denied (error-type
     * protocol) with the operation as error-path, and the denied-operations counter grows.
     */
    private void authorize(Element op, String ns, String name) throws RpcError {
        if (YANG_1_1.equals(ns) && name.equals("action")) {
            authorizeAction(op);
            return;
        }
        String module = moduleOf(ns);
        if (access().exec(module, name)) {
            return;
        }
        server.nacm().deniedOperations.incrementAndGet();
        server.log().notice("NETCONF: access denied: user " + user + " (session " + id + ") may not run " + name);
        String prefix = Xml.BASE.equals(ns) ? "nc" : "op";
        Map<String, String> nss = new java.util.HashMap<>();
        nss.put("nc", Xml.BASE);
        nss.put(prefix, ns);
        throw new RpcError(RpcError.Type.PROTOCOL, "access-denied", "access denied: user " + user
                + " may not run " + name, null, "/nc:rpc/" + prefix + ":" + name, null).withPathNamespaces(nss);
    }

    /** Runs an operation, filling the reply; true for close-session. */
    private boolean dispatch(Element op, Element reply) throws RpcError, RpcError.Many, IOException {
        String ns = op.getNamespaceURI() == null ? "" : op.getNamespaceURI();
        String name = op.getLocalName();
        server.log().debug(ipmpd.agent.IpmpdLog.Category.NETCONF, "session " + id + " (" + user + "): " + name);
        Datastores ds = server.datastores();
        authorize(op, ns, name);
        switch (ns) {
            case Xml.BASE -> {
                switch (name) {
                    case "get" -> get(op, reply);
                    case "get-config" -> getConfig(op, reply);
                    case "edit-config" -> {
                        editConfig(op, reply);
                    }
                    case "copy-config" -> {
                        String target = datastore(op, "target");
                        Element src = required(op, "source");
                        Element inline = Xml.child(src, Xml.BASE, "config");
                        ds.copy(id, target, inline == null ? datastore(op, "source") : null, inline, access());
                        ok(reply);
                    }
                    case "delete-config" -> {
                        String target = datastore(op, "target");
                        throw RpcError.notSupported(RpcError.Type.PROTOCOL, "the " + target
                                + " datastore cannot be deleted (there is no separate startup datastore)");
                    }
                    case "lock" -> {
                        ds.lock(id, datastore(op, "target"));
                        ok(reply);
                    }
                    case "unlock" -> {
                        ds.unlock(id, datastore(op, "target"));
                        ok(reply);
                    }
                    case "close-session" -> {
                        ok(reply);
                        return true;
                    }
                    case "kill-session" -> {
                        killSession(op);
                        ok(reply);
                    }
                    case "commit" -> {
                        commit(op);
                        ok(reply);
                    }
                    case "cancel-commit" -> {
                        Element pid = Xml.child(op, Xml.BASE, "persist-id");
                        ds.cancelCommit(id, pid == null ? null : Xml.text(pid));
                        ok(reply);
                    }
                    case "discard-changes" -> {
                        ds.discard(id);
                        ok(reply);
                    }
                    case "validate" -> {
                        Element src = required(op, "source");
                        Element inline = Xml.child(src, Xml.BASE, "config");
                        ds.validate(inline == null ? datastore(op, "source") : null, inline);
                        ok(reply);
                    }
                    default -> throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name
                            + " is not supported");
                }
            }
            case Xml.NOTIF -> {
                if (!name.equals("create-subscription")) {
                    throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name + " is not supported");
                }
                subscribe(op);
                ok(reply);
                // the reply must precede the first notification: the notifier starts after it is sent
                send(reply);
                startNotifier();
                throw new AlreadySent();
            }
            case GetData.NS -> {
                if (!name.equals("get-data")) {
                    throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name + " is not supported"
                            + " (get-data only; edit with edit-config)");
                }
                getData(op, reply);
            }
            case Xml.NCM -> {
                if (!name.equals("get-schema")) {
                    throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name + " is not supported");
                }
                getSchema(op, reply);
            }
            case Xml.IPMP -> {
                if (!name.equals("offline") && !name.equals("undo-offline")) {
                    throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name + " is not supported");
                }
                offline(op, name.equals("offline"));
                ok(reply);
            }
            case ActionRequest.NS -> {
                if (!name.equals("action")) {
                    throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name + " is not supported");
                }
                memberAction(ActionRequest.parse(server.schema(), op));
                ok(reply);
            }
            default -> throw RpcError.notSupported(RpcError.Type.PROTOCOL, "operation " + name + " in namespace "
                    + ns + " is not supported");
        }
        return false;
    }

    /** Signals that dispatch already wrote its reply. */
    private static final class AlreadySent extends RuntimeException {
        AlreadySent() {
            super(null, null, false, false);
        }
    }

    private static Element required(Element op, String name) throws RpcError {
        Element e = Xml.child(op, Xml.BASE, name);
        if (e == null) {
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, name, "missing parameter " + name, null);
        }
        return e;
    }

    /** The datastore named in {@code <target>} / {@code <source>}. */
    private static String datastore(Element op, String param) throws RpcError {
        Element p = required(op, param);
        List<Element> kids = Xml.children(p);
        if (kids.size() != 1) {
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, param, "parameter " + param
                    + " must name one datastore", null);
        }
        Element k = kids.get(0);
        if (Xml.is(k, Xml.BASE, "url")) {
            throw RpcError.notSupported(RpcError.Type.PROTOCOL, ":url is not supported");
        }
        if (!Xml.BASE.equals(k.getNamespaceURI()) || !(k.getLocalName().equals(Datastores.RUNNING)
                || k.getLocalName().equals(Datastores.CANDIDATE))) {
            if (Xml.BASE.equals(k.getNamespaceURI()) && k.getLocalName().equals("startup")) {
                throw RpcError.notSupported(RpcError.Type.PROTOCOL,
                        "there is no startup datastore: running is persisted on every change");
            }
            throw RpcError.invalidValue("unknown datastore " + k.getLocalName(), null);
        }
        return k.getLocalName();
    }

    /** The with-defaults parameter (RFC 6243), report-all (the basic mode) without one. */
    private static WithDefaults.Mode withDefaults(Element op, String ns) throws RpcError {
        Element wd = Xml.child(op, ns, "with-defaults");
        if (wd == null) {
            return WithDefaults.Mode.REPORT_ALL;
        }
        WithDefaults.Mode m = WithDefaults.Mode.parse(Xml.text(wd));
        if (m == null) {
            throw RpcError.invalidValue("unknown with-defaults mode " + Xml.text(wd)
                    + " (report-all, report-all-tagged, trim, explicit)", null);
        }
        return m;
    }

    /** The subtree filter of get / get-config, or null for none. */
    private static Element filter(Element op) throws RpcError {
        Element f = Xml.child(op, Xml.BASE, "filter");
        if (f == null) {
            return null;
        }
        String type = f.getAttribute("type");
        if (!type.isEmpty() && !type.equals("subtree") && !type.equals("xpath")) {
            throw RpcError.notSupported(RpcError.Type.PROTOCOL, "filter type " + type + " is not supported "
                    + "(subtree, xpath)");
        }
        if (type.equals("xpath") && !f.hasAttribute("select")) {
            throw RpcError.missingAttribute("select", "filter");
        }
        return f;
    }

    private void reply(Element reply, Element all, Element filter) throws RpcError {
        fill(Xml.add(reply, Xml.BASE, "data"), all, filter);
    }

    /** The top-level nodes of {@code all}, filtered, into {@code data}. */
    private void fill(Element data, Element all, Element filter) throws RpcError {
        if (filter == null) {
            Document d = data.getOwnerDocument();
            for (Element c : Xml.children(all)) {
                // built in the reply's document: moved, not copied (the state is ~200 KB at 256 members)
                data.appendChild(c.getOwnerDocument() == d ? c : d.importNode(c, true));
            }
            return;
        }
        // get-data's xpath-filter leaf, or <filter type="xpath" select="...">
        String xpath = filter.getLocalName().equals("xpath-filter") ? Xml.text(filter)
                : "xpath".equals(filter.getAttribute("type")) ? filter.getAttribute("select") : null;
        if (xpath != null) {
            XPathFilter.apply(all, xpath, filter, data, new SubtreeFilter(server.schema()));
            return;
        }
        new SubtreeFilter(server.schema()).apply(all, filter, data);
        for (Element c : Xml.children(data)) {
            YangSchema.SNode top = moduleTop(c);
            if (top != null) {
                DataTree.normalize(c, top);
            }
        }
    }

    private void get(Element op, Element reply) throws RpcError {
        WithDefaults.Mode mode = withDefaults(op, Xml.WITH_DEFAULTS);
        Element filter = filter(op);
        Document d = filter == null ? reply.getOwnerDocument() : Xml.newDocument();
        Element all = operational(d, mode);
        if (filter != null) {
            d.appendChild(all);
        }
        access().pruneForRead(all);
        reply(reply, all, filter);
    }

    /** Everything get returns (the operational state): ipmp, netconf-state, the YANG library. */
    private Element operational(Document d, WithDefaults.Mode mode) throws RpcError {
        Element all = d.createElementNS(Xml.BASE, "data");
        record Snap(EngineSnapshot s, Instant wall, java.util.Set<String> configuredOffline) {
        }
        Snap snap;
        try {
            snap = server.loop().call(() -> new Snap(server.loop().engine().snapshot(), Instant.now(),
                    server.datastores().configuredOffline()));
        } catch (Exception e) {
            throw RpcError.failed("cannot read the engine state: " + e);
        }
        Element tree = StateXml.build(d, server.schema(), snap.s(), snap.wall(), snap.configuredOffline()::contains);
        WithDefaults.apply(tree, server.schema().root(), mode, false);
        moveChildren(tree, all);
        Datastores ds = server.datastores();
        all.appendChild(server.monitoring().netconfState(d, ds.locks(), ds.candidateModified(), server.sessionInfos()));
        all.appendChild(server.monitoring().yangLibrary(d));
        all.appendChild(server.monitoring().modulesState(d));
        all.appendChild(server.notifications().streams(d));
        all.appendChild(server.nacm().state(d));
        return all;
    }

    /** RFC 8526 get-data of running, candidate or operational. */
    private void getData(Element op, Element reply) throws RpcError {
        GetData.Request q = GetData.parse(op);
        Document d = Xml.newDocument();
        Element all;
        if (q.datastore() == GetData.Datastore.OPERATIONAL) {
            all = operational(d, WithDefaults.Mode.REPORT_ALL);
        } else {
            all = d.createElementNS(Xml.BASE, "data");
            String source = q.datastore() == GetData.Datastore.RUNNING ? Datastores.RUNNING : Datastores.CANDIDATE;
            moveChildren(server.datastores().view(d, source, q.withDefaults()), all);
            all.appendChild(server.datastores().nacmView(d, source));
        }
        d.appendChild(all);
        access().pruneForRead(all);
        for (Element top : Xml.children(all)) {
            if (Xml.is(top, NacmConfig.NS, "nacm")) {
                if (q.configFilter() != null) {
                    for (Element c : Xml.children(top)) {
                        if (NacmEdit.stateLeaves().contains(c.getLocalName()) != !q.configFilter()) {
                            top.removeChild(c); // the counters are state, the rest configuration
                        }
                    }
                }
                continue;
            }
            YangSchema.SNode s = moduleTop(top);
            if (q.configFilter() != null) {
                if (s == null) {
                    if (q.configFilter()) {
                        all.removeChild(top); // netconf-state and the YANG library are state
                    }
                    continue;
                }
                GetData.configFilter(top, s, q.configFilter());
            }
            if (s != null && q.datastore() == GetData.Datastore.OPERATIONAL) {
                if (!q.originFilter().isEmpty()) {
                    GetData.originFilter(top, s, q.originFilter(), q.negatedOriginFilter());
                }
                if (q.withOrigin()) {
                    GetData.annotateOrigin(top, s);
                }
            }
        }
        Element data = Xml.add(reply, GetData.NS, "data");
        fill(data, all, q.subtreeFilter() != null ? q.subtreeFilter() : q.xpathFilter());
        if (q.maxDepth() > 0) {
            GetData.maxDepth(data, q.maxDepth(), new SubtreeFilter(server.schema()));
        }
    }

    private void getConfig(Element op, Element reply) throws RpcError {
        WithDefaults.Mode mode = withDefaults(op, Xml.WITH_DEFAULTS);
        String source = datastore(op, "source");
        Element filter = filter(op);
        Document d = Xml.newDocument();
        Element all = d.createElementNS(Xml.BASE, "data");
        d.appendChild(all);
        moveChildren(server.datastores().view(d, source, mode), all);
        all.appendChild(server.datastores().nacmView(d, source));
        access().pruneForRead(all);
        reply(reply, all, filter);
    }

    /** The schema node of a top-level node of ipmpd's data (/if:interfaces, /ipmp:ipmp), else null. */
    private YangSchema.SNode moduleTop(Element top) {
        YangSchema.SNode s = server.schema().root().child(top.getLocalName());
        return s != null && s.ns.equals(top.getNamespaceURI()) ? s : null;
    }

    /** Moves the top-level nodes of a tree's wrapper under another element (same document). */
    private static void moveChildren(Element from, Element to) {
        for (Element c : Xml.children(from)) {
            to.appendChild(c);
        }
    }

    private void editConfig(Element op, Element reply) throws RpcError, RpcError.Many {
        String target = datastore(op, "target");
        EditConfig.Op def = EditConfig.Op.MERGE;
        Element dop = Xml.child(op, Xml.BASE, "default-operation");
        if (dop != null) {
            def = switch (Xml.text(dop)) {
                case "merge" -> EditConfig.Op.MERGE;
                case "replace" -> EditConfig.Op.REPLACE;
                case "none" -> EditConfig.Op.NONE;
                default -> throw RpcError.protocolInvalidValue("bad default-operation " + Xml.text(dop));
            };
        }
        Datastores.TestOption test = Datastores.TestOption.DEFAULT;
        Element to = Xml.child(op, Xml.BASE, "test-option");
        if (to != null) {
            test = switch (Xml.text(to)) {
                case "test-then-set" -> Datastores.TestOption.TEST_THEN_SET;
                case "set" -> Datastores.TestOption.SET;
                case "test-only" -> Datastores.TestOption.TEST_ONLY;
                default -> throw RpcError.protocolInvalidValue("bad test-option " + Xml.text(to));
            };
        }
        Datastores.ErrorOption err = Datastores.ErrorOption.STOP;
        Element eo = Xml.child(op, Xml.BASE, "error-option");
        if (eo != null) {
            err = switch (Xml.text(eo)) {
                case "stop-on-error" -> Datastores.ErrorOption.STOP;
                case "continue-on-error" -> Datastores.ErrorOption.CONTINUE;
                case "rollback-on-error" -> Datastores.ErrorOption.ROLLBACK;
                default -> throw RpcError.protocolInvalidValue("bad error-option " + Xml.text(eo));
            };
        }
        Element config = Xml.child(op, Xml.BASE, "config");
        if (config == null) {
            if (Xml.child(op, Xml.BASE, "url") != null) {
                throw RpcError.notSupported(RpcError.Type.PROTOCOL, ":url is not supported");
            }
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, "config", "missing parameter config", null);
        }
        List<RpcError> errors = server.datastores().edit(id, target, config, def, test, err, access());
        if (!errors.isEmpty()) {
            throw new RpcError.Many(errors);
        }
        ok(reply);
    }

    private void commit(Element op) throws RpcError, RpcError.Many {
        boolean confirmed = Xml.child(op, Xml.BASE, "confirmed") != null;
        long timeout = 600;
        Element t = Xml.child(op, Xml.BASE, "confirm-timeout");
        if (t != null) {
            try {
                timeout = Long.parseLong(Xml.text(t));
                if (timeout < 1 || timeout > 0xffffffffL) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw RpcError.invalidValue("bad confirm-timeout " + Xml.text(t), null);
            }
        }
        Element persist = Xml.child(op, Xml.BASE, "persist");
        Element pid = Xml.child(op, Xml.BASE, "persist-id");
        server.datastores().commit(id, confirmed, timeout, persist == null ? null : Xml.text(persist),
                pid == null ? null : Xml.text(pid), access());
    }

    private void killSession(Element op) throws RpcError {
        Element sid = required(op, "session-id");
        int target;
        try {
            target = Integer.parseInt(Xml.text(sid));
        } catch (NumberFormatException e) {
            throw RpcError.invalidValue("bad session-id " + Xml.text(sid), null);
        }
        if (target == id) {
            throw RpcError.invalidValue("a session cannot kill itself (use close-session)", null);
        }
        NetconfSession s = server.session(target);
        if (s == null) {
            throw RpcError.invalidValue("no session " + target, null);
        }
        server.log().notice("NETCONF: session " + target + " killed by session " + id + " (" + user + ")");
        s.kill("killed", id);
    }

    private void getSchema(Element op, Element reply) throws RpcError {
        Element ident = Xml.child(op, Xml.NCM, "identifier");
        if (ident == null) {
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, "identifier", "missing parameter identifier", null);
        }
        Element v = Xml.child(op, Xml.NCM, "version");
        Element f = Xml.child(op, Xml.NCM, "format");
        String text = server.monitoring().schemaText(Xml.text(ident), v == null ? null : Xml.text(v),
                f == null ? null : Xml.text(f));
        Element data = Xml.add(reply, Xml.NCM, "data");
        data.setTextContent(text);
    }

    private void offline(Element op, boolean off) throws RpcError {
        String rpcName = off ? "offline" : "undo-offline";
        YangSchema.SNode input = server.schema().rpcInput(rpcName);
        Element ifEl = null;
        for (Element c : Xml.children(op)) {
            if (!Xml.IPMP.equals(c.getNamespaceURI()) || input.child(c.getLocalName()) == null) {
                throw RpcError.unknownElement(RpcError.Type.PROTOCOL, c.getLocalName(),
                        "unknown parameter " + c.getLocalName(), null);
            }
            if (c.getLocalName().equals("interface")) {
                ifEl = c;
            }
        }
        YangSchema.SNode leaf = input.child("interface");
        if (ifEl == null) {
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, "interface", "missing parameter interface",
                    "/ipmp:" + rpcName);
        }
        String name = YangSchema.canonical(leaf, Xml.text(ifEl));
        if (name == null) {
            throw new RpcError(RpcError.Type.PROTOCOL, "invalid-value", "invalid interface name \""
                    + Xml.text(ifEl) + "\"", null, "/ipmp:" + rpcName + "/ipmp:interface", null);
        }
        offline(name, off, null);
    }

    /**
     * The member actions (take-offline, undo-offline on /if:interfaces/if:interface/ipmp:ipmp): the
     * same engine calls as the operations, on an interface the running configuration has as a member.
     */
    private void memberAction(ActionRequest.Invocation a) throws RpcError {
        YangSchema.SNode member = server.schema().root().child("interfaces").child("interface").child("ipmp");
        if (a.owner() != member) {
            throw RpcError.notSupported(RpcError.Type.PROTOCOL, "action " + a.name() + " is not supported");
        }
        String name = a.keys().get(0);
        boolean configured = server.datastores().running().groups().stream()
                .anyMatch(g -> g.members().stream().anyMatch(m -> m.name().equals(name)));
        if (!configured) {
            throw RpcError.dataMissing("interface " + name + " is not a member of an IPMP group", a.path());
        }
        switch (a.name()) {
            case "take-offline" -> offline(name, true, a.path());
            case "undo-offline" -> offline(name, false, a.path());
            default -> throw RpcError.notSupported(RpcError.Type.PROTOCOL, "action " + a.name()
                    + " is not supported");
        }
    }

    /**
     * if_mpadm -d / -r through the engine.
     *
     * @param actionPath the member's path when invoked as an action (the error-path of its errors);
     *        null for the operations, whose errors name their interface parameter
     */
    private void offline(String name, boolean off, String actionPath) throws RpcError {
        String rpcName = off ? "offline" : "undo-offline";
        java.util.Map<String, String> info = actionPath == null ? java.util.Map.of("bad-element", "interface")
                : null;
        try {
            server.loop().call(() -> {
                if (off) {
                    server.loop().engine().offline(name);
                } else {
                    EngineSnapshot s = server.loop().engine().snapshot();
                    boolean offline = s.iface(name).map(EngineSnapshot.InterfaceInfo::offline).orElse(false);
                    if (offline && server.datastores().configuredOffline().contains(name)) {
                        // offline by configuration: undoing it at run time would leave running and
                        // the state disagreeing (and the next restart would take it offline again)
                        throw new RpcError(RpcError.Type.APPLICATION, "operation-failed", "interface " + name
                                + " is offline in the configuration: set its offline leaf to false (edit-config) "
                                + "to bring it back", "configured-offline", actionPath, info);
                    }
                    server.loop().engine().undoOffline(name);
                }
                return null;
            });
        } catch (RpcError e) {
            throw e;
        } catch (AdminException e) {
            String appTag = AppTags.forMessage(e.getMessage(), null);
            String tag = "not-in-group".equals(appTag) ? "invalid-value" : "operation-failed";
            throw new RpcError(RpcError.Type.APPLICATION, tag, AppTags.stripTool(e.getMessage()), appTag,
                    actionPath, info);
        } catch (Exception e) {
            throw RpcError.failed(rpcName + " failed: " + e);
        }
    }

    // ------------------------------------------------------------------ notifications

    private void subscribe(Element op) throws RpcError {
        if (queue != null) {
            throw RpcError.inUse("this session already has a subscription");
        }
        Element stream = Xml.child(op, Xml.NOTIF, "stream");
        if (stream != null && !Xml.text(stream).equals("NETCONF")) {
            throw RpcError.invalidValue("unknown stream " + Xml.text(stream) + " (only NETCONF)", null);
        }
        Instant start = time(op, "startTime");
        Instant stop = time(op, "stopTime");
        if (stop != null && start == null) {
            throw RpcError.missingElement(RpcError.Type.PROTOCOL, "startTime", "stopTime needs startTime", null);
        }
        if (start != null && !server.notifications().replaySupported()) {
            throw RpcError.notSupported(RpcError.Type.PROTOCOL, "replay is off (netconf.replay-history=0)");
        }
        if (start != null && start.isAfter(Instant.now())) {
            throw new RpcError(RpcError.Type.PROTOCOL, "bad-element", "startTime is in the future", null, null,
                    java.util.Map.of("bad-element", "startTime"));
        }
        if (stop != null && stop.isBefore(start)) {
            throw new RpcError(RpcError.Type.PROTOCOL, "bad-element", "stopTime is before startTime", null, null,
                    java.util.Map.of("bad-element", "stopTime"));
        }
        Element f = Xml.child(op, Xml.NOTIF, "filter");
        if (f == null) {
            f = Xml.child(op, Xml.BASE, "filter"); // ncclient puts it in the base namespace
        }
        if (f != null) {
            String type = f.getAttribute("type");
            if (!type.isEmpty() && !type.equals("subtree") && !type.equals("xpath")) {
                throw RpcError.notSupported(RpcError.Type.PROTOCOL, "filter type " + type + " is not supported");
            }
            if (type.equals("xpath") && !f.hasAttribute("select")) {
                throw RpcError.missingAttribute("select", "filter");
            }
            Document fd = Xml.newDocument();
            Element copy = (Element) fd.importNode(f, true);
            // the prefixes an XPath filter uses may be declared on the rpc: they go with the copy
            for (org.w3c.dom.Node n = f.getParentNode(); n instanceof Element a; n = n.getParentNode()) {
                org.w3c.dom.NamedNodeMap attrs = a.getAttributes();
                for (int i = 0; i < attrs.getLength(); i++) {
                    org.w3c.dom.Attr at = (org.w3c.dom.Attr) attrs.item(i);
                    if (Xml.XMLNS.equals(at.getNamespaceURI()) && "xmlns".equals(at.getPrefix())
                            && !copy.hasAttributeNS(Xml.XMLNS, at.getLocalName())) {
                        copy.setAttributeNS(Xml.XMLNS, "xmlns:" + at.getLocalName(), at.getValue());
                    }
                }
            }
            fd.appendChild(copy);
            if (type.equals("xpath")) {
                XPathFilter.selects(fd.createElementNS(Xml.IPMP, "probe"), copy.getAttribute("select"), copy);
            }
            subscriptionFilter = copy;
            wantsProbes = type.equals("xpath") ? copy.getAttribute("select").contains("probe-result")
                    : SubtreeFilter.names(subscriptionFilter, Xml.IPMP, "probe-result");
        }
        startTime = start;
        stopTime = stop;
        queue = new ArrayBlockingQueue<>(server.settings().notificationQueue());
    }

    /** A yang:date-and-time parameter of create-subscription, or null. */
    private static Instant time(Element op, String name) throws RpcError {
        Element e = Xml.child(op, Xml.NOTIF, name);
        if (e == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(Xml.text(e)).toInstant();
        } catch (java.time.format.DateTimeParseException x) {
            throw new RpcError(RpcError.Type.PROTOCOL, "bad-element", "bad " + name + " " + Xml.text(e)
                    + " (a date-and-time, like 2026-01-31T12:00:00Z)", null, null, java.util.Map.of("bad-element", name));
        }
    }

    private void startNotifier() {
        // subscribed and the history taken at once: nothing missed, nothing twice
        List<NotificationHub.Event> replay = server.notifications().subscribe(this, startTime);
        notifier = new Thread(() -> deliver(replay), "netconf-notify-" + id);
        notifier.setDaemon(true);
        notifier.start();
    }

    @Override
    public void offer(NotificationHub.Event e) {
        BlockingQueue<NotificationHub.Event> q = queue;
        if (q != null && !q.offer(e) && dropped.getAndIncrement() % 1000 == 0) {
            server.log().warning("NETCONF: session " + id + " does not keep up; notifications dropped");
        }
    }

    @Override
    public boolean wantsProbes() {
        return wantsProbes;
    }

    /**
     * The notifier thread: the replayed events (with startTime), replayComplete, then the live
     * ones; at stopTime notificationComplete ends the subscription.
     */
    private void deliver(List<NotificationHub.Event> replay) {
        SubtreeFilter sf = new SubtreeFilter(server.schema());
        Instant stop = stopTime;
        try {
            for (NotificationHub.Event e : replay) {
                if (stop != null && e.time().isAfter(stop)) {
                    break;
                }
                send(e, sf);
            }
            if (startTime != null) {
                send(new NotificationHub.Event(Instant.now(), NotificationHub.NETMOD_NOTIFICATION, "replayComplete",
                        List.of()), null);
            }
            while (!ended.get()) {
                NotificationHub.Event e;
                if (stop == null) {
                    e = queue.take();
                } else {
                    long ms = java.time.Duration.between(Instant.now(), stop).toMillis();
                    e = ms <= 0 ? null : queue.poll(ms, TimeUnit.MILLISECONDS);
                    if (e == null || e.time().isAfter(stop)) {
                        if (e == null && Instant.now().isBefore(stop)) {
                            continue; // woke early
                        }
                        send(new NotificationHub.Event(Instant.now(), NotificationHub.NETMOD_NOTIFICATION,
                                "notificationComplete", List.of()), null);
                        server.notifications().unsubscribe(this);
                        queue = null; // the session may subscribe again
                        return;
                    }
                }
                send(e, sf);
            }
        } catch (InterruptedException e) {
            // session ended
        } catch (IOException e) {
            kill("dropped", 0);
        }
    }

    /** Sends one notification unless the subscription's filter drops it (sf null: not filtered). */
    private void send(NotificationHub.Event e, SubtreeFilter sf) throws IOException {
        if (!access().notification(moduleOf(e.ns()), e.name())) {
            server.nacm().deniedNotifications.incrementAndGet();
            return;
        }
        Document d = Xml.newDocument();
        if (sf != null && subscriptionFilter != null && "xpath".equals(subscriptionFilter.getAttribute("type"))) {
            try {
                if (!XPathFilter.selects(e.body(d), subscriptionFilter.getAttribute("select"), subscriptionFilter)) {
                    return;
                }
            } catch (RpcError x) {
                return; // checked when the subscription was made; an event it cannot evaluate is not sent
            }
        } else if (sf != null && subscriptionFilter != null) {
            Element holder = d.createElementNS(Xml.BASE, "data");
            holder.appendChild(e.body(d));
            Element out = d.createElementNS(Xml.BASE, "out");
            sf.apply(holder, subscriptionFilter, out);
            if (Xml.children(out).isEmpty()) {
                return;
            }
        }
        Element n = e.toXml(d);
        writer.write(Xml.serialize(n));
        counters.outNotifications.incrementAndGet();
        server.monitoring().totals.outNotifications.incrementAndGet();
    }
}
