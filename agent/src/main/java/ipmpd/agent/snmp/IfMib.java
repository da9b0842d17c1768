package ipmpd.agent.snmp;

import ipmpd.agent.snmp.LiveObjects.Access;
import ipmpd.agent.snmp.LiveObjects.Column;
import ipmpd.agent.snmp.LiveObjects.ObjectDef;
import ipmpd.agent.snmp.LiveObjects.Row;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;
import ipmpd.engine.Flags;
import org.snmp4j.agent.DuplicateRegistrationException;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.ManagedObject;
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
 * The part of IF-MIB (RFC 2863) the engine's model can fill, for the interfaces ipmpd tracks
 * (ifIndex = the interface index): ifNumber; ifTable's ifIndex, ifDescr, ifType, ifAdminStatus,
 * ifOperStatus, ifLastChange; ifXTable's ifName and ifLinkUpDownTrapEnable. The traffic counters,
 * MTU, speed and hardware address are not in the engine's model and are not served.
 */
final class IfMib {
    static final OID IF_NUMBER = new OID("1.3.6.1.2.1.2.1");
    static final OID IF_ENTRY = new OID("1.3.6.1.2.1.2.2.1");
    static final OID IFX_ENTRY = new OID("1.3.6.1.2.1.31.1.1.1");
    static final int IF_INDEX = 1;
    static final int IF_DESCR = 2;
    static final int IF_TYPE = 3;
    static final int IF_ADMIN_STATUS = 7;
    static final int IF_OPER_STATUS = 8;
    static final int IF_LAST_CHANGE = 9;
    static final int IFX_NAME = 1;
    static final int IFX_LINK_UP_DOWN_TRAP_ENABLE = 14;
    /** IANAifType ethernetCsmacd. */
    static final int ETHERNET_CSMACD = 6;
    static final int UP = 1;
    static final int DOWN = 2;
    static final int UNKNOWN = 4;
    static final int NOT_PRESENT = 6;
    static final int ENABLED = 1;

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
        d.add(new ObjectDef("ifIndex", IpmpMib.oid(IF_ENTRY, IF_INDEX), Access.READ_ONLY));
        d.add(new ObjectDef("ifDescr", IpmpMib.oid(IF_ENTRY, IF_DESCR), Access.READ_ONLY));
        d.add(new ObjectDef("ifType", IpmpMib.oid(IF_ENTRY, IF_TYPE), Access.READ_ONLY));
        d.add(new ObjectDef("ifAdminStatus", IpmpMib.oid(IF_ENTRY, IF_ADMIN_STATUS), Access.READ_ONLY));
        d.add(new ObjectDef("ifOperStatus", IpmpMib.oid(IF_ENTRY, IF_OPER_STATUS), Access.READ_ONLY));
        d.add(new ObjectDef("ifLastChange", IpmpMib.oid(IF_ENTRY, IF_LAST_CHANGE), Access.READ_ONLY));
        d.add(new ObjectDef("ifName", IpmpMib.oid(IFX_ENTRY, IFX_NAME), Access.READ_ONLY));
        d.add(new ObjectDef("ifLinkUpDownTrapEnable", IpmpMib.oid(IFX_ENTRY, IFX_LINK_UP_DOWN_TRAP_ENABLE),
                Access.READ_ONLY));
        return d;
    }

    static List<ManagedObject<?>> register(MOServer server, OctetString context, LiveObjects.Views views)
            throws DuplicateRegistrationException {
        List<ObjectDef> defs = objects();
        List<ManagedObject<?>> mos = new ArrayList<>();
        mos.add(new LiveObjects.Scalar(defs.get(0), views, v -> new Integer32(v.memo(IF_NUMBER,
                () -> tracked(v.snapshot)).size()), null));
        List<Column> ifCols = new ArrayList<>();
        List<Column> ifxCols = new ArrayList<>();
        for (ObjectDef d : defs.subList(1, defs.size())) {
            (d.oid().startsWith(IF_ENTRY) ? ifCols : ifxCols).add(new Column(d.oid().last(), d));
        }
        mos.add(new LiveObjects.Table("ifEntry", IF_ENTRY, ifCols, views, IfMib::ifRows, null));
        mos.add(new LiveObjects.Table("ifXEntry", IFX_ENTRY, ifxCols, views, IfMib::ifxRows, null));
        for (ManagedObject<?> mo : mos) {
            server.register(mo, context);
        }
        return mos;
    }

    private static NavigableMap<Integer, InterfaceInfo> trackedOf(SnmpModel.View v) {
        return v.memo(IF_NUMBER, () -> tracked(v.snapshot));
    }

    static NavigableMap<OID, Row> ifRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (InterfaceInfo i : trackedOf(v).values()) {
            long last = v.ticksOf(i.lastChangeNs());
            rows.put(IpmpMib.ifIndex(i.ifindex()), (c, stats) -> switch (c) {
                case IF_INDEX -> new Integer32(i.ifindex());
                case IF_DESCR -> IpmpMib.text(i.name());
                case IF_TYPE -> new Integer32(ETHERNET_CSMACD);
                case IF_ADMIN_STATUS -> new Integer32(adminStatus(i));
                case IF_OPER_STATUS -> new Integer32(operStatus(i));
                case IF_LAST_CHANGE -> new TimeTicks(last);
                default -> null;
            });
        }
        return rows;
    }

    static NavigableMap<OID, Row> ifxRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (InterfaceInfo i : trackedOf(v).values()) {
            rows.put(IpmpMib.ifIndex(i.ifindex()), (c, stats) -> switch (c) {
                case IFX_NAME -> IpmpMib.text(i.name());
                case IFX_LINK_UP_DOWN_TRAP_ENABLE -> new Integer32(ENABLED);
                default -> null;
            });
        }
        return rows;
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
