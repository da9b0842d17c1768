package ipmpd.agent.snmp;

import ipmpd.agent.IpmpdLog;
import org.snmp4j.PDU;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.agent.mo.MOChangeEvent;
import org.snmp4j.agent.mo.MOChangeListener;
import org.snmp4j.agent.mo.MOScalar;
import org.snmp4j.agent.mo.snmp.SNMPv2MIB;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Variable;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * SNMPv2-MIB's system group and snmpEnableAuthenTraps as net-snmp's snmpd gives them: sysName is
 * the host name, sysContact and sysLocation are empty until set; each of them (and
 * snmpEnableAuthenTraps, disabled by default) is writable by a read-write user and kept across
 * restarts ({@link SnmpStateFile}), unless agent.conf sets it: then it is that value and read-only
 * (a SET gets notWritable), as snmpd does with its syscontact, syslocation, sysname and
 * authtrapenable directives. sysORTable lists every MIB module the agent serves.
 */
final class SystemGroup {
    static final OID SYS_CONTACT = new OID("1.3.6.1.2.1.1.4.0");
    static final OID SYS_NAME = new OID("1.3.6.1.2.1.1.5.0");
    static final OID SYS_LOCATION = new OID("1.3.6.1.2.1.1.6.0");
    static final OID SNMP_ENABLE_AUTHEN_TRAPS = new OID("1.3.6.1.2.1.11.30.0");
    static final int ENABLED = 1;
    static final int DISABLED = 2;

    /** A MIB module served, as sysORTable names it (its module identity, snmpd's descriptions where snmpd has the module). */
    record Module(OID id, String description) {
    }

    static final List<Module> MODULES = List.of(
            new Module(new OID("1.3.6.1.6.3.1"), "The MIB module for SNMPv2 entities"),
            new Module(new OID("1.3.6.1.2.1.31"),
                    "The MIB module to describe generic objects for network interface sub-layers"),
            new Module(new OID("1.3.6.1.6.3.10"), "The SNMP Management Architecture MIB."),
            new Module(new OID("1.3.6.1.6.3.12"), "The MIB module for managing SNMP targets (SNMP-TARGET-MIB)"),
            new Module(new OID("1.3.6.1.6.3.13"), "The MIB modules for managing SNMP Notification, plus filtering."),
            new Module(IpmpMib.MIB, "IPMP-MIB: IP multipathing groups, interfaces, targets, data addresses and their "
                    + "notifications"));

    private SystemGroup() {
    }

    /** The host name, as gethostname(2) gives it (what snmpd's sysName is). */
    static String hostName() {
        try {
            String n = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!n.isEmpty()) {
                return n;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }

    /** Sets the values (agent.conf, else what was SET before, else the defaults) and keeps SETs from now on. */
    static void configure(SNMPv2MIB mib, org.snmp4j.agent.DefaultMOServer server, OctetString context, SnmpSettings settings,
                          SnmpStateFile state, IpmpdLog log) {
        for (Module m : MODULES) {
            mib.addSysOREntry(m.id(), new OctetString(m.description()));
        }
        text(server, context, SYS_NAME, SnmpStateFile.SYS_NAME, settings.sysName(), hostName(), state, log);
        text(server, context, SYS_CONTACT, SnmpStateFile.SYS_CONTACT, settings.sysContact(), "", state, log);
        text(server, context, SYS_LOCATION, SnmpStateFile.SYS_LOCATION, settings.sysLocation(), "", state, log);

        MOScalar<Integer32> auth = mib.getSnmpEnableAuthenTraps();
        Boolean configured = settings.authTraps();
        byte[] kept = state.get(SnmpStateFile.AUTH_TRAPS);
        int value = configured != null ? (configured ? ENABLED : DISABLED)
                : kept != null && new String(kept, StandardCharsets.US_ASCII).equals("1") ? ENABLED : DISABLED;
        auth.setValue(new Integer32(value));
        keep(auth, SnmpStateFile.AUTH_TRAPS, configured != null, state, log,
                v -> String.valueOf(((Integer32) v).getValue()).getBytes(StandardCharsets.US_ASCII));
    }

    @SuppressWarnings("unchecked")
    private static void text(org.snmp4j.agent.DefaultMOServer server, OctetString context, OID instance, String key, String configured,
                             String fallback, SnmpStateFile state, IpmpdLog log) {
        ManagedObject<?> mo = server.getManagedObject(instance, context);
        if (!(mo instanceof MOScalar<?> scalar)) {
            log.warning("SNMP: no " + instance + " to configure");
            return;
        }
        MOScalar<OctetString> s = (MOScalar<OctetString>) scalar;
        byte[] kept = state.get(key);
        OctetString value = configured != null ? new OctetString(configured)
                : kept != null ? new OctetString(kept) : new OctetString(fallback);
        s.setValue(value);
        keep(s, key, configured != null, state, log, v -> ((OctetString) v).getValue());
    }

    /** A read-only object when agent.conf set it; else every committed SET is written to the state file. */
    private static void keep(MOScalar<?> scalar, String key, boolean configured, SnmpStateFile state, IpmpdLog log,
                             java.util.function.Function<Variable, byte[]> bytes) {
        if (configured) {
            scalar.addMOValueValidationListener(e -> {
                e.setValidationStatus(PDU.notWritable);
                log.warning("SNMP SET of " + scalar.getOid() + " refused: set in agent.conf (snmp." + key + ")");
            });
            return;
        }
        scalar.addMOChangeListener(new MOChangeListener() {
            @Override
            public void beforePrepareMOChange(MOChangeEvent e) {
            }

            @Override
            public void afterPrepareMOChange(MOChangeEvent e) {
            }

            @Override
            public void beforeMOChange(MOChangeEvent e) {
            }

            @Override
            public void afterMOChange(MOChangeEvent e) {
                if (e.getNewValue() != null) {
                    state.put(key, bytes.apply(e.getNewValue()));
                    log.notice("SNMP SET of " + scalar.getOid() + " kept in the agent's state");
                }
            }
        });
    }
}
