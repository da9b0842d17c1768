package ipmpd.agent.netconf;

import ipmpd.agent.netconf.YangSchema.ModuleText;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RFC 6022 ietf-netconf-monitoring ({@code /netconf-state}: capabilities, datastores and their
 * locks, schemas, sessions, statistics; the get-schema operation) and the YANG library (RFC 8525
 * {@code /yang-library} and its deprecated RFC 7895 {@code /modules-state}), so that controllers
 * can find and download the module.
 */
final class Monitoring {
    /** Counters of one session (RFC 6022 session list). */
    static final class Counters {
        final AtomicLong inRpcs = new AtomicLong();
        final AtomicLong inBadRpcs = new AtomicLong();
        final AtomicLong outRpcErrors = new AtomicLong();
        final AtomicLong outNotifications = new AtomicLong();
    }

    record SessionInfo(int id, String user, String sourceHost, Instant loginTime, Counters counters) {
    }

    /** Implemented modules (with their features); the rest of {@link YangSchema#modules()} is import-only. */
    private static final Map<String, List<String>> IMPLEMENTED = Map.ofEntries(
            Map.entry(YangSchema.MODULE, List.of()),
            // the members' IPMP configuration augments its interface list; interface types are its identities
            Map.entry("ietf-interfaces", List.of()),
            Map.entry("iana-if-type", List.of()),
            Map.entry("ietf-netconf", List.of("writable-running", "candidate", "confirmed-commit",
                    "rollback-on-error", "validate", "xpath")),
            Map.entry("ietf-netconf-monitoring", List.of()),
            Map.entry("ietf-yang-library", List.of()),
            Map.entry("ietf-datastores", List.of()),
            Map.entry("ietf-netconf-with-defaults", List.of()),
            Map.entry("ietf-netconf-nmda", List.of("origin", "with-defaults")),
            Map.entry("ietf-origin", List.of()),
            Map.entry("ietf-netconf-notifications", List.of()),
            Map.entry("nc-notifications", List.of()),
            Map.entry(NacmConfig.MODULE, List.of()));

    /** Namespaces of modules whose text the server may not have (listed in the YANG library anyway). */
    private static final Map<String, String[]> KNOWN = Map.ofEntries(
            Map.entry("ietf-netconf", new String[] {"2011-06-01", Xml.BASE}),
            Map.entry("ietf-netconf-monitoring", new String[] {"2010-10-04", Xml.NCM}),
            Map.entry("ietf-yang-library", new String[] {"2019-01-04", Xml.YANGLIB}),
            Map.entry("ietf-netconf-with-defaults", new String[] {"2011-06-01", Xml.WITH_DEFAULTS}),
            Map.entry("ietf-datastores", new String[] {"2018-02-14", Xml.DATASTORES}),
            Map.entry("ietf-netconf-nmda", new String[] {"2019-01-07", GetData.NS}),
            Map.entry("ietf-origin", new String[] {"2018-02-14", GetData.ORIGIN}),
            Map.entry("ietf-netconf-notifications",
                    new String[] {"2012-02-06", NotificationHub.NC_NOTIFICATIONS}),
            Map.entry("nc-notifications", new String[] {"2008-07-14", NotificationHub.NETMOD_NOTIFICATION}),
            Map.entry("notifications", new String[] {"2008-07-14", Xml.NOTIF}),
            Map.entry(NacmConfig.MODULE, new String[] {"2018-02-14", NacmConfig.NS}));

    final AtomicLong inBadHellos = new AtomicLong();
    final AtomicLong inSessions = new AtomicLong();
    final AtomicLong droppedSessions = new AtomicLong();
    final Counters totals = new Counters();
    private final Instant started = Instant.now();
    private final YangSchema schema;
    private final List<String> capabilities;
    private final String contentId;

    Monitoring(YangSchema schema, List<String> capabilities) {
        this.schema = schema;
        this.capabilities = capabilities;
        StringBuilder b = new StringBuilder();
        for (String[] m : moduleList()) {
            b.append(String.join(" ", m)).append('\n');
        }
        this.contentId = sha(b.toString()).substring(0, 16);
    }

    String contentId() {
        return contentId;
    }

    /** name, revision, namespace, "implement" | "import". */
    private List<String[]> moduleList() {
        java.util.Map<String, String[]> out = new java.util.TreeMap<>();
        for (ModuleText m : schema.modules()) {
            out.put(m.name(), new String[] {m.name(), m.revision(), m.namespace(),
                    IMPLEMENTED.containsKey(m.name()) ? "implement" : "import"});
        }
        for (Map.Entry<String, String[]> k : KNOWN.entrySet()) {
            if (!out.containsKey(k.getKey())) {
                out.put(k.getKey(), new String[] {k.getKey(), k.getValue()[0], k.getValue()[1],
                        IMPLEMENTED.containsKey(k.getKey()) ? "implement" : "import"});
            }
        }
        return List.copyOf(out.values());
    }

    private static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code /netconf-state}. */
    Element netconfState(Document doc, Map<String, Datastores.Lock> locks, boolean candidateModified,
                         List<SessionInfo> sessions) {
        Element st = doc.createElementNS(Xml.NCM, "netconf-state");
        Element caps = Xml.add(st, Xml.NCM, "capabilities");
        for (String c : capabilities) {
            Xml.leaf(caps, "capability", c);
        }
        Element ds = Xml.add(st, Xml.NCM, "datastores");
        for (String name : List.of(Datastores.RUNNING, Datastores.CANDIDATE)) {
            Element d = Xml.add(ds, Xml.NCM, "datastore");
            Xml.leaf(d, "name", name);
            Datastores.Lock l = locks.get(name);
            if (l != null) {
                Element le = Xml.add(d, Xml.NCM, "locks");
                Element g = Xml.add(le, Xml.NCM, "global-lock");
                Xml.leaf(g, "locked-by-session", l.sessionId());
                Xml.leaf(g, "locked-time", StateXml.dateAndTime(l.since()));
            }
        }
        Element schemas = Xml.add(st, Xml.NCM, "schemas");
        for (ModuleText m : schema.modules()) {
            Element s = Xml.add(schemas, Xml.NCM, "schema");
            Xml.leaf(s, "identifier", m.name());
            Xml.leaf(s, "version", m.revision());
            Xml.leaf(s, "format", "yang");
            Xml.leaf(s, "namespace", m.namespace());
            Xml.leaf(s, "location", "NETCONF");
        }
        Element se = Xml.add(st, Xml.NCM, "sessions");
        for (SessionInfo s : sessions) {
            Element e = Xml.add(se, Xml.NCM, "session");
            Xml.leaf(e, "session-id", s.id());
            Xml.leaf(e, "transport", "netconf-ssh");
            Xml.leaf(e, "username", s.user());
            if (s.sourceHost() != null) {
                Xml.leaf(e, "source-host", s.sourceHost());
            }
            Xml.leaf(e, "login-time", StateXml.dateAndTime(s.loginTime()));
            counters(e, s.counters());
        }
        Element stats = Xml.add(st, Xml.NCM, "statistics");
        Xml.leaf(stats, "netconf-start-time", StateXml.dateAndTime(started));
        Xml.leaf(stats, "in-bad-hellos", inBadHellos.get());
        Xml.leaf(stats, "in-sessions", inSessions.get());
        Xml.leaf(stats, "dropped-sessions", droppedSessions.get());
        counters(stats, totals);
        return st;
    }

    private static void counters(Element e, Counters c) {
        Xml.leaf(e, "in-rpcs", c.inRpcs.get());
        Xml.leaf(e, "in-bad-rpcs", c.inBadRpcs.get());
        Xml.leaf(e, "out-rpc-errors", c.outRpcErrors.get());
        Xml.leaf(e, "out-notifications", c.outNotifications.get());
    }

    /** {@code /yang-library} (RFC 8525). */
    Element yangLibrary(Document doc) {
        Element yl = doc.createElementNS(Xml.YANGLIB, "yang-library");
        Element set = Xml.add(yl, Xml.YANGLIB, "module-set");
        Xml.leaf(set, "name", "complete");
        for (String[] m : moduleList()) {
            if (m[3].equals("implement")) {
                Element me = Xml.add(set, Xml.YANGLIB, "module");
                Xml.leaf(me, "name", m[0]);
                Xml.leaf(me, "revision", m[1]);
                Xml.leaf(me, "namespace", m[2]);
                for (String f : IMPLEMENTED.getOrDefault(m[0], List.of())) {
                    Xml.leaf(me, "feature", f);
                }
            }
        }
        for (String[] m : moduleList()) {
            if (m[3].equals("import")) {
                Element me = Xml.add(set, Xml.YANGLIB, "import-only-module");
                Xml.leaf(me, "name", m[0]);
                Xml.leaf(me, "revision", m[1]);
                Xml.leaf(me, "namespace", m[2]);
            }
        }
        Element sc = Xml.add(yl, Xml.YANGLIB, "schema");
        Xml.leaf(sc, "name", "complete");
        Xml.leaf(sc, "module-set", "complete");
        for (String ds : List.of("running", "candidate", "operational")) {
            Element d = Xml.add(yl, Xml.YANGLIB, "datastore");
            Element n = Xml.leaf(d, "name", "ds:" + ds);
            n.setAttributeNS(Xml.XMLNS, "xmlns:ds", Xml.DATASTORES);
            Xml.leaf(d, "schema", "complete");
        }
        Xml.leaf(yl, "content-id", contentId);
        return yl;
    }

    /** {@code /modules-state} (RFC 7895, deprecated; for NETCONF 1.0 clients of yang-library:1.0). */
    Element modulesState(Document doc) {
        Element ms = doc.createElementNS(Xml.YANGLIB, "modules-state");
        Xml.leaf(ms, "module-set-id", contentId);
        for (String[] m : moduleList()) {
            Element me = Xml.add(ms, Xml.YANGLIB, "module");
            Xml.leaf(me, "name", m[0]);
            Xml.leaf(me, "revision", m[1]);
            Xml.leaf(me, "namespace", m[2]);
            for (String f : IMPLEMENTED.getOrDefault(m[0], List.of())) {
                Xml.leaf(me, "feature", f);
            }
            Xml.leaf(me, "conformance-type", m[3]);
        }
        return ms;
    }

    /** get-schema: the text of a module the server has. */
    String schemaText(String identifier, String version, String format) throws RpcError {
        if (format != null && !format.equals("yang") && !format.endsWith(":yang")) {
            throw RpcError.invalidValue("schema format " + format + " is not available (only yang)", null);
        }
        List<ModuleText> found = schema.modules().stream().filter(m -> m.name().equals(identifier)
                && (version == null || version.isEmpty() || version.equals(m.revision()))).toList();
        if (found.isEmpty()) {
            throw RpcError.invalidValue("no schema " + identifier + (version == null ? "" : "@" + version), null);
        }
        if (found.size() > 1) {
            throw new RpcError(RpcError.Type.APPLICATION, "operation-failed", "more than one schema matches",
                    "data-not-unique", null, null);
        }
        return found.get(0).text();
    }
}
