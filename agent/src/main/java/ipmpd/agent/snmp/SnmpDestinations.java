package ipmpd.agent.snmp;

import ipmpd.agent.AtomicFiles;
import ipmpd.agent.IpmpdLog;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.agent.mo.DefaultMOTable;
import org.snmp4j.agent.mo.MOChangeEvent;
import org.snmp4j.agent.mo.MOChangeListener;
import org.snmp4j.agent.mo.MOTableRow;
import org.snmp4j.agent.mo.snmp.RowStatus;
import org.snmp4j.agent.mo.snmp.SnmpNotificationMIB;
import org.snmp4j.agent.mo.snmp.SnmpTargetMIB;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Variable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Notification destinations added through SNMP (rows of snmpTargetAddrTable,
 * snmpTargetParamsTable and snmpNotifyTable with storage type nonVolatile or permanent) kept in
 * the configuration directory ({@code snmp-destinations}, root-only), so that they survive a
 * restart. The file is rewritten atomically whenever such a row is added, changed or removed,
 * before the SET's response leaves: a kill -9 after the response keeps the row. Rows of agent.conf
 * (readOnly) and volatile rows are not written. Only active rows are kept.
 * <p>
 * Format, one row per line, octet strings in hexadecimal ("-" when empty):
 * <pre>
 * params NAME MP-MODEL SECURITY-MODEL SECURITY-NAME SECURITY-LEVEL STORAGE
 * addr NAME TDOMAIN TADDRESS TIMEOUT RETRIES TAG-LIST PARAMS STORAGE
 * notify NAME TAG TYPE STORAGE
 * </pre>
 */
final class SnmpDestinations implements MOChangeListener {
    static final String FILE = "snmp-destinations";
    static final OID TARGET_ADDR_ENTRY = new OID("1.3.6.1.6.3.12.1.2.1");
    static final OID TARGET_PARAMS_ENTRY = new OID("1.3.6.1.6.3.12.1.3.1");
    static final OID NOTIFY_ENTRY = new OID("1.3.6.1.6.3.13.1.1.1");

    private final Path file;
    private final IpmpdLog log;
    private final DefaultMOTable<?, ?, ?> addrs;
    private final DefaultMOTable<?, ?, ?> params;
    private final DefaultMOTable<?, ?, ?> notifies;
    private List<String> written = List.of();

    private SnmpDestinations(Path file, IpmpdLog log, DefaultMOTable<?, ?, ?> addrs, DefaultMOTable<?, ?, ?> params,
                             DefaultMOTable<?, ?, ?> notifies) {
        this.file = file;
        this.log = log;
        this.addrs = addrs;
        this.params = params;
        this.notifies = notifies;
    }

    /**
     * Adds the rows of the file to the tables (registered in {@code server}), then watches the
     * tables and rewrites the file on every change of a row it keeps.
     */
    static SnmpDestinations restoreAndWatch(Path dir, IpmpdLog log, DefaultMOServer server, OctetString context,
                                            SnmpTargetMIB targets, SnmpNotificationMIB notifications) throws IOException {
        SnmpDestinations d = new SnmpDestinations(dir.resolve(FILE), log, table(server, context, TARGET_ADDR_ENTRY),
                table(server, context, TARGET_PARAMS_ENTRY), table(server, context, NOTIFY_ENTRY));
        d.restore(targets, notifications);
        d.written = d.lines();
        d.addrs.addMOChangeListener(d);
        d.params.addMOChangeListener(d);
        d.notifies.addMOChangeListener(d);
        return d;
    }

    private static DefaultMOTable<?, ?, ?> table(DefaultMOServer server, OctetString context, OID entry) {
        ManagedObject<?> mo = server.getManagedObject(entry, context);
        if (mo instanceof DefaultMOTable<?, ?, ?> t) {
            return t;
        }
        throw new IllegalStateException("no table " + entry + " registered");
    }

    private void restore(SnmpTargetMIB targets, SnmpNotificationMIB notifications) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return;
        }
        int n = 0;
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            try {
                switch (f[0]) {
                    case "params" -> targets.addTargetParams(octets(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                            octets(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6]));
                    case "addr" -> targets.addTargetAddress(octets(f[1]), new OID(f[2]), octets(f[3]), Integer.parseInt(f[4]),
                            Integer.parseInt(f[5]), octets(f[6]), octets(f[7]), Integer.parseInt(f[8]));
                    case "notify" -> notifications.addNotifyEntry(octets(f[1]), octets(f[2]), Integer.parseInt(f[3]),
                            Integer.parseInt(f[4]));
                    default -> throw new IllegalArgumentException("unknown kind " + f[0]);
                }
                n++;
            } catch (RuntimeException e) {
                log.err("SNMP: " + file + ": ignoring line \"" + l + "\": " + e.getMessage());
            }
        }
        if (n > 0) {
            log.info("SNMP: " + n + " notification destination row(s) restored from " + file);
        }
    }

    @Override
    public void beforePrepareMOChange(MOChangeEvent changeEvent) {
    }

    @Override
    public void afterPrepareMOChange(MOChangeEvent changeEvent) {
    }

    @Override
    public void beforeMOChange(MOChangeEvent changeEvent) {
    }

    /** A row was added, changed or removed (the table holds the new state): write the file if what it keeps changed. */
    @Override
    public void afterMOChange(MOChangeEvent changeEvent) {
        if (changeEvent.getModification() == null) {
            return; // a single cell; the row's "updated" follows when its change set is complete
        }
        save();
    }

    synchronized void save() {
        List<String> now = lines();
        if (now.equals(written)) {
            return;
        }
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            AtomicFiles.write(file, now);
            written = now;
        } catch (IOException e) {
            log.err("SNMP: cannot write " + file + ": " + e.getMessage());
        }
    }

    private List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("# ipmpd: notification destinations added through SNMP-TARGET-MIB / SNMP-NOTIFICATION-MIB "
                + "(written by the daemon; agent.conf's are not here)");
        for (MOTableRow r : rows(params)) {
            if (kept(r, 4, 5)) {
                out.add(String.join(" ", "params", name(r), num(r, 0), num(r, 1), hex(r, 2), num(r, 3), num(r, 4)));
            }
        }
        for (MOTableRow r : rows(addrs)) {
            if (kept(r, 6, 7)) {
                out.add(String.join(" ", "addr", name(r), r.getValue(0).toString(), hex(r, 1), num(r, 2), num(r, 3),
                        hex(r, 4), hex(r, 5), num(r, 6)));
            }
        }
        for (MOTableRow r : rows(notifies)) {
            if (kept(r, 2, 3)) {
                out.add(String.join(" ", "notify", name(r), hex(r, 0), num(r, 1), num(r, 2)));
            }
        }
        return out;
    }

    private static List<MOTableRow> rows(DefaultMOTable<?, ?, ?> t) {
        List<MOTableRow> out = new ArrayList<>();
        synchronized (t.getModel()) {
            for (Iterator<? extends MOTableRow> it = t.getModel().iterator(); it.hasNext(); ) {
                out.add(it.next());
            }
        }
        return out;
    }

    private static boolean kept(MOTableRow r, int storageColumn, int statusColumn) {
        Variable st = r.getValue(storageColumn);
        Variable rs = r.getValue(statusColumn);
        if (!(st instanceof Integer32 s) || !(rs instanceof Integer32 status) || status.getValue() != RowStatus.active) {
            return false;
        }
        return s.getValue() == StorageType.nonVolatile || s.getValue() == StorageType.permanent;
    }

    private static String name(MOTableRow r) {
        return HexFormat.of().formatHex(r.getIndex().toByteArray()).transform(h -> h.isEmpty() ? "-" : h);
    }

    private static String num(MOTableRow r, int column) {
        return String.valueOf(((Integer32) r.getValue(column)).getValue());
    }

    private static String hex(MOTableRow r, int column) {
        Variable v = r.getValue(column);
        byte[] b = v instanceof OctetString o ? o.getValue() : new byte[0];
        return b.length == 0 ? "-" : HexFormat.of().formatHex(b);
    }

    private static OctetString octets(String hex) {
        return new OctetString(hex.equals("-") ? new byte[0] : HexFormat.of().parseHex(hex));
    }
}
