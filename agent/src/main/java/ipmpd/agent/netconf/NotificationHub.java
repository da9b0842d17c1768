package ipmpd.agent.netconf;

import ipmpd.agent.EngineLoop;
import ipmpd.engine.Addresses;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.Family;
import ipmpd.engine.GroupState;
import ipmpd.engine.ProbeEvent;
import ipmpd.engine.Vocabulary;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The notifications of the NETCONF stream (RFC 5277): the engine's events as the notifications of
 * the ipmpd module, and the server's own RFC 6470 ones (ietf-netconf-notifications: session start
 * and end, configuration change, confirmed commit). An event becomes an immutable {@link Event}
 * that is offered to each subscribed session's bounded queue, never blocking the engine, and kept
 * in a bounded history for replay ({@code startTime}); probe-result events are not kept (one per
 * probe would push every other event out).
 */
final class NotificationHub implements EngineListener {
    static final String NC_NOTIFICATIONS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications";
    /** RFC 5277's nc-notifications (the stream list, replayComplete, notificationComplete). */
    static final String NETMOD_NOTIFICATION = "urn:ietf:params:xml:ns:netmod:notification";
    static final String STREAM = "NETCONF";

    /** A node of an event's body: a leaf (text) or a container (children). */
    record Node(String name, String text, List<Node> children, boolean ipmpPrefix) {
        static Node leaf(String name, String text) {
            return new Node(name, text, List.of(), false);
        }

        static Node container(String name, List<Node> children) {
            return new Node(name, null, List.copyOf(children), false);
        }

        void appendTo(Element parent) {
            Element e = Xml.add(parent, parent.getNamespaceURI(), name);
            if (ipmpPrefix && text != null && text.startsWith("/if:")) {
                e.setAttributeNS(Xml.XMLNS, "xmlns:if", Xml.IF);
            } else if (ipmpPrefix) {
                e.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP);
            }
            if (text != null) {
                e.setTextContent(text);
            }
            for (Node c : children) {
                c.appendTo(e);
            }
        }
    }

    /** One notification: its namespace, name and body in schema order. */
    record Event(Instant time, String ns, String name, List<Node> nodes) {
        /** The {@code <notification>} element. */
        Element toXml(Document doc) {
            Element n = doc.createElementNS(Xml.NOTIF, "notification");
            Xml.leaf(n, "eventTime", StateXml.dateAndTime(time));
            n.appendChild(body(doc));
            return n;
        }

        /** The event element alone (what subscription filters are matched against). */
        Element body(Document doc) {
            Element body = doc.createElementNS(ns, name);
            for (Node l : nodes) {
                l.appendTo(body);
            }
            return body;
        }
    }

    /** A subscribed session. */
    interface Subscriber {
        /** Offers an event; must not block. */
        void offer(Event e);

        /** Whether the subscription asked for probe-result (high volume: only when its filter names it). */
        boolean wantsProbes();
    }

    private final EngineLoop loop;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final int historySize;
    /** The replay history, oldest first; guards the subscriber list's changes against publishing too. */
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final Instant created = Instant.now();

    NotificationHub(EngineLoop loop, int historySize) {
        this.loop = loop;
        this.historySize = historySize;
    }

    boolean replaySupported() {
        return historySize > 0;
    }

    /**
     * Subscribes; returns the kept events from {@code startTime} on (none without one), taken
     * together with the subscription so that no event is missed or delivered twice.
     */
    List<Event> subscribe(Subscriber s, Instant startTime) {
        synchronized (history) {
            subscribers.add(s);
            if (startTime == null) {
                return List.of();
            }
            List<Event> out = new ArrayList<>();
            for (Event e : history) {
                if (!e.time().isBefore(startTime)) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    /** RFC 5277 {@code /netconf/streams} (nc-notifications). */
    Element streams(Document doc) {
        Element nc = doc.createElementNS(NETMOD_NOTIFICATION, "netconf");
        Element st = Xml.add(Xml.add(nc, NETMOD_NOTIFICATION, "streams"), NETMOD_NOTIFICATION, "stream");
        Xml.leaf(st, "name", STREAM);
        Xml.leaf(st, "description", "ipmpd's events (ipmpd module) and the server's (RFC 6470 "
                + "ietf-netconf-notifications)" + (replaySupported() ? "; the last " + historySize
                + " are kept for replay, probe-result excepted" : ""));
        Xml.leaf(st, "replaySupport", replaySupported());
        if (replaySupported()) {
            Xml.leaf(st, "replayLogCreationTime", StateXml.dateAndTime(created));
        }
        return nc;
    }

    private void publish(String name, List<Map.Entry<String, String>> leaves) {
        publishNodes(name, nodes(leaves));
    }

    private void publishNodes(String name, List<Node> nodes) {
        publish(new Event(Instant.now(), Xml.IPMP, name, List.copyOf(nodes)));
    }

    private static List<Node> nodes(List<Map.Entry<String, String>> leaves) {
        List<Node> nodes = new ArrayList<>(leaves.size() + 1);
        for (Map.Entry<String, String> l : leaves) {
            nodes.add(Node.leaf(l.getKey(), l.getValue()));
        }
        return nodes;
    }

    /** The leaves and the detection leaf, an identityref: "ipmp:probe" with the prefix declared on it. */
    private static List<Node> detection(List<Map.Entry<String, String>> leaves, Detection how) {
        List<Node> nodes = nodes(leaves);
        nodes.add(new Node("detection", "ipmp:" + Vocabulary.of(how).yang(), List.of(), true));
        return nodes;
    }

    private void publish(Event e) {
        boolean probe = e.name().equals("probe-result");
        synchronized (history) {
            if (!probe && historySize > 0) {
                if (history.size() >= historySize) {
                    history.removeFirst();
                }
                history.addLast(e);
            }
            for (Subscriber s : subscribers) {
                if (!probe || s.wantsProbes()) {
                    s.offer(e);
                }
            }
        }
    }

    // ------------------------------------------------------------------ RFC 6470

    /** Who did something: a session's user, id and address (common-session-parms). */
    record Who(String user, int sessionId, String sourceHost) {
        List<Node> nodes() {
            List<Node> out = new ArrayList<>();
            out.add(Node.leaf("username", user));
            out.add(Node.leaf("session-id", String.valueOf(sessionId)));
            if (sourceHost != null) {
                out.add(Node.leaf("source-host", sourceHost));
            }
            return out;
        }
    }

    void sessionStarted(Who who) {
        publish(new Event(Instant.now(), NC_NOTIFICATIONS, "netconf-session-start", who.nodes()));
    }

    /** @param killedBy the session that killed it (reason "killed"), else 0 */
    void sessionEnded(Who who, String reason, int killedBy) {
        List<Node> n = who.nodes();
        if (killedBy > 0) {
            n.add(Node.leaf("killed-by", String.valueOf(killedBy)));
        }
        n.add(Node.leaf("termination-reason", reason));
        publish(new Event(Instant.now(), NC_NOTIFICATIONS, "netconf-session-end", n));
    }

    /**
     * running changed. @param who null when the server itself changed it (a confirmed commit's
     * timeout) @param operation the edit operation, on both top-level trees (the members in the
     * interface tree, the groups)
     */
    void configChanged(Who who, String operation) {
        List<Node> n = new ArrayList<>();
        n.add(Node.container("changed-by", who == null ? List.of(Node.leaf("server", "")) : who.nodes()));
        n.add(Node.leaf("datastore", "running"));
        for (String target : List.of("/if:interfaces", "/ipmp:ipmp")) {
            n.add(Node.container("edit", List.of(new Node("target", target, List.of(), true),
                    Node.leaf("operation", operation))));
        }
        publish(new Event(Instant.now(), NC_NOTIFICATIONS, "netconf-config-change", n));
    }

    /** @param who null for "timeout" @param timeoutS for "start" and "extend", else 0 */
    void confirmedCommit(Who who, String event, long timeoutS) {
        List<Node> n = who == null ? new ArrayList<>() : who.nodes();
        n.add(Node.leaf("confirm-event", event));
        if (event.equals("start") || event.equals("extend")) {
            n.add(Node.leaf("timeout", String.valueOf(timeoutS)));
        }
        publish(new Event(Instant.now(), NC_NOTIFICATIONS, "netconf-confirmed-commit", n));
    }

    // ------------------------------------------------------------------ the engine's events

    /** No subscriber and no history: an event would go nowhere (then it is not even built). */
    private boolean unheard() {
        return historySize == 0 && subscribers.isEmpty();
    }


    private static List<Map.Entry<String, String>> leaves(String... kv) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                out.add(Map.entry(kv[i], kv[i + 1]));
            }
        }
        return out;
    }

    /** The current snapshot (on the engine thread, where listeners are called), if any. */
    private Optional<EngineSnapshot> snapshot() {
        try {
            if (loop.inLoop() && loop.engine() != null) {
                return Optional.of(loop.engine().snapshot());
            }
        } catch (RuntimeException e) {
            // no engine bound (tests)
        }
        return Optional.empty();
    }

    @Override
    public void linkChanged(String ifname, boolean up) {
        if (unheard()) {
            return;
        }
        String group = snapshot().flatMap(s -> s.iface(ifname)).map(EngineSnapshot.InterfaceInfo::group).orElse(null);
        publish(up ? "link-up" : "link-down", leaves("interface", ifname, "group", group));
    }

    @Override
    public void interfaceFailed(String ifname, String group, Detection how) {
        if (!unheard()) {
            publishNodes("interface-failed", detection(leaves("interface", ifname, "group", group), how));
        }
    }

    @Override
    public void interfaceRepaired(String ifname, String group, Detection how) {
        if (!unheard()) {
            publishNodes("interface-repaired", detection(leaves("interface", ifname, "group", group), how));
        }
    }

    @Override
    public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
        if (unheard() || before == after) {
            return;
        }
        String usable = null;
        if (event == GroupEvent.AT_LEAST_ONE_USABLE) {
            usable = snapshot().flatMap(s -> s.group(group)).map(g -> !g.active().isEmpty() ? g.active().get(0)
                    : !g.inactive().isEmpty() ? g.inactive().get(0) : null).orElse(null);
        }
        publish("group-state-changed", leaves("group", group, "old-state", Vocabulary.of(before).yang(),
                "new-state", Vocabulary.of(after).yang(), "reason", Vocabulary.of(event).yang(),
                "usable-interface", usable));
    }

    @Override
    public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
        if (unheard() || from == null || to == null) {
            return;
        }
        publish("address-moved", leaves("address", Addresses.format(address), "group", group,
                "reason", Vocabulary.of(reason).yang(), "from-interface", from, "to-interface", to));
    }

    @Override
    public void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                           Family family) {
        if (!unheard()) {
            publish("fdt-changed", leaves("group", group, "old-fdt", String.valueOf(beforeMs),
                    "new-fdt", String.valueOf(afterMs)));
        }
    }

    @Override
    public void probeResolved(ProbeEvent p) {
        if (subscribers.isEmpty() || subscribers.stream().noneMatch(Subscriber::wantsProbes)) {
            return;
        }
        List<Map.Entry<String, String>> l = leaves("interface", p.ifname(),
                "family", p.family() == Family.INET ? "ipv4" : "ipv6",
                "probe-id", String.valueOf(p.id() & 0xffff),
                "target", Addresses.format(p.target()),
                "result", p.acked() ? "acked" : "lost",
                "net-rtt", p.acked() && p.netRttNs() >= 0 ? String.valueOf(StateXml.micros(p.netRttNs())) : null,
                "rtt", p.acked() && p.rttNs() >= 0 ? String.valueOf(StateXml.micros(p.rttNs())) : null,
                "rtt-average", p.rttAvgNs() > 0 ? String.valueOf(StateXml.micros(p.rttAvgNs())) : null,
                "rtt-deviation", p.rttAvgNs() > 0 ? String.valueOf(StateXml.micros(p.rttDevNs())) : null);
        publish("probe-result", l);
    }
}
