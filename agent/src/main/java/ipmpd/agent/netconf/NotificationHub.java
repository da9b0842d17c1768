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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The engine's events as the notifications of the ipmpd module (RFC 5277 stream NETCONF). Called
 * on the engine thread: an event becomes an immutable {@link Event} (name, leaves, time) that is
 * offered to each subscribed session's bounded queue, never blocking the engine.
 */
final class NotificationHub implements EngineListener {
    /** One notification: its name in the ipmpd module and its leaves in schema order. */
    record Event(Instant time, String name, List<Map.Entry<String, String>> leaves) {
        /** The {@code <notification>} element. */
        Element toXml(Document doc) {
            Element n = doc.createElementNS(Xml.NOTIF, "notification");
            Xml.leaf(n, "eventTime", StateXml.dateAndTime(time));
            Element body = Xml.add(n, Xml.IPMP, name);
            for (Map.Entry<String, String> l : leaves) {
                Xml.leaf(body, l.getKey(), l.getValue());
            }
            return n;
        }

        /** The event element alone (what subscription filters are matched against). */
        Element body(Document doc) {
            Element body = doc.createElementNS(Xml.IPMP, name);
            for (Map.Entry<String, String> l : leaves) {
                Xml.leaf(body, l.getKey(), l.getValue());
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

    NotificationHub(EngineLoop loop) {
        this.loop = loop;
    }

    void subscribe(Subscriber s) {
        subscribers.add(s);
    }

    void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    private void publish(String name, List<Map.Entry<String, String>> leaves) {
        Event e = new Event(Instant.now(), name, List.copyOf(leaves));
        boolean probe = name.equals("probe-result");
        for (Subscriber s : subscribers) {
            if (!probe || s.wantsProbes()) {
                s.offer(e);
            }
        }
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
        if (subscribers.isEmpty()) {
            return;
        }
        String group = snapshot().flatMap(s -> s.iface(ifname)).map(EngineSnapshot.InterfaceInfo::group).orElse(null);
        publish(up ? "link-up" : "link-down", leaves("interface", ifname, "group", group));
    }

    @Override
    public void interfaceFailed(String ifname, String group, Detection how) {
        if (!subscribers.isEmpty()) {
            publish("interface-failed", leaves("interface", ifname, "group", group, "detection",
                    Vocabulary.of(how).yang()));
        }
    }

    @Override
    public void interfaceRepaired(String ifname, String group, Detection how) {
        if (!subscribers.isEmpty()) {
            publish("interface-repaired", leaves("interface", ifname, "group", group, "detection",
                    Vocabulary.of(how).yang()));
        }
    }

    @Override
    public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
        if (subscribers.isEmpty() || before == after) {
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
        if (subscribers.isEmpty() || from == null || to == null) {
            return;
        }
        publish("address-moved", leaves("address", Addresses.format(address), "group", group,
                "reason", Vocabulary.of(reason).yang(), "from-interface", from, "to-interface", to));
    }

    @Override
    public void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                           Family family) {
        if (!subscribers.isEmpty()) {
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
