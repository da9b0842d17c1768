package ipmpd.agent.netconf;

import ipmpd.engine.Addresses;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.IpmpInterfaceInfo;
import ipmpd.engine.EngineSnapshot.TargetInfo;
import ipmpd.engine.EngineSnapshot.TargetSet;
import ipmpd.engine.Family;
import ipmpd.engine.Vocabulary;
import ipmpd.engine.config.IpmpConfiguration;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The data of {@code <get>} for the ipmpd module (the top-level nodes /if:interfaces and /ipmp:ipmp
 * under a wrapper): the configuration and, as config false nodes,
 * the state of one {@link EngineSnapshot} (the snapshot ipmpstat renders), named through
 * {@link Vocabulary} and {@link FlagBits}.
 */
final class StateXml {
    /** ipmpstat -i FLAGS characters, in column order, and their ipmpstat-flags bits. */
    private static final String[] FLAG_COLUMNS = {"i", "s", "m", "b", "M", "d", "h"};
    private static final String[] FLAG_BITS = {"inactive", "standby", "ipv4-multicast-nominee",
            "ipv4-broadcast-nominee", "ipv6-multicast-nominee", "no-up-address", "duplicate-hardware-address"};

    private StateXml() {
    }

    /**
     * @param wallAtSnapshot the wall-clock time at which the snapshot was taken (engine times are
     *        monotonic nanoseconds)
     */
    static Element build(Document doc, YangSchema schema, EngineSnapshot s, Instant wallAtSnapshot) {
        return build(doc, schema, s, wallAtSnapshot, name -> true);
    }

    /**
     * @param configuredOffline which OFFLINE members are offline by configuration (the config
     *        leaf); the others are offline at run time only, shown in the state leaves
     */
    static Element build(Document doc, YangSchema schema, EngineSnapshot s, Instant wallAtSnapshot,
                         java.util.function.Predicate<String> configuredOffline) {
        IpmpConfiguration config = IpmpConfiguration.of(s, configuredOffline);
        Element tree = ConfigXml.toXml(doc, config);
        java.util.Map<String, InterfaceInfo> ifaces = new java.util.HashMap<>();
        for (InterfaceInfo i : s.interfaces()) {
            ifaces.putIfAbsent(i.name(), i);
        }
        for (Element ie : ConfigXml.interfaces(tree)) {
            String name = Xml.text(Xml.child(ie, Xml.IF, "name"));
            InterfaceInfo i = ifaces.get(name);
            Element me = Xml.child(ie, Xml.IPMP, "ipmp");
            if (i != null && me != null) {
                member(me, i, s, wallAtSnapshot);
            } else if (me == null) {
                s.ipmpInterface(name).ifPresent(ii -> ipmpInterface(Xml.add(ie, Xml.IPMP, "ipmp-interface"), ii));
            }
        }
        // each address formatted once, not once per data address (64 x 320 at 256 members)
        java.util.Map<String, AddressInfo> byGroupAndAddress = new java.util.HashMap<>();
        for (AddressInfo ai : s.addresses()) {
            if (ai.group() == null) {
                continue;
            }
            byGroupAndAddress.putIfAbsent(ai.group() + " " + Addresses.format(ai.address()), ai); // the first, as before
        }
        for (Element ge : Xml.children(ConfigXml.ipmp(tree), Xml.IPMP, "group")) {
            String gname = Xml.text(Xml.child(ge, Xml.IPMP, "name"));
            Optional<GroupInfo> gi = s.group(gname);
            for (Element de : Xml.children(ge, Xml.IPMP, "data-address")) {
                String a = Xml.text(Xml.child(de, Xml.IPMP, "address"));
                AddressInfo ai = byGroupAndAddress.get(gname + " " + a);
                if (ai != null) {
                    if (ai.hostedOn() != null) {
                        Xml.leaf(de, "hosted-on", ai.hostedOn());
                    }
                    if (ai.inbound() != null) {
                        Xml.leaf(de, "inbound", ai.inbound());
                    }
                    for (String m : ai.outbound()) {
                        Xml.leaf(de, "outbound", m);
                    }
                    Xml.leaf(de, "state", Vocabulary.ADDRESS_STATE.get(ai.up() ? 0 : 1).yang());
                }
            }
            gi.ifPresent(g -> {
                Xml.leaf(ge, "state", Vocabulary.of(g.state()).yang());
                Xml.leaf(ge, "current-fdt", g.fdtMs());
                time(ge, "last-change", g.lastChangeNs(), s, wallAtSnapshot);
            });
        }
        DataTree.normalize(tree, schema.root());
        return tree;
    }

    /** The state of an IPMP interface: its group, its flags (both families'), the mtu of each family. */
    private static void ipmpInterface(Element ie, IpmpInterfaceInfo i) {
        Xml.leaf(ie, "group", i.group());
        long flags = 0;
        Set<Family> families = new java.util.TreeSet<>();
        for (EngineSnapshot.LifInfo l : i.lifs()) {
            if (l.unit() == 0) {
                flags |= l.flags();
            }
            families.add(l.family());
        }
        Xml.leaf(ie, "flags", FlagBits.of(flags));
        for (Family f : families) {
            Element af = Xml.add(ie, Xml.IPMP, "address-family");
            Xml.leaf(af, "family", f == Family.INET ? "ipv4" : "ipv6");
            Xml.leaf(af, "mtu", i.mtu(f));
        }
    }

    private static void member(Element me, InterfaceInfo i, EngineSnapshot s, Instant wall) {
        // the interface as both families see it (ipv4 and ipv6 bits both set on a dual-stack member)
        Xml.leaf(me, "flags", FlagBits.of(i.flags(Family.INET) | i.flags(Family.INET6)));
        List<String> bits = new ArrayList<>();
        String col = i.flagsColumn() == null ? "" : i.flagsColumn();
        for (int k = 0; k < FLAG_COLUMNS.length; k++) {
            if (col.contains(FLAG_COLUMNS[k])) {
                bits.add(FLAG_BITS[k]);
            }
        }
        Xml.leaf(me, "ipmpstat-flags", String.join(" ", bits));
        Xml.leaf(me, "active", i.active());
        Xml.leaf(me, "link-state", Vocabulary.of(i.link()).yang());
        Xml.leaf(me, "probe-state", Vocabulary.of(i.probe()).yang());
        Xml.leaf(me, "state", Vocabulary.of(i.state()).yang());
        time(me, "last-change", i.lastChangeNs(), s, wall);
        // failure accounting: the snapshot fields the MIB and the metrics read, named through Vocabulary
        Xml.leaf(me, "failure-count", i.failureCount());
        if (i.lastFailureCause() != null) {
            time(me, "last-failure", i.lastFailureNs(), s, wall);
            Element cause = Xml.leaf(me, "last-failure-cause", "ipmp:" + Vocabulary.of(i.lastFailureCause()).yang());
            cause.setAttributeNS(Xml.XMLNS, "xmlns:ipmp", Xml.IPMP); // the identityref's prefix, declared on it
        }
        for (TargetSet ts : i.targetSets()) {
            Element af = Xml.add(me, Xml.IPMP, "address-family");
            Xml.leaf(af, "family", ts.family() == Family.INET ? "ipv4" : "ipv6");
            if (ts.testAddress() != null && !Addresses.isUnspecified(ts.testAddress())) {
                Xml.leaf(af, "test-address", Addresses.format(ts.testAddress()));
                for (EngineSnapshot.LifInfo l : i.lifs()) {
                    if (ts.testAddress().equals(l.address())) {
                        Xml.leaf(af, "test-address-prefix-length", l.prefixLen());
                        break;
                    }
                }
            }
            Xml.leaf(af, "target-mode", Vocabulary.byWord(Vocabulary.PROBE_MODE, ts.mode()).yang());
            Set<String> seen = new HashSet<>();
            int position = 0;
            for (TargetInfo t : ts.targets()) {
                String a = Addresses.format(t.address());
                if (!seen.add(a) || position >= 255) {
                    continue;
                }
                position++;
                Element te = Xml.add(af, Xml.IPMP, "target");
                Xml.leaf(te, "address", a);
                Xml.leaf(te, "position", position);
                Xml.leaf(te, "mode", Vocabulary.byWord(Vocabulary.TARGET_ORIGIN, t.origin()).yang());
                Xml.leaf(te, "status", Vocabulary.byWord(Vocabulary.TARGET_STATUS, t.status()).yang());
                if (t.rttAvgNs() > 0) {
                    Xml.leaf(te, "rtt-average", micros(t.rttAvgNs()));
                    Xml.leaf(te, "rtt-deviation", micros(t.rttDevNs()));
                }
            }
        }
        Element ps = Xml.add(me, Xml.IPMP, "probe-statistics");
        Xml.leaf(ps, "sent", i.probesSent());
        Xml.leaf(ps, "acked", i.probesAcked());
        Xml.leaf(ps, "lost", i.probesLost());
    }

    static long micros(long ns) {
        return Math.min(0xffffffffL, Math.max(0, ns / 1000));
    }

    private static void time(Element parent, String name, long engineNs, EngineSnapshot s, Instant wall) {
        if (engineNs == 0) {
            return;
        }
        Instant t = wall.minusNanos(s.takenAtNs() - engineNs);
        Xml.leaf(parent, name, dateAndTime(t));
    }

    /** yang:date-and-time in UTC with milliseconds. */
    static String dateAndTime(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
