package ipmpd.agent.netconf;

import ipmpd.agent.ConfigJournal;
import ipmpd.agent.IpmpdLog;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NETCONF access control (RFC 8341) of the server: the running {@code /nacm} configuration, kept
 * in {@code netconf-acm.xml} of the configuration directory (written through the
 * {@link ConfigJournal} with the rest of a commit), the denial counters, and each session's
 * {@link NacmAccess}. The file is created at the first start with {@link NacmConfig#defaults()}.
 * It is reread when it changes on disk: an administrator locked out of NETCONF edits it as root
 * (the recovery path, RFC 8341 section 3.4.4; the control socket and ipmpadm are not subject to
 * NACM either).
 */
final class Nacm {
    static final String FILE = "netconf-acm.xml";

    final AtomicLong deniedOperations = new AtomicLong();
    final AtomicLong deniedDataWrites = new AtomicLong();
    final AtomicLong deniedNotifications = new AtomicLong();

    private final Path file;
    private final ConfigJournal journal;
    private final IpmpdLog log;
    private final NacmWrites writes;
    private final Map<String, String> moduleByNs = new HashMap<>();
    private final Map<String, String> prefixByNs = new HashMap<>();
    private volatile NacmConfig running;
    private volatile FileTime seen;

    Nacm(Path configDir, ConfigJournal journal, IpmpdLog log, YangSchema schema, Map<String, String> moduleByNs) {
        this.file = configDir.resolve(FILE);
        this.journal = journal;
        this.log = log;
        this.writes = new NacmWrites(schema);
        this.moduleByNs.putAll(moduleByNs);
        this.moduleByNs.put(NacmConfig.NS, NacmConfig.MODULE);
        prefixByNs.put(Xml.IPMP, "ipmp");
        prefixByNs.put(NacmConfig.NS, NacmConfig.PREFIX);
        prefixByNs.put(Xml.BASE, "nc");
    }

    /**
     * Reads the file, or writes the defaults when there is none.
     *
     * @throws IOException when the file cannot be read or does not hold a valid /nacm
     */
    void loadOrCreate() throws IOException {
        if (!Files.exists(file)) {
            NacmConfig d = NacmConfig.defaults();
            journal.commit(Map.of(FILE, bytes(d)), List.of());
            log.notice("NETCONF: created " + file + " (access control: group admin may do everything, "
                    + "group read-only may read)");
        }
        FileTime t = Files.getLastModifiedTime(file);
        running = read(file);
        seen = t;
    }

    private static NacmConfig read(Path file) throws IOException {
        try {
            Element e = Xml.parse(Files.readAllBytes(file)).getDocumentElement();
            if (!Xml.is(e, NacmConfig.NS, "nacm")) {
                throw new IOException(file + ": expected <nacm xmlns=\"" + NacmConfig.NS + "\">");
            }
            return NacmConfig.parse(e);
        } catch (Xml.XmlException e) {
            throw new IOException(file + ": not well-formed XML: " + e.getMessage());
        } catch (RpcError e) {
            throw new IOException(file + ": " + e.getMessage() + (e.toString().contains(" at ")
                    ? " (" + e + ")" : ""));
        }
    }

    /** The file's content for a configuration. */
    static byte[] bytes(NacmConfig c) {
        Document d = Xml.newDocument();
        Element n = c.toXml(d);
        d.appendChild(n);
        return (Xml.serialize(n) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The running configuration (reread first if the file changed on disk). */
    NacmConfig running() {
        refresh();
        return running;
    }

    private void refresh() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(seen)) {
                return;
            }
            synchronized (this) {
                if (t.equals(seen)) {
                    return;
                }
                seen = t;
                running = read(file);
                log.notice("NETCONF: reread " + file + " (changed on disk)");
            }
        } catch (NoSuchFileException e) {
            // deleted by hand: the configuration in force stays until the next commit or start
        } catch (IOException e) {
            log.err("NETCONF: " + e.getMessage() + "; the access control in force stays");
        }
    }

    /** The running configuration became {@code c} (its file is written): called after the commit. */
    synchronized void committed(NacmConfig c) {
        running = c;
        try {
            seen = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            seen = null;
        }
    }

    Path file() {
        return file;
    }

    /** The module a namespace belongs to (null when unknown). */
    String moduleOf(String ns) {
        return ns == null ? null : moduleByNs.get(ns);
    }

    /** The prefix error-path uses for a namespace. */
    String prefixOf(String ns) {
        String p = prefixByNs.get(ns);
        if (p != null) {
            return p;
        }
        String m = moduleOf(ns);
        return m != null ? m : "ns";
    }

    Map<String, String> pathNamespaces(String path) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, String> e : prefixByNs.entrySet()) {
            if (path.contains("/" + e.getValue() + ":")) {
                out.put(e.getValue(), e.getKey());
            }
        }
        for (Map.Entry<String, String> e : moduleByNs.entrySet()) {
            if (!prefixByNs.containsKey(e.getKey()) && path.contains("/" + e.getValue() + ":")) {
                out.put(e.getValue(), e.getKey());
            }
        }
        return out;
    }

    /** A user's access under the running configuration; {@code role} gives the external group. */
    NacmAccess access(String user, NetconfUsers.Role role) {
        Set<String> external = role == null ? Set.of() : Set.of(role == NetconfUsers.Role.READ_WRITE
                ? NacmAccess.ADMIN_GROUP : NacmAccess.READ_ONLY_GROUP);
        return new NacmAccess(running(), user, external, this::moduleOf);
    }

    /**
     * Refuses a change of a datastore (wrappers of its top-level nodes before and after) that the
     * user may not make: access-denied (error-type application) naming the first node refused.
     */
    void checkWrite(NacmAccess access, Element before, Element after) throws RpcError {
        NacmWrites.Refusal r = writes.firstRefused(access, before, after);
        if (r == null) {
            return;
        }
        deniedDataWrites.incrementAndGet();
        String path = writes.path(r.chain(), this::prefixOf);
        log.notice("NETCONF: access denied: user " + access.user() + " may not " + r.op().word() + " " + path);
        throw new RpcError(RpcError.Type.APPLICATION, "access-denied", "access denied: user " + access.user()
                + " may not " + r.op().word() + " " + path, null, path, null).withPathNamespaces(pathNamespaces(path));
    }

    /** {@code /nacm} as get reports it: the configuration and the counters. */
    Element state(Document doc) {
        Element n = running().toXml(doc);
        Xml.leaf(n, "denied-operations", deniedOperations.get());
        Xml.leaf(n, "denied-data-writes", deniedDataWrites.get());
        Xml.leaf(n, "denied-notifications", deniedNotifications.get());
        return n;
    }
}
