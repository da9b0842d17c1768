package ipmpd.agent.snmp;

import ipmpd.agent.snmp.LiveObjects.Access;
import ipmpd.agent.snmp.LiveObjects.Column;
import ipmpd.agent.snmp.LiveObjects.ObjectDef;
import ipmpd.agent.snmp.LiveObjects.Row;
import ipmpd.engine.Addresses;
import ipmpd.engine.EngineListener;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.EngineSnapshot.LifInfo;
import ipmpd.engine.EngineSnapshot.TargetInfo;
import ipmpd.engine.EngineSnapshot.TargetSet;
import ipmpd.engine.Family;
import ipmpd.engine.Flags;
import ipmpd.engine.Vocabulary;
import org.snmp4j.agent.DuplicateRegistrationException;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * IPMP-MIB (mib/IPMP-MIB.txt): the object identifiers, the managed objects that render the
 * engine's snapshot, and the notification definitions. Enumeration values come from
 * {@link Vocabulary}; the few enumerations it has no list for (the notification-only objects) are
 * the constants below, which the conformance test checks against the MIB file.
 */
final class IpmpMib {
    static final OID MIB = new OID("1.3.6.1.4.1.99999.1");
    static final OID NOTIFICATIONS = oid(MIB, 0);
    static final OID OBJECTS = oid(MIB, 1);
    static final OID GLOBALS = oid(OBJECTS, 1);
    static final OID GROUP_ENTRY = oid(OBJECTS, 2, 1);
    static final OID GROUP_NAME_ENTRY = oid(OBJECTS, 3, 1);
    static final OID IF_ENTRY = oid(OBJECTS, 4, 1);
    static final OID TARGET_ENTRY = oid(OBJECTS, 5, 1);
    static final OID CONF_TARGET_ENTRY = oid(OBJECTS, 6, 1);
    static final OID ADDR_ENTRY = oid(OBJECTS, 7, 1);
    static final OID NOTIFY_OBJECTS = oid(OBJECTS, 8);
    static final OID IF_ADDR_ENTRY = oid(OBJECTS, 9, 1);
    static final OID ADDR_OUTBOUND_ENTRY = oid(OBJECTS, 10, 1);
    static final OID GROUP_ADDR_ENTRY = oid(OBJECTS, 11, 1);

    // ipmpGroupAddrEntry
    static final int GA_PREFIX = 3;
    static final int GA_STORAGE = 4;
    static final int GA_ROW_STATUS = 5;

    // ipmpAddrEntry
    static final int A_INBOUND_IFINDEX = 9;
    static final int A_INBOUND_IFNAME = 10;

    // globals
    static final int FDT = 1;
    static final int FAILBACK = 2;
    static final int TRACK = 3;
    static final int NOTIFICATIONS_ENABLED = 4;
    static final int LAST_CHANGE = 5;
    static final int GROUP_INDEX_NEXT = 6;
    static final int QUIET_PERIOD = 7;

    // ipmpIfAddrEntry
    static final int IA_PREFIX = 3;
    static final int IA_USE = 4;
    static final int IA_STORAGE = 5;
    static final int IA_ROW_STATUS = 6;
    /** ipmpIfAddrUse values. */
    static final int USE_DATA = 1;
    static final int USE_TEST = 2;
    static final int NOTIFICATION_TYPES = 10;
    /** ipmpNotificationTypes: bit n for the notification { ipmpNotifications n+1 }, all set by default. */
    static final int NOTIFICATION_TYPE_COUNT = 10;
    static final long ALL_NOTIFICATION_TYPES = (1L << NOTIFICATION_TYPE_COUNT) - 1;

    // ipmpGroupEntry
    static final int G_NAME = 2;
    static final int G_STATE = 3;
    static final int G_FDT = 4;
    static final int G_MEMBERS = 5;
    static final int G_ACTIVE = 6;
    static final int G_LAST_CHANGE = 7;
    static final int G_STORAGE = 8;
    static final int G_ROW_STATUS = 9;
    static final int G_FAILOVERS = 10;
    static final int G_LAST_FAILOVER = 11;
    static final int G_LAST_FAILOVER_REASON = 12;
    static final int G_IPMP_INTERFACE = 13;

    // ipmpIfEntry
    static final int IF_NAME = 2;
    static final int IF_GROUP_NAME = 3;
    static final int IF_GROUP_INDEX = 4;
    static final int IF_FLAGS = 5;
    static final int IF_ACTIVE = 6;
    static final int IF_LINK = 7;
    static final int IF_PROBE = 8;
    static final int IF_STATE = 9;
    static final int IF_STANDBY = 10;
    static final int IF_OFFLINE = 11;
    static final int IF_STATUS_FLAGS = 12;
    static final int IF_TEST4_TYPE = 13;
    static final int IF_TEST4 = 14;
    static final int IF_MODE4 = 15;
    static final int IF_TEST6_TYPE = 16;
    static final int IF_TEST6 = 17;
    static final int IF_MODE6 = 18;
    static final int IF_SENT = 19;
    static final int IF_ACKED = 20;
    static final int IF_LOST = 21;
    static final int IF_RTT_AVG = 22;
    static final int IF_RTT_DEV = 23;
    static final int IF_DISCONTINUITY = 24;
    static final int IF_LAST_CHANGE = 25;
    static final int IF_FAILURES = 26;
    static final int IF_LAST_FAILURE = 27;
    static final int IF_LAST_FAILURE_CAUSE = 28;

    // ipmpConfTargetEntry
    static final int CT_STORAGE = 3;
    static final int CT_ROW_STATUS = 4;

    // ipmpNotifyObjects (scalars, instance .0)
    static final int N_DETECTION = 1;
    static final int N_GROUP_EVENT = 2;
    static final int N_PREV_GROUP_STATE = 3;
    static final int N_IF_NAME = 4;
    static final int N_MOVE_REASON = 5;
    static final int N_ADDRESS_TYPE = 6;
    static final int N_ADDRESS = 7;
    static final int N_FROM_IFINDEX = 8;
    static final int N_FROM_IFNAME = 9;
    static final int N_TO_IFINDEX = 10;
    static final int N_TO_IFNAME = 11;
    static final int N_PREV_FDT = 12;
    static final int N_FDT_REASON = 13;
    static final int N_GROUP_NAME = 14;
    static final int N_CONFIG_CHANGE = 15;
    static final int N_PROBING_CHANGE = 16;
    static final int N_TARGET_CHANGE = 17;

    // notifications
    static final OID LINK_DOWN = oid(NOTIFICATIONS, 1);
    static final OID LINK_UP = oid(NOTIFICATIONS, 2);
    static final OID INTERFACE_FAILED = oid(NOTIFICATIONS, 3);
    static final OID INTERFACE_REPAIRED = oid(NOTIFICATIONS, 4);
    static final OID GROUP_STATE_CHANGE = oid(NOTIFICATIONS, 5);
    static final OID ADDRESS_MOVED = oid(NOTIFICATIONS, 6);
    static final OID FDT_CHANGED = oid(NOTIFICATIONS, 7);
    static final OID CONFIG_CHANGE = oid(NOTIFICATIONS, 8);
    static final OID PROBING_CHANGE = oid(NOTIFICATIONS, 9);
    static final OID TARGET_CHANGE = oid(NOTIFICATIONS, 10);

    /** ipmpNotifyDetection: link(1) probeIPv4(2) probeIPv6(3) administrative(4). */
    static final Map<String, Integer> DETECTION = Vocabulary.mibEnumeration(Vocabulary.DETECTION);
    /** ipmpNotifyGroupEvent: allUnusable(1) atLeastOneUsable(2) degraded(3) allUsable(4). */
    static final Map<String, Integer> GROUP_EVENT = Vocabulary.mibEnumeration(Vocabulary.GROUP_EVENT);
    /** IpmpFailureCause: none(0), then the values of ipmpNotifyDetection. */
    static final int CAUSE_NONE = 0;

    /** ipmpNotifyFdtReason: cannotMeet(1) improved(2) configured(3). */
    static final Map<String, Integer> FDT_REASON = Vocabulary.mibEnumeration(Vocabulary.FDT_REASON);

    /** SNMPv2-TC and INET-ADDRESS-MIB values used here. */
    static final int TRUE = 1;
    static final int FALSE = 2;
    static final int ADDR_UNKNOWN = 0;
    static final int ADDR_IPV4 = 1;
    static final int ADDR_IPV6 = 2;
    static final int ADDR_IPV6Z = 4;
    static final int ROW_ACTIVE = 1;
    static final int ROW_NOT_IN_SERVICE = 2;
    static final int ROW_NOT_READY = 3;
    static final int ROW_CREATE_AND_GO = 4;
    static final int ROW_CREATE_AND_WAIT = 5;
    static final int ROW_DESTROY = 6;
    static final int STORAGE_NON_VOLATILE = 3;

    /** A notification: its OID and the objects it carries, in the MIB's order. */
    record NotificationDef(String name, OID oid, List<String> objects) {
    }

    static final List<NotificationDef> NOTIFICATION_DEFS = List.of(
            new NotificationDef("ipmpLinkDown", LINK_DOWN,
                    List.of("ipmpIfName", "ipmpIfGroupName", "ipmpIfLinkState", "ipmpIfState", "ipmpIfFlags")),
            new NotificationDef("ipmpLinkUp", LINK_UP,
                    List.of("ipmpIfName", "ipmpIfGroupName", "ipmpIfLinkState", "ipmpIfState", "ipmpIfFlags")),
            new NotificationDef("ipmpInterfaceFailed", INTERFACE_FAILED,
                    List.of("ipmpIfName", "ipmpIfGroupName", "ipmpIfState", "ipmpIfFlags", "ipmpNotifyDetection")),
            new NotificationDef("ipmpInterfaceRepaired", INTERFACE_REPAIRED,
                    List.of("ipmpIfName", "ipmpIfGroupName", "ipmpIfState", "ipmpIfFlags", "ipmpNotifyDetection")),
            new NotificationDef("ipmpGroupStateChange", GROUP_STATE_CHANGE,
                    List.of("ipmpGroupName", "ipmpGroupState", "ipmpNotifyPrevGroupState", "ipmpNotifyGroupEvent",
                            "ipmpGroupMemberCount", "ipmpGroupActiveCount", "ipmpNotifyIfName")),
            new NotificationDef("ipmpAddressMoved", ADDRESS_MOVED,
                    List.of("ipmpNotifyAddressType", "ipmpNotifyAddress", "ipmpGroupName", "ipmpNotifyMoveReason",
                            "ipmpNotifyFromIfIndex", "ipmpNotifyFromIfName", "ipmpNotifyToIfIndex",
                            "ipmpNotifyToIfName")),
            new NotificationDef("ipmpFdtChanged", FDT_CHANGED,
                    List.of("ipmpGroupName", "ipmpGroupFdt", "ipmpNotifyPrevFdt", "ipmpFailureDetectionTime",
                            "ipmpNotifyFdtReason", "ipmpNotifyIfName")),
            new NotificationDef("ipmpInterfaceConfigChange", CONFIG_CHANGE,
                    List.of("ipmpIfName", "ipmpNotifyGroupName", "ipmpNotifyConfigChange", "ipmpIfStandby",
                            "ipmpIfOffline", "ipmpIfState")),
            new NotificationDef("ipmpProbingChange", PROBING_CHANGE,
                    List.of("ipmpIfName", "ipmpIfGroupName", "ipmpIfProbeState", "ipmpNotifyProbingChange",
                            "ipmpNotifyAddressType", "ipmpNotifyAddress")),
            new NotificationDef("ipmpTargetChange", TARGET_CHANGE,
                    List.of("ipmpIfName", "ipmpIfGroupName", "ipmpNotifyTargetChange", "ipmpNotifyAddressType",
                            "ipmpNotifyAddress")));

    /** Tables: name, entry name, entry OID, INDEX objects (not-accessible unless listed elsewhere). */
    record TableDef(String name, String entryName, OID entry, List<String> index) {
    }

    static final List<TableDef> TABLE_DEFS = List.of(
            new TableDef("ipmpGroupTable", "ipmpGroupEntry", GROUP_ENTRY, List.of("ipmpGroupIndex")),
            new TableDef("ipmpGroupNameTable", "ipmpGroupNameEntry", GROUP_NAME_ENTRY, List.of("ipmpGroupNameKey")),
            new TableDef("ipmpIfTable", "ipmpIfEntry", IF_ENTRY, List.of("ipmpIfIndex")),
            new TableDef("ipmpTargetTable", "ipmpTargetEntry", TARGET_ENTRY,
                    List.of("ipmpIfIndex", "ipmpTargetAddressType", "ipmpTargetAddress")),
            new TableDef("ipmpConfTargetTable", "ipmpConfTargetEntry", CONF_TARGET_ENTRY,
                    List.of("ipmpGroupIndex", "ipmpConfTargetAddressType", "ipmpConfTargetAddress")),
            new TableDef("ipmpAddrTable", "ipmpAddrEntry", ADDR_ENTRY, List.of("ipmpAddrAddressType", "ipmpAddrAddress")),
            new TableDef("ipmpIfAddrTable", "ipmpIfAddrEntry", IF_ADDR_ENTRY,
                    List.of("ipmpIfIndex", "ipmpIfAddrAddressType", "ipmpIfAddrAddress")),
            new TableDef("ipmpAddrOutboundTable", "ipmpAddrOutboundEntry", ADDR_OUTBOUND_ENTRY,
                    List.of("ipmpAddrAddressType", "ipmpAddrAddress", "ipmpAddrOutboundIfIndex")),
            new TableDef("ipmpGroupAddrTable", "ipmpGroupAddrEntry", GROUP_ADDR_ENTRY,
                    List.of("ipmpGroupIndex", "ipmpGroupAddrAddressType", "ipmpGroupAddrAddress")));

    /** Every OBJECT-TYPE of the MIB that is neither a table nor an entry, as implemented. */
    static final List<ObjectDef> OBJECTS_DEFS;

    static {
        List<ObjectDef> d = new ArrayList<>();
        d.add(def("ipmpFailureDetectionTime", GLOBALS, FDT, Access.READ_WRITE));
        d.add(def("ipmpFailback", GLOBALS, FAILBACK, Access.READ_WRITE));
        d.add(def("ipmpTrackInterfacesOnlyWithGroups", GLOBALS, TRACK, Access.READ_WRITE));
        d.add(def("ipmpNotificationsEnabled", GLOBALS, NOTIFICATIONS_ENABLED, Access.READ_WRITE));
        d.add(def("ipmpLastChange", GLOBALS, LAST_CHANGE, Access.READ_ONLY));
        d.add(def("ipmpGroupIndexNext", GLOBALS, GROUP_INDEX_NEXT, Access.READ_ONLY));
        d.add(def("ipmpProbeQuietPeriod", GLOBALS, QUIET_PERIOD, Access.READ_WRITE));
        d.add(def("ipmpNotificationTypes", GLOBALS, NOTIFICATION_TYPES, Access.READ_WRITE));

        d.add(def("ipmpGroupIndex", GROUP_ENTRY, 1, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpGroupName", GROUP_ENTRY, G_NAME, Access.READ_CREATE));
        d.add(def("ipmpGroupState", GROUP_ENTRY, G_STATE, Access.READ_ONLY));
        d.add(def("ipmpGroupFdt", GROUP_ENTRY, G_FDT, Access.READ_ONLY));
        d.add(def("ipmpGroupMemberCount", GROUP_ENTRY, G_MEMBERS, Access.READ_ONLY));
        d.add(def("ipmpGroupActiveCount", GROUP_ENTRY, G_ACTIVE, Access.READ_ONLY));
        d.add(def("ipmpGroupLastChange", GROUP_ENTRY, G_LAST_CHANGE, Access.READ_ONLY));
        d.add(def("ipmpGroupStorageType", GROUP_ENTRY, G_STORAGE, Access.READ_CREATE));
        d.add(def("ipmpGroupRowStatus", GROUP_ENTRY, G_ROW_STATUS, Access.READ_CREATE));
        d.add(def("ipmpGroupFailoverCount", GROUP_ENTRY, G_FAILOVERS, Access.READ_ONLY));
        d.add(def("ipmpGroupLastFailoverTime", GROUP_ENTRY, G_LAST_FAILOVER, Access.READ_ONLY));
        d.add(def("ipmpGroupLastFailoverReason", GROUP_ENTRY, G_LAST_FAILOVER_REASON, Access.READ_ONLY));
        d.add(def("ipmpGroupIpmpInterface", GROUP_ENTRY, G_IPMP_INTERFACE, Access.READ_CREATE));

        d.add(def("ipmpGroupNameKey", GROUP_NAME_ENTRY, 1, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpGroupNameIndex", GROUP_NAME_ENTRY, 2, Access.READ_ONLY));

        String[] ifCols = {null, "ipmpIfIndex", "ipmpIfName", "ipmpIfGroupName", "ipmpIfGroupIndex", "ipmpIfFlags",
            "ipmpIfActive", "ipmpIfLinkState", "ipmpIfProbeState", "ipmpIfState", "ipmpIfStandby", "ipmpIfOffline",
            "ipmpIfStatusFlags", "ipmpIfTestAddrIPv4Type", "ipmpIfTestAddrIPv4", "ipmpIfProbeModeIPv4",
            "ipmpIfTestAddrIPv6Type", "ipmpIfTestAddrIPv6", "ipmpIfProbeModeIPv6", "ipmpIfProbesSent",
            "ipmpIfProbesAcked", "ipmpIfProbesLost", "ipmpIfRttAverage", "ipmpIfRttDeviation",
            "ipmpIfCounterDiscontinuityTime", "ipmpIfLastChange", "ipmpIfFailureCount", "ipmpIfLastFailureTime",
            "ipmpIfLastFailureCause"};
        for (int c = 1; c < ifCols.length; c++) {
            Access a = c == 1 ? Access.NOT_ACCESSIBLE
                    : (c == IF_GROUP_NAME || c == IF_STANDBY || c == IF_OFFLINE) ? Access.READ_WRITE : Access.READ_ONLY;
            d.add(def(ifCols[c], IF_ENTRY, c, a));
        }

        String[] tCols = {null, "ipmpTargetAddressType", "ipmpTargetAddress", "ipmpTargetMode", "ipmpTargetStatus",
            "ipmpTargetOrder", "ipmpTargetRttAverage", "ipmpTargetRttDeviation"};
        for (int c = 1; c < tCols.length; c++) {
            d.add(def(tCols[c], TARGET_ENTRY, c, c <= 2 ? Access.NOT_ACCESSIBLE : Access.READ_ONLY));
        }

        d.add(def("ipmpConfTargetAddressType", CONF_TARGET_ENTRY, 1, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpConfTargetAddress", CONF_TARGET_ENTRY, 2, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpConfTargetStorageType", CONF_TARGET_ENTRY, CT_STORAGE, Access.READ_CREATE));
        d.add(def("ipmpConfTargetRowStatus", CONF_TARGET_ENTRY, CT_ROW_STATUS, Access.READ_CREATE));

        String[] aCols = {null, "ipmpAddrAddressType", "ipmpAddrAddress", "ipmpAddrPrefixLength", "ipmpAddrGroupIndex",
            "ipmpAddrCurrentIfIndex", "ipmpAddrHomeIfIndex", "ipmpAddrState", "ipmpAddrLastChange",
            "ipmpAddrInboundIfIndex", "ipmpAddrInboundIfName"};
        for (int c = 1; c < aCols.length; c++) {
            d.add(def(aCols[c], ADDR_ENTRY, c, c <= 2 ? Access.NOT_ACCESSIBLE : Access.READ_ONLY));
        }

        d.add(def("ipmpIfAddrAddressType", IF_ADDR_ENTRY, 1, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpIfAddrAddress", IF_ADDR_ENTRY, 2, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpIfAddrPrefixLength", IF_ADDR_ENTRY, IA_PREFIX, Access.READ_CREATE));
        d.add(def("ipmpIfAddrUse", IF_ADDR_ENTRY, IA_USE, Access.READ_CREATE));
        d.add(def("ipmpIfAddrStorageType", IF_ADDR_ENTRY, IA_STORAGE, Access.READ_CREATE));
        d.add(def("ipmpIfAddrRowStatus", IF_ADDR_ENTRY, IA_ROW_STATUS, Access.READ_CREATE));

        d.add(def("ipmpAddrOutboundIfIndex", ADDR_OUTBOUND_ENTRY, 1, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpAddrOutboundIfName", ADDR_OUTBOUND_ENTRY, 2, Access.READ_ONLY));

        d.add(def("ipmpGroupAddrAddressType", GROUP_ADDR_ENTRY, 1, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpGroupAddrAddress", GROUP_ADDR_ENTRY, 2, Access.NOT_ACCESSIBLE));
        d.add(def("ipmpGroupAddrPrefixLength", GROUP_ADDR_ENTRY, GA_PREFIX, Access.READ_CREATE));
        d.add(def("ipmpGroupAddrStorageType", GROUP_ADDR_ENTRY, GA_STORAGE, Access.READ_CREATE));
        d.add(def("ipmpGroupAddrRowStatus", GROUP_ADDR_ENTRY, GA_ROW_STATUS, Access.READ_CREATE));

        String[] nObjs = {null, "ipmpNotifyDetection", "ipmpNotifyGroupEvent", "ipmpNotifyPrevGroupState",
            "ipmpNotifyIfName", "ipmpNotifyMoveReason", "ipmpNotifyAddressType", "ipmpNotifyAddress",
            "ipmpNotifyFromIfIndex", "ipmpNotifyFromIfName", "ipmpNotifyToIfIndex", "ipmpNotifyToIfName",
            "ipmpNotifyPrevFdt", "ipmpNotifyFdtReason", "ipmpNotifyGroupName", "ipmpNotifyConfigChange",
            "ipmpNotifyProbingChange", "ipmpNotifyTargetChange"};
        for (int c = 1; c < nObjs.length; c++) {
            d.add(def(nObjs[c], NOTIFY_OBJECTS, c, Access.ACCESSIBLE_FOR_NOTIFY));
        }
        OBJECTS_DEFS = List.copyOf(d);
    }

    private IpmpMib() {
    }

    static OID oid(OID base, int... sub) {
        OID o = new OID(base);
        for (int s : sub) {
            o.append(s);
        }
        return o;
    }

    private static ObjectDef def(String name, OID parent, int sub, Access access) {
        return new ObjectDef(name, oid(parent, sub), access);
    }

    static ObjectDef object(String name) {
        for (ObjectDef d : OBJECTS_DEFS) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** The instance of a notification-only object (scalar instance .0). */
    static OID notifyInstance(int object) {
        return oid(NOTIFY_OBJECTS, object, 0);
    }

    // ------------------------------------------------------------------ value helpers

    static OctetString text(String s) {
        return new OctetString(s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
    }

    static Integer32 truth(boolean b) {
        return new Integer32(b ? TRUE : FALSE);
    }

    static UnsignedInteger32 u32(long v) {
        return new UnsignedInteger32(Math.max(0, Math.min(0xFFFFFFFFL, v)));
    }

    /** ipmpNotificationTypes as BITS: bit n (n from the first octet's high bit) set when type n is enabled. */
    static OctetString typeBits(long types) {
        byte[] b = new byte[(NOTIFICATION_TYPE_COUNT + 7) / 8];
        for (int n = 0; n < NOTIFICATION_TYPE_COUNT; n++) {
            if ((types & (1L << n)) != 0) {
                b[n / 8] |= (byte) (0x80 >>> (n % 8));
            }
        }
        return new OctetString(b);
    }

    /** The types of a BITS value; null when it sets a bit this module does not define. */
    static Long typesOf(byte[] bits) {
        long types = 0;
        for (int n = 0; n < bits.length * 8; n++) {
            if ((bits[n / 8] & (0x80 >>> (n % 8))) != 0) {
                if (n >= NOTIFICATION_TYPE_COUNT) {
                    return null;
                }
                types |= 1L << n;
            }
        }
        return types;
    }

    /** IpmpFailureCause of a detection (none(0) for null: nothing happened yet). */
    static Integer32 cause(EngineListener.Detection d) {
        return new Integer32(d == null ? CAUSE_NONE : Vocabulary.of(d).mib());
    }

    /** IpmpInterfaceFlags: BITS bit n = flag 2^n, five octets (bits 0..39). */
    static OctetString flagBits(long flags) {
        byte[] b = new byte[5];
        for (int n = 0; n < 40; n++) {
            if ((flags & (1L << n)) != 0) {
                b[n / 8] |= (byte) (0x80 >>> (n % 8));
            }
        }
        return new OctetString(b);
    }

    /** ipmpIfStatusFlags from the ipmpstat -i FLAGS column ("is mbMdh"), one octet. */
    static OctetString statusBits(String column) {
        String letters = "ismbMdh";
        int v = 0;
        for (int n = 0; n < letters.length() && n < column.length(); n++) {
            if (column.charAt(n) == letters.charAt(n)) {
                v |= 0x80 >>> n;
            }
        }
        return new OctetString(new byte[] {(byte) v});
    }

    /** InetAddressType of an address; link-local IPv6 addresses are ipv6z. */
    static int addrType(InetAddress a) {
        if (a instanceof Inet4Address) {
            return ADDR_IPV4;
        }
        return Addresses.isLinkLocal(a) ? ADDR_IPV6Z : ADDR_IPV6;
    }

    /** InetAddress bytes; ipv6z carries the zone index (network order) after the 16 octets. */
    static byte[] addrBytes(InetAddress a, int zone) {
        byte[] raw = a.getAddress();
        if (addrType(a) != ADDR_IPV6Z) {
            return raw;
        }
        byte[] out = new byte[20];
        System.arraycopy(raw, 0, out, 0, 16);
        out[16] = (byte) (zone >>> 24);
        out[17] = (byte) (zone >>> 16);
        out[18] = (byte) (zone >>> 8);
        out[19] = (byte) zone;
        return out;
    }

    /** A variable-length index part: length, then the octets. */
    static OID octetsIndex(byte[] b) {
        OID o = new OID();
        o.append(b.length);
        for (byte x : b) {
            o.append(x & 0xff);
        }
        return o;
    }

    static int fdtMsOf(EngineSnapshot s) {
        return (int) Math.min(Integer.MAX_VALUE, s.config().failureDetectionTimeMs());
    }

    static OID ifIndex(int ifindex) {
        return new OID(new int[] {ifindex});
    }

    /** Interfaces with an ifIndex, in ifIndex order (duplicates dropped). */
    static NavigableMap<Integer, InterfaceInfo> interfacesByIndex(EngineSnapshot s) {
        TreeMap<Integer, InterfaceInfo> out = new TreeMap<>();
        for (InterfaceInfo i : s.interfaces()) {
            if (i.ifindex() > 0) {
                out.putIfAbsent(i.ifindex(), i);
            }
        }
        return out;
    }

    /** The union of the unit-0 flags of both families (ipmpIfFlags). */
    static long flags(InterfaceInfo i) {
        return i.flags(Family.INET) | i.flags(Family.INET6);
    }

    /** The UP, NOFAILOVER test address of one family (IPv6: the link-local one). */
    static InetAddress testAddress(InterfaceInfo i, Family f) {
        for (LifInfo l : i.lifs()) {
            if (l.family() != f || l.placeholder() || l.address() == null || Addresses.isUnspecified(l.address())
                    || (l.flags() & Flags.NOFAILOVER) == 0 || (l.flags() & Flags.UP) == 0) {
                continue;
            }
            if (f == Family.INET6 && !Addresses.isLinkLocal(l.address())) {
                continue;
            }
            return l.address();
        }
        for (TargetSet t : i.targetSets()) {
            if (t.family() == f && t.testAddress() != null) {
                return t.testAddress();
            }
        }
        return null;
    }

    static String mode(InterfaceInfo i, Family f) {
        for (TargetSet t : i.targetSets()) {
            if (t.family() == f) {
                return t.mode();
            }
        }
        return "disabled";
    }

    // ------------------------------------------------------------------ managed objects

    /** Builds and registers every managed object of the module. */
    static List<ManagedObject<?>> register(MOServer server, OctetString context, LiveObjects.Views views,
                                           LiveObjects.Writer writer) throws DuplicateRegistrationException {
        return register(server, context, views, writer, HostInterfaces.NONE);
    }

    /** @param host the host's interfaces: ipmpIfTable has a row for each that could join a group */
    static List<ManagedObject<?>> register(MOServer server, OctetString context, LiveObjects.Views views,
                                           LiveObjects.Writer writer, HostInterfaces host)
            throws DuplicateRegistrationException {
        List<ManagedObject<?>> mos = new ArrayList<>();
        mos.add(scalar("ipmpFailureDetectionTime", views, writer, v -> u32(v.snapshot.config().failureDetectionTimeMs())));
        mos.add(scalar("ipmpFailback", views, writer, v -> truth(v.snapshot.config().failback())));
        mos.add(scalar("ipmpTrackInterfacesOnlyWithGroups", views, writer,
                v -> truth(v.snapshot.config().trackInterfacesOnlyWithGroups())));
        mos.add(scalar("ipmpNotificationsEnabled", views, writer, v -> truth(v.notificationsEnabled)));
        mos.add(scalar("ipmpLastChange", views, writer, v -> new TimeTicks(v.moduleLastChange())));
        mos.add(scalar("ipmpGroupIndexNext", views, writer, v -> u32(v.indexNext)));
        mos.add(scalar("ipmpProbeQuietPeriod", views, writer, v -> u32(v.snapshot.config().probeQuietPeriodMs())));
        mos.add(scalar("ipmpNotificationTypes", views, writer, v -> typeBits(v.notificationTypes)));
        mos.add(table("ipmpGroupEntry", GROUP_ENTRY, views, writer, IpmpMib::groupRows));
        mos.add(table("ipmpGroupNameEntry", GROUP_NAME_ENTRY, views, writer, IpmpMib::groupNameRows));
        mos.add(table("ipmpIfEntry", IF_ENTRY, views, writer, v -> ifRows(v, host)));
        mos.add(table("ipmpTargetEntry", TARGET_ENTRY, views, writer, IpmpMib::targetRows));
        mos.add(table("ipmpConfTargetEntry", CONF_TARGET_ENTRY, views, writer, IpmpMib::confTargetRows));
        mos.add(table("ipmpAddrEntry", ADDR_ENTRY, views, writer, IpmpMib::addrRows));
        mos.add(table("ipmpIfAddrEntry", IF_ADDR_ENTRY, views, writer, IpmpMib::ifAddrRows));
        mos.add(table("ipmpAddrOutboundEntry", ADDR_OUTBOUND_ENTRY, views, writer, IpmpMib::addrOutboundRows));
        mos.add(table("ipmpGroupAddrEntry", GROUP_ADDR_ENTRY, views, writer, IpmpMib::groupAddrRows));
        for (ManagedObject<?> mo : mos) {
            server.register(mo, context);
        }
        return mos;
    }

    private static LiveObjects.Scalar scalar(String name, LiveObjects.Views views, LiveObjects.Writer writer,
                                             java.util.function.Function<SnmpModel.View, Variable> getter) {
        return new LiveObjects.Scalar(object(name), views, getter, writer);
    }

    private static LiveObjects.Table table(String entryName, OID entry, LiveObjects.Views views,
                                           LiveObjects.Writer writer,
                                           java.util.function.Function<SnmpModel.View, NavigableMap<OID, ? extends Row>> rows) {
        List<Column> cols = new ArrayList<>();
        for (ObjectDef d : OBJECTS_DEFS) {
            if (d.oid().size() == entry.size() + 1 && d.oid().startsWith(entry) && d.access() != Access.NOT_ACCESSIBLE) {
                cols.add(new Column(d.oid().last(), d));
            }
        }
        return new LiveObjects.Table(entryName, entry, cols, views, rows, writer);
    }

    // ------------------------------------------------------------------ rows

    static NavigableMap<OID, Row> groupRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (GroupInfo g : v.snapshot.groups()) {
            long idx = v.indexOf(g.name());
            if (idx == 0) {
                continue;
            }
            long last = v.ticksOf(g.lastChangeNs());
            long lastFailover = g.lastFailoverReason() == null ? 0 : v.ticksOf(g.lastFailoverNs());
            rows.put(v.oidIndex(idx), (c, stats) -> switch (c) {
                case G_NAME -> text(g.name());
                case G_STATE -> new Integer32(Vocabulary.of(g.state()).mib());
                case G_FDT -> u32(g.fdtMs());
                case G_MEMBERS -> new Gauge32(g.members().size());
                case G_ACTIVE -> new Gauge32(g.active().size());
                case G_LAST_CHANGE -> new TimeTicks(last);
                case G_STORAGE -> new Integer32(STORAGE_NON_VOLATILE);
                case G_ROW_STATUS -> new Integer32(ROW_ACTIVE);
                case G_FAILOVERS -> new Counter32(g.failoverCount() & 0xFFFFFFFFL);
                case G_LAST_FAILOVER -> new TimeTicks(lastFailover);
                case G_LAST_FAILOVER_REASON -> cause(g.lastFailoverReason());
                case G_IPMP_INTERFACE -> text(g.ipmpInterface());
                default -> null;
            });
        }
        for (Map.Entry<Long, SnmpModel.PendingGroup> e : v.pendingGroups.entrySet()) {
            SnmpModel.PendingGroup p = e.getValue();
            rows.putIfAbsent(v.oidIndex(e.getKey()), (c, stats) -> switch (c) {
                case G_NAME -> p.name() == null ? null : text(p.name());
                case G_IPMP_INTERFACE -> text("");
                case G_STORAGE -> new Integer32(STORAGE_NON_VOLATILE);
                case G_ROW_STATUS -> new Integer32(p.name() == null ? ROW_NOT_READY : ROW_NOT_IN_SERVICE);
                default -> null;
            });
        }
        return rows;
    }

    static NavigableMap<OID, Row> groupNameRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (GroupInfo g : v.snapshot.groups()) {
            long idx = v.indexOf(g.name());
            if (idx != 0) {
                rows.put(octetsIndex(g.name().getBytes(StandardCharsets.UTF_8)), (c, stats) -> c == 2 ? u32(idx) : null);
            }
        }
        return rows;
    }

    /** ipmpIfTable: the engine's interfaces, and every other interface of the host that could join a group. */
    static NavigableMap<OID, Row> ifRows(SnmpModel.View v, HostInterfaces host) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        NavigableMap<Integer, InterfaceInfo> all = interfacesByIndex(v.snapshot);
        for (InterfaceInfo i : host.notIn(v.snapshot)) {
            all.putIfAbsent(i.ifindex(), i);
        }
        for (InterfaceInfo i : all.values()) {
            InetAddress t4 = testAddress(i, Family.INET);
            InetAddress t6 = testAddress(i, Family.INET6);
            long last = v.ticksOf(i.lastChangeNs());
            long disc = v.discontinuity.getOrDefault(i.name(), 0L);
            long lastFailure = i.lastFailureCause() == null ? 0 : v.ticksOf(i.lastFailureNs());
            rows.put(ifIndex(i.ifindex()), (c, stats) -> switch (c) {
                case IF_NAME -> text(i.name());
                case IF_GROUP_NAME -> text(i.group() == null ? "" : i.group());
                case IF_GROUP_INDEX -> u32(v.indexOf(i.group()));
                case IF_FLAGS -> flagBits(flags(i));
                case IF_ACTIVE -> truth(i.active());
                case IF_LINK -> new Integer32(Vocabulary.of(i.link()).mib());
                case IF_PROBE -> new Integer32(Vocabulary.of(i.probe()).mib());
                case IF_STATE -> new Integer32(Vocabulary.of(i.state()).mib());
                case IF_STANDBY -> truth(i.standby());
                case IF_OFFLINE -> truth(i.offline());
                case IF_STATUS_FLAGS -> statusBits(i.flagsColumn());
                case IF_TEST4_TYPE -> new Integer32(t4 == null ? ADDR_UNKNOWN : ADDR_IPV4);
                case IF_TEST4 -> new OctetString(t4 == null ? new byte[0] : t4.getAddress());
                case IF_MODE4 -> new Integer32(Vocabulary.byWord(Vocabulary.PROBE_MODE, mode(i, Family.INET)).mib());
                case IF_TEST6_TYPE -> new Integer32(t6 == null ? ADDR_UNKNOWN : ADDR_IPV6Z);
                case IF_TEST6 -> new OctetString(t6 == null ? new byte[0] : addrBytes(t6, i.ifindex()));
                case IF_MODE6 -> new Integer32(Vocabulary.byWord(Vocabulary.PROBE_MODE, mode(i, Family.INET6)).mib());
                case IF_SENT -> new Counter64(stats.live(i).probesSent());
                case IF_ACKED -> new Counter64(stats.live(i).probesAcked());
                case IF_LOST -> new Counter64(stats.live(i).probesLost());
                case IF_RTT_AVG -> u32(stats.live(i).rttAvgNs() / 1000);
                case IF_RTT_DEV -> u32(stats.live(i).rttDevNs() / 1000);
                case IF_DISCONTINUITY -> new TimeTicks(disc);
                case IF_LAST_CHANGE -> new TimeTicks(last);
                case IF_FAILURES -> new Counter32(i.failureCount() & 0xFFFFFFFFL);
                case IF_LAST_FAILURE -> new TimeTicks(lastFailure);
                case IF_LAST_FAILURE_CAUSE -> cause(i.lastFailureCause());
                default -> null;
            });
        }
        return rows;
    }

    static NavigableMap<OID, Row> targetRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (InterfaceInfo i : interfacesByIndex(v.snapshot).values()) {
            for (TargetSet set : i.targetSets()) {
                int order = 0;
                for (TargetInfo t : set.targets()) {
                    boolean active = t.status().equals("active");
                    int pos = active ? ++order : 0;
                    int type = addrType(t.address());
                    OID idx = ifIndex(i.ifindex()).append(type).append(octetsIndex(addrBytes(t.address(), i.ifindex())));
                    rows.putIfAbsent(idx, (c, stats) -> switch (c) {
                        case 3 -> new Integer32(Vocabulary.byWord(Vocabulary.TARGET_ORIGIN, t.origin()).mib());
                        case 4 -> new Integer32(Vocabulary.byWord(Vocabulary.TARGET_STATUS, t.status()).mib());
                        case 5 -> u32(pos);
                        case 6 -> u32(stats.live(i.name(), t).rttAvgNs() / 1000);
                        case 7 -> u32(stats.live(i.name(), t).rttDevNs() / 1000);
                        default -> null;
                    });
                }
            }
        }
        return rows;
    }

    /** The index of a configured target row (group index, type ipv4/ipv6, address). */
    static OID confTargetIndex(long groupIndex, InetAddress a) {
        int type = a instanceof Inet6Address ? ADDR_IPV6 : ADDR_IPV4;
        return new OID().appendUnsigned(groupIndex).append(type).append(octetsIndex(a.getAddress()));
    }

    static NavigableMap<OID, Row> confTargetRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (GroupInfo g : v.snapshot.groups()) {
            long gi = v.indexOf(g.name());
            if (gi == 0) {
                continue;
            }
            for (InetAddress t : g.targets()) {
                rows.putIfAbsent(confTargetIndex(gi, t), (c, stats) -> switch (c) {
                    case CT_STORAGE -> new Integer32(STORAGE_NON_VOLATILE);
                    case CT_ROW_STATUS -> new Integer32(ROW_ACTIVE);
                    default -> null;
                });
            }
        }
        for (SnmpModel.PendingTarget p : v.pendingTargets) {
            rows.putIfAbsent(confTargetIndex(p.groupIndex(), p.address()), (c, stats) -> switch (c) {
                case CT_STORAGE -> new Integer32(STORAGE_NON_VOLATILE);
                case CT_ROW_STATUS -> new Integer32(ROW_NOT_IN_SERVICE);
                default -> null;
            });
        }
        return rows;
    }

    static NavigableMap<OID, Row> addrRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (AddressInfo a : v.snapshot.addresses()) {
            long gi = v.indexOf(a.group());
            int home = v.ifindex(a.homeIf());
            int cur = v.ifindex(a.hostedOn());
            int type = addrType(a.address());
            OID idx = new OID(new int[] {type}).append(octetsIndex(addrBytes(a.address(), home)));
            long last = v.addrTicks.getOrDefault(a.address(), 0L);
            int inbound = v.ifindex(a.inbound());
            rows.putIfAbsent(idx, (c, stats) -> switch (c) {
                case 3 -> u32(a.prefixLen());
                case 4 -> gi == 0 ? null : u32(gi);
                case 5 -> new Integer32(cur);
                case 6 -> home == 0 ? null : new Integer32(home);
                case 7 -> new Integer32(Vocabulary.byWord(Vocabulary.ADDRESS_STATE, a.up() ? "up" : "down").mib());
                case 8 -> new TimeTicks(last);
                case A_INBOUND_IFINDEX -> new Integer32(inbound);
                case A_INBOUND_IFNAME -> text(a.inbound());
                default -> null;
            });
        }
        return rows;
    }

    /** ipmpAddrOutboundTable: per data address, the members its outbound traffic leaves through. */
    static NavigableMap<OID, Row> addrOutboundRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (AddressInfo a : v.snapshot.addresses()) {
            int home = v.ifindex(a.homeIf());
            OID addr = new OID(new int[] {addrType(a.address())}).append(octetsIndex(addrBytes(a.address(), home)));
            for (String m : a.outbound()) {
                int x = v.ifindex(m);
                if (x > 0) {
                    rows.putIfAbsent(new OID(addr).append(x), (c, stats) -> c == 2 ? text(m) : null);
                }
            }
        }
        return rows;
    }

    /** The index of an ipmpGroupAddrEntry: group index, ipv4(1)/ipv6(2), length, octets. */
    static OID groupAddrIndex(long groupIndex, InetAddress a) {
        return confTargetIndex(groupIndex, a);
    }

    /** ipmpGroupAddrTable: the configured data addresses of the groups' IPMP interfaces. */
    static NavigableMap<OID, Row> groupAddrRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        for (ipmpd.engine.config.IpmpConfiguration.GroupConfig g
                : ipmpd.engine.config.IpmpConfiguration.of(v.snapshot).groups()) {
            long gi = v.indexOf(g.name());
            if (gi == 0 || g.ipmpInterface() == null) {
                continue;
            }
            for (ipmpd.engine.config.IpmpConfiguration.DataAddress d : g.dataAddresses()) {
                if (g.ipmpInterface().equals(d.homeMember())) {
                    rows.putIfAbsent(groupAddrIndex(gi, d.address()), (c, stats) -> switch (c) {
                        case GA_PREFIX -> u32(d.prefixLen());
                        case GA_STORAGE -> new Integer32(STORAGE_NON_VOLATILE);
                        case GA_ROW_STATUS -> new Integer32(ROW_ACTIVE);
                        default -> null;
                    });
                }
            }
        }
        return rows;
    }

    /** The index of an ipmpIfAddrEntry: member's ifIndex, ipv4(1)/ipv6(2) (link-local too), length, octets. */
    static OID ifAddrIndex(int ifindex, InetAddress a) {
        int type = a instanceof Inet6Address ? ADDR_IPV6 : ADDR_IPV4;
        return ifIndex(ifindex).append(type).append(octetsIndex(a.getAddress()));
    }

    /** ipmpIfAddrTable: the configured test and data addresses of the members. */
    static NavigableMap<OID, Row> ifAddrRows(SnmpModel.View v) {
        TreeMap<OID, Row> rows = new TreeMap<>();
        ipmpd.engine.config.IpmpConfiguration c = ipmpd.engine.config.IpmpConfiguration.of(v.snapshot);
        for (ipmpd.engine.config.IpmpConfiguration.GroupConfig g : c.groups()) {
            for (ipmpd.engine.config.IpmpConfiguration.MemberConfig m : g.members()) {
                int x = v.ifindex(m.name());
                if (x <= 0) {
                    continue;
                }
                for (ipmpd.engine.config.IpmpConfiguration.TestAddress t : m.testAddresses()) {
                    rows.putIfAbsent(ifAddrIndex(x, t.address()), ifAddrRow(t.prefixLen(), USE_TEST));
                }
            }
            for (ipmpd.engine.config.IpmpConfiguration.DataAddress d : g.dataAddresses()) {
                int x = v.ifindex(d.homeMember());
                if (x > 0 && !d.homeMember().equals(g.ipmpInterface())) { // those are ipmpGroupAddrTable's
                    rows.putIfAbsent(ifAddrIndex(x, d.address()), ifAddrRow(d.prefixLen(), USE_DATA));
                }
            }
        }
        return rows;
    }

    private static Row ifAddrRow(int prefixLen, int use) {
        return (c, stats) -> switch (c) {
            case IA_PREFIX -> u32(prefixLen);
            case IA_USE -> new Integer32(use);
            case IA_STORAGE -> new Integer32(STORAGE_NON_VOLATILE);
            case IA_ROW_STATUS -> new Integer32(ROW_ACTIVE);
            default -> null;
        };
    }
}
