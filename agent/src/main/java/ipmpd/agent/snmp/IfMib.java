package ipmpd.agent.snmp;

import ipmpd.agent.snmp.LiveObjects.Access;
import ipmpd.agent.snmp.LiveObjects.Column;
import ipmpd.agent.snmp.LiveObjects.ObjectDef;
import ipmpd.agent.snmp.LiveObjects.Row;
import ipmpd.agent.platform.InterfaceStatistics;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;
import ipmpd.engine.Flags;
import org.snmp4j.agent.DuplicateRegistrationException;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * IF-MIB (RFC 2863) for every interface of the host, as snmpd shows them (ifIndex = the interface
 * index; an interface that leaves its group keeps its row): ifNumber,
 * ifTableLastChange, every column of ifTable and ifXTable. The state of the interfaces ipmpd tracks
 * comes from the engine's model (live, like IPMP-MIB), that of the others from the kernel's flags;
 * MTU, speed, hardware address, alias and the traffic counters from the platform, through
 * {@link IfCounters}. The 32-bit counters are the low half of the kernel's 64-bit ones (they wrap
 * as RFC 2863 counters do); broadcast packets are not counted apart from multicast by Linux, so the
 * broadcast columns are 0 and multicast includes them, as net-snmp's snmpd shows them.
 */
final class IfMib {
    static final OID IF_NUMBER = new OID("1.3.6.1.2.1.2.1");
    static final OID IF_TABLE_LAST_CHANGE = new OID("1.3.6.1.2.1.31.1.5");
    static final OID IF_ENTRY = new OID("1.3.6.1.2.1.2.2.1");
    static final OID IFX_ENTRY = new OID("1.3.6.1.2.1.31.1.1.1");
    static final int IF_INDEX = 1;
    static final int IF_DESCR = 2;
    static final int IF_TYPE = 3;
    static final int IF_MTU = 4;
    static final int IF_SPEED = 5;
    static final int IF_PHYS_ADDRESS = 6;
    static final int IF_ADMIN_STATUS = 7;
    static final int IF_OPER_STATUS = 8;
    static final int IF_LAST_CHANGE = 9;
    static final int IF_IN_OCTETS = 10;
    static final int IF_IN_UCAST_PKTS = 11;
    static final int IF_IN_NUCAST_PKTS = 12;
    static final int IF_IN_DISCARDS = 13;
    static final int IF_IN_ERRORS = 14;
    static final int IF_IN_UNKNOWN_PROTOS = 15;
    static final int IF_OUT_OCTETS = 16;
    static final int IF_OUT_UCAST_PKTS = 17;
    static final int IF_OUT_NUCAST_PKTS = 18;
    static final int IF_OUT_DISCARDS = 19;
    static final int IF_OUT_ERRORS = 20;
    static final int IF_OUT_QLEN = 21;
    static final int IF_SPECIFIC = 22;
    static final int IFX_NAME = 1;
    static final int IFX_IN_MULTICAST_PKTS = 2;
    static final int IFX_IN_BROADCAST_PKTS = 3;
    static final int IFX_OUT_MULTICAST_PKTS = 4;
    static final int IFX_OUT_BROADCAST_PKTS = 5;
    static final int IFX_HC_IN_OCTETS = 6;
    static final int IFX_HC_IN_UCAST_PKTS = 7;
    static final int IFX_HC_IN_MULTICAST_PKTS = 8;
    static final int IFX_HC_IN_BROADCAST_PKTS = 9;
    static final int IFX_HC_OUT_OCTETS = 10;
    static final int IFX_HC_OUT_UCAST_PKTS = 11;
    static final int IFX_HC_OUT_MULTICAST_PKTS = 12;
    static final int IFX_HC_OUT_BROADCAST_PKTS = 13;
    static final int IFX_LINK_UP_DOWN_TRAP_ENABLE = 14;
    static final int IFX_HIGH_SPEED = 15;
    static final int IFX_PROMISCUOUS_MODE = 16;
    static final int IFX_CONNECTOR_PRESENT = 17;
    static final int IFX_ALIAS = 18;
    static final int IFX_COUNTER_DISCONTINUITY_TIME = 19;
    /** IANAifType ethernetCsmacd. */
    static final int ETHERNET_CSMACD = 6;
    /** IANAifType softwareLoopback and other. */
    static final int SOFTWARE_LOOPBACK = 24;
    static final int OTHER = 1;
    static final int UP = 1;
    static final int DOWN = 2;
    static final int UNKNOWN = 4;
    static final int NOT_PRESENT = 6;
    static final int ENABLED = 1;
    static final int TRUE = 1;
    static final int FALSE = 2;
    /** ifSpeed's ceiling: a faster interface shows this and its speed in ifHighSpeed. */
    static final long MAX_GAUGE32 = 0xffffffffL;

    /** Column names in column order (index 0 unused), as IF-MIB names them. */
    private static final String[] IF_COLUMNS = {null, "ifIndex", "ifDescr", "ifType", "ifMtu", "ifSpeed",
        "ifPhysAddress", "ifAdminStatus", "ifOperStatus", "ifLastChange", "ifInOctets", "ifInUcastPkts",
        "ifInNUcastPkts", "ifInDiscards", "ifInErrors", "ifInUnknownProtos", "ifOutOctets", "ifOutUcastPkts",
        "ifOutNUcastPkts", "ifOutDiscards", "ifOutErrors", "ifOutQLen", "ifSpecific"};
    private static final String[] IFX_COLUMNS = {null, "ifName", "ifInMulticastPkts", "ifInBroadcastPkts",
        "ifOutMulticastPkts", "ifOutBroadcastPkts", "ifHCInOctets", "ifHCInUcastPkts", "ifHCInMulticastPkts",
        "ifHCInBroadcastPkts", "ifHCOutOctets", "ifHCOutUcastPkts", "ifHCOutMulticastPkts", "ifHCOutBroadcastPkts",
        "ifLinkUpDownTrapEnable", "ifHighSpeed", "ifPromiscuousMode", "ifConnectorPresent", "ifAlias",
        "ifCounterDiscontinuityTime"};

    private IfMib() {
    }

    /** The interfaces IF-MIB shows: those ipmpd tracks (members of groups, or all with TRACK...=no). */
    static NavigableMap<Integer, InterfaceInfo> tracked(EngineSnapshot s) {
        TreeMap<Integer, InterfaceInfo> out = new TreeMap<>();
        for (InterfaceInfo i : IpmpMib.interfacesByIndex(s).values()) {
            if (i.tracked()) {
                out.put(i.ifindex(), i);
            }
        }
        return out;
    }

    static int adminStatus(InterfaceInfo i) {
        for (LifInfo l : i.lifs()) {
            if ((l.flags() & Flags.UP) != 0) {
                return UP;
            }
        }
        return DOWN;
    }

    static int operStatus(InterfaceInfo i) {
        if (!i.present()) {
            return NOT_PRESENT;
        }
        if (adminStatus(i) == DOWN) {
            return DOWN;
        }
        return switch (i.link()) {
            case UP -> UP;
            case DOWN -> DOWN;
            case UNKNOWN -> UNKNOWN;
        };
    }

    static List<ObjectDef> objects() {
        List<ObjectDef> d = new ArrayList<>();
        d.add(new ObjectDef("ifNumber", IF_NUMBER, Access.READ_ONLY));
        d.add(new ObjectDef("ifTableLastChange", IF_TABLE_LAST_CHANGE, Access.READ_ONLY));
        for (int c = 1; c < IF_COLUMNS.length; c++) {
            d.add(new ObjectDef(IF_COLUMNS[c], IpmpMib.oid(IF_ENTRY, c), Access.READ_ONLY));
        }
        for (int c = 1; c < IFX_COLUMNS.length; c++) {
            d.add(new ObjectDef(IFX_COLUMNS[c], IpmpMib.oid(IFX_ENTRY, c), Access.READ_ONLY));
        }
        return d;
    }

    static List<ManagedObject<?>> register(MOServer server, OctetString context, LiveObjects.Views views,
                                           IfCounters counters) throws DuplicateRegistrationException {
        List<ObjectDef> defs = objects();
        List<ManagedObject<?>> mos = new ArrayList<>();
        mos.add(new LiveObjects.Scalar(defs.get(0), views, v -> new Integer32(rowsOf(v, counters).size()), null));
        mos.add(new LiveObjects.Scalar(defs.get(1), views, v -> new TimeTicks(v.ifTableLastChangeTicks), null));
        List<Column> ifCols = new ArrayList<>();
        List<Column> ifxCols = new ArrayList<>();
        for (ObjectDef d : defs.subList(2, defs.size())) {
            (d.oid().startsWith(IF_ENTRY) ? ifCols : ifxCols).add(new Column(d.oid().last(), d));
        }
        mos.add(new LiveObjects.Table("ifEntry", IF_ENTRY, ifCols, views, v -> ifRows(v, counters), null));
        mos.add(new LiveObjects.Table("ifXEntry", IFX_ENTRY, ifxCols, views, v -> ifxRows(v, counters), null));
        for (ManagedObject<?> mo : mos) {
            server.register(mo, context);
        }
        return mos;
    }

    /**
     * An ifTable row: an interface ipmpd tracks (its state from the engine's model, live), or any
     * other interface of the host (its state from the kernel's flags, as snmpd shows it).
     */
    record IfRow(int index, String name, InterfaceInfo engine, InterfaceStatistics kernel) {
        int type() {
            return engine != null ? ETHERNET_CSMACD : kernel.loopback() ? SOFTWARE_LOOPBACK
                    : kernel.connector() ? ETHERNET_CSMACD : OTHER;
        }

        int admin() {
            return engine != null ? adminStatus(engine) : kernel.up() ? UP : DOWN;
        }

        int oper() {
            return engine != null ? operStatus(engine) : kernel.up() && kernel.running() ? UP : DOWN;
        }
    }

    /** Every interface of the host (snmpd's ifTable): the tracked ones from the engine, the others from the kernel. */
    static NavigableMap<Integer, IfRow> rowsOf(SnmpModel.View v, IfCounters counters) {
        return v.memo(IF_NUMBER, () -> {
            TreeMap<Integer, IfRow> out = new TreeMap<>();
            for (InterfaceInfo i : tracked(v.snapshot).values()) {
                out.put(i.ifindex(), new IfRow(i.ifindex(), i.name(), i, null));
            }
            counters.current().forEach((x, st) -> {
                if (x > 0 && st.name() != null && !st.name().isEmpty()) {
                    out.putIfAbsent(x, new IfRow(x, st.name(), null, st));
                }
            });
            return out;
        });
    }

    /**
     * The rows of ifTable. The counters are looked up when a column asks for them, not when the rows
     * are built: rows live as long as the model does not change, counters do not wait for that.
     */
    static NavigableMap<OID, Row> ifRows(SnmpModel.View v, IfCounters counters) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (IfRow i : rowsOf(v, counters).values()) {
            long last = i.engine() == null ? 0 : v.ticksOf(i.engine().lastChangeNs());
            int x = i.index();
            int type = i.type();
            int admin = i.admin();
            int oper = i.oper();
            rows.put(IpmpMib.ifIndex(x), (c, stats) -> switch (c) {
                case IF_INDEX -> new Integer32(x);
                case IF_DESCR -> IpmpMib.text(i.name());
                case IF_TYPE -> new Integer32(type);
                case IF_MTU -> new Integer32(counters.of(x).mtu());
                case IF_SPEED -> new Gauge32(Math.min(MAX_GAUGE32, Math.max(0, counters.of(x).speedMbps()) * 1_000_000L));
                case IF_PHYS_ADDRESS -> new OctetString(counters.of(x).physAddress());
                case IF_ADMIN_STATUS -> new Integer32(admin);
                case IF_OPER_STATUS -> new Integer32(oper);
                case IF_LAST_CHANGE -> new TimeTicks(last);
                case IF_IN_OCTETS -> counter32(counters.of(x).inOctets());
                case IF_IN_UCAST_PKTS -> counter32(inUnicast(counters.of(x)));
                case IF_IN_NUCAST_PKTS -> counter32(counters.of(x).inMulticast());
                case IF_IN_DISCARDS -> counter32(counters.of(x).inDiscards());
                case IF_IN_ERRORS -> counter32(counters.of(x).inErrors());
                case IF_IN_UNKNOWN_PROTOS -> counter32(counters.of(x).inUnknownProtos());
                case IF_OUT_OCTETS -> counter32(counters.of(x).outOctets());
                case IF_OUT_UCAST_PKTS -> counter32(counters.of(x).outPackets());
                case IF_OUT_NUCAST_PKTS -> counter32(0);
                case IF_OUT_DISCARDS -> counter32(counters.of(x).outDiscards());
                case IF_OUT_ERRORS -> counter32(counters.of(x).outErrors());
                case IF_OUT_QLEN -> new Gauge32(0);
                case IF_SPECIFIC -> SnmpConstants.zeroDotZero;
                default -> null;
            });
        }
        return rows;
    }

    static NavigableMap<OID, Row> ifxRows(SnmpModel.View v, IfCounters counters) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (IfRow i : rowsOf(v, counters).values()) {
            int x = i.index();
            rows.put(IpmpMib.ifIndex(x), (c, stats) -> switch (c) {
                case IFX_NAME -> IpmpMib.text(i.name());
                case IFX_IN_MULTICAST_PKTS -> counter32(counters.of(x).inMulticast());
                case IFX_IN_BROADCAST_PKTS, IFX_OUT_MULTICAST_PKTS, IFX_OUT_BROADCAST_PKTS -> counter32(0);
                case IFX_HC_IN_OCTETS -> new Counter64(counters.of(x).inOctets());
                case IFX_HC_IN_UCAST_PKTS -> new Counter64(inUnicast(counters.of(x)));
                case IFX_HC_IN_MULTICAST_PKTS -> new Counter64(counters.of(x).inMulticast());
                case IFX_HC_IN_BROADCAST_PKTS, IFX_HC_OUT_MULTICAST_PKTS, IFX_HC_OUT_BROADCAST_PKTS -> new Counter64(0);
                case IFX_HC_OUT_OCTETS -> new Counter64(counters.of(x).outOctets());
                case IFX_HC_OUT_UCAST_PKTS -> new Counter64(counters.of(x).outPackets());
                case IFX_LINK_UP_DOWN_TRAP_ENABLE -> new Integer32(ENABLED);
                case IFX_HIGH_SPEED -> new Gauge32(Math.max(0, counters.of(x).speedMbps()));
                case IFX_PROMISCUOUS_MODE -> new Integer32(counters.of(x).promiscuous() ? TRUE : FALSE);
                case IFX_CONNECTOR_PRESENT -> new Integer32(counters.of(x).connector() ? TRUE : FALSE);
                case IFX_ALIAS -> IpmpMib.text(counters.of(x).alias());
                case IFX_COUNTER_DISCONTINUITY_TIME -> new TimeTicks(0);
                default -> null;
            });
        }
        return rows;
    }

    private static Counter32 counter32(long kernelCounter) {
        return new Counter32(kernelCounter & MAX_GAUGE32);
    }

    /** Linux counts every packet received and the multicast (with broadcast) ones among them. */
    private static long inUnicast(InterfaceStatistics s) {
        return Math.max(0, s.inPackets() - s.inMulticast());
    }

    /** The varbinds of RFC 2863 linkUp / linkDown: ifIndex, ifAdminStatus, ifOperStatus. */
    static VariableBinding[] linkTrapVarbinds(InterfaceInfo i) {
        int x = i.ifindex();
        return new VariableBinding[] {
            new VariableBinding(IpmpMib.oid(IF_ENTRY, IF_INDEX, x), new Integer32(x)),
            new VariableBinding(IpmpMib.oid(IF_ENTRY, IF_ADMIN_STATUS, x), new Integer32(adminStatus(i))),
            new VariableBinding(IpmpMib.oid(IF_ENTRY, IF_OPER_STATUS, x), new Integer32(operStatus(i)))
        };
    }
}
