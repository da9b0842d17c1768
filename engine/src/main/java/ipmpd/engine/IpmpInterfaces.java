package ipmpd.engine;

import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.engine.Platform.AddressPlacement;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * New IPMP (Solaris 11): IPMP interfaces. {@code ifconfig NAME ipmp [group G]} creates the virtual
 * interface of group G (the group's name defaults to NAME; a group has at most one); its data
 * addresses stay on it, and the engine binds each UP one (inbound: the member that answers ARP /
 * neighbour solicitations for it) to one active member, spread over the active members and
 * rebound when a member fails, is offlined or becomes a waiting standby. Members hold only test
 * addresses (or none): a data address configured on a member moves to the IPMP interface, and
 * their test addresses are DEPRECATED as the Solaris kernel marks them.
 */
final class IpmpInterfaces {
    /** A letter first, a number last (a data-link style name), at most 15 characters as Linux allows. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,13}[0-9]");

    private final Engine engine;
    final Map<String, IpmpInterface> byName = new LinkedHashMap<>();

    IpmpInterfaces(Engine engine) {
        this.engine = engine;
    }

    IpmpInterface get(String name) {
        return byName.get(name);
    }

    /** The IPMP interface of a group, or null (a classic group). */
    IpmpInterface ofGroup(String group) {
        if (group == null) {
            return null;
        }
        for (IpmpInterface i : byName.values()) {
            if (i.group.equals(group)) {
                return i;
            }
        }
        return null;
    }

    IpmpInterface ofGroup(Group g) {
        return g == null ? null : ofGroup(g.name);
    }

    private IpmpInterface require(String name, Family f, String error) throws AdminException {
        IpmpInterface i = byName.get(name);
        if (i == null || !i.plumbed(f)) {
            throw new AdminException(error);
        }
        return i;
    }

    private Platform platform() {
        return engine.platform();
    }

    private Group groupOf(IpmpInterface i) {
        return engine.membership.groups.get(i.group);
    }

    static AddressPlacement placement(IpmpInterface i, Family f, LogicalIf l) {
        return new AddressPlacement(i.name, l.unit, f, l.address, l.prefixLen, false);
    }

    /** Whether the device holds the address (it is set and UP; the virtual device is always there). */
    static boolean inKernel(LogicalIf l) {
        return l.isUp() && l.hasAddress();
    }

    // ---------------------------------------------------------------- ifconfig NAME ipmp

    /** ifconfig NAME [inet6] ipmp [group G]: creates the IPMP interface (or plumbs another family of it). */
    static boolean validName(String name) {
        return NAME.matcher(name).matches();
    }

    void create(String name, Family f, String group) throws AdminException {
        if (!NAME.matcher(name).matches()) {
            throw new AdminException("ifconfig: ipmp: " + name
                    + ": an IPMP interface name must begin with a letter and end with a number");
        }
        Phyint p = engine.membership.phyints.get(name);
        if (p != null && p.instance(f) != null) {
            throw new AdminException("ifconfig: SIOCSLIFNAME for ip: " + name + ": already exists");
        }
        if (p != null) {
            throw new AdminException("ifconfig: ipmp: " + name + ": is a physical interface"
                    + (p.group != null ? " (a member of group " + p.group + ")" : ""));
        }
        String g = group == null ? name : group;
        Membership.validateGroupName(g);
        if (g.isEmpty()) {
            throw new AdminException("ifconfig: ipmp: " + name + ": an IPMP interface needs a group name");
        }
        IpmpInterface i = byName.get(name);
        if (i != null) {
            if (i.plumbed(f)) {
                throw new AdminException("ifconfig: SIOCSLIFNAME for ip: " + name + ": already exists");
            }
            if (group != null && !group.equals(i.group)) {
                throw new AdminException("ifconfig: ipmp: " + name + ": is the IPMP interface of group " + i.group);
            }
        } else {
            IpmpInterface other = ofGroup(g);
            if (other != null) {
                throw new AdminException("ifconfig: ipmp: " + name + ": group " + g
                        + " already has the IPMP interface " + other.name);
            }
            i = new IpmpInterface(name, g);
            byName.put(name, i);
            engine.membership.group(g);
            platform().ipmpInterfaceCreated(name, g);
        }
        TreeMap<Integer, LogicalIf> units = new TreeMap<>();
        units.put(0, new LogicalIf(0, f == Family.INET ? Addresses.ANY4 : Addresses.ANY6, f == Family.INET ? 8 : 0,
                0, name, engine.logicalInterfaces.nextSerial()));
        i.lifs.put(f, units);
        engine.placement.reconcile(groupOf(i));
    }

    /** ifconfig NAME [inet6] unplumb: refused while the group has members (they must leave first). */
    void unplumb(String name, Family f) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: unplumb: " + name + ": no such interface");
        Group g = groupOf(i);
        boolean last = i.lifs.size() == 1;
        if (last && g != null && !g.members.isEmpty()) {
            throw new AdminException("ifconfig: unplumb: " + name + ": IPMP group " + i.group
                    + " still has members (unplumb them first)");
        }
        for (LogicalIf l : i.lifs(f).values()) {
            if (inKernel(l)) {
                platform().removeAddress(placement(i, f, l));
            }
            i.inbound.remove(l.address);
        }
        i.lifs.remove(f);
        if (last) {
            byName.remove(name);
            platform().ipmpInterfaceRemoved(name);
            if (g != null && g.members.isEmpty() && !g.declared) {
                engine.membership.groups.remove(g.name);
                return;
            }
        }
        engine.placement.reconcile(g);
    }

    /** ifconfig NAME group G: moves an IPMP interface whose group has no member to group G. */
    void setGroup(String name, String group) throws AdminException {
        IpmpInterface i = byName.get(name);
        String g = group == null ? "" : group;
        Membership.validateGroupName(g);
        if (g.equals(i.group)) {
            return;
        }
        if (g.isEmpty()) {
            throw new AdminException("ifconfig: group: " + name + ": an IPMP interface cannot leave its group");
        }
        IpmpInterface other = ofGroup(g);
        if (other != null) {
            throw new AdminException("ifconfig: group: " + name + ": group " + g
                    + " already has the IPMP interface " + other.name);
        }
        Group before = groupOf(i);
        if (before != null && !before.members.isEmpty()) {
            throw new AdminException("ifconfig: group: " + name + ": IPMP group " + i.group
                    + " still has members");
        }
        // The device is recreated for its new group: addresses off, device, addresses back.
        List<LogicalIf> held = new ArrayList<>();
        for (Family f : i.lifs.keySet()) {
            for (LogicalIf l : i.lifs(f).values()) {
                if (inKernel(l)) {
                    platform().removeAddress(placement(i, f, l));
                    held.add(l);
                }
            }
        }
        i.inbound.clear();
        platform().ipmpInterfaceRemoved(name);
        if (before != null && !before.declared) {
            engine.membership.groups.remove(before.name);
        }
        i.group = g;
        engine.membership.group(g);
        platform().ipmpInterfaceCreated(name, g);
        for (Family f : i.lifs.keySet()) {
            for (LogicalIf l : i.lifs(f).values()) {
                if (held.contains(l)) {
                    platform().addAddress(placement(i, f, l));
                }
            }
        }
        engine.placement.reconcile(groupOf(i));
    }

    /** The platform reported the device (its kernel index). */
    void deviceIndex(String name, int ifindex) {
        IpmpInterface i = byName.get(name);
        if (i != null) {
            i.ifindex = ifindex;
        }
    }

    // ---------------------------------------------------------------- addresses

    void setAddress(String name, int unit, Family f, InetAddress a, int prefixLen) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = i.lifs(f).get(unit);
        if (l == null) {
            throw new AdminException("ifconfig: " + Engine.lifName(name, unit) + ": no such interface");
        }
        if (a.equals(l.address)) {
            return;
        }
        engine.logicalInterfaces.checkUnused(a, Engine.lifName(name, unit), false);
        if (inKernel(l)) {
            platform().removeAddress(placement(i, f, l));
            i.inbound.remove(l.address);
        }
        l.address = a;
        l.prefixLen = prefixLen;
        l.broadcast = null;
        if (inKernel(l)) {
            platform().addAddress(placement(i, f, l));
        }
        engine.placement.reconcile(groupOf(i));
    }

    /** "broadcast +": the broadcast address follows the address and netmask again. */
    void resetBroadcast(String name, int unit, Family f) throws AdminException {
        locate(require(name, f, "ifconfig: " + name + ": no such interface"), unit, f).broadcast = null;
    }

    void setPrefix(String name, int unit, Family f, int prefixLen) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = locate(i, unit, f);
        if (l.prefixLen == prefixLen) {
            return; // the mask is not changing: the kernel leaves the address alone (ip_sioctl_netmask)
        }
        boolean in = inKernel(l);
        if (in) {
            platform().removeAddress(placement(i, f, l));
        }
        l.keepBroadcast();
        l.prefixLen = prefixLen;
        if (in) {
            platform().addAddress(placement(i, f, l));
            String bound = i.inbound.get(l.address);
            if (bound != null) {
                platform().bindInbound(i.name, l.address, bound); // the re-added address is bound again
            }
        }
    }

    void setLifFlag(String name, int unit, Family f, long flag, boolean on) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = locate(i, unit, f);
        if (flag == Flags.NOFAILOVER && on) {
            throw new AdminException("ifconfig: " + Engine.lifName(name, unit)
                    + ": an IPMP interface holds data addresses only; test addresses (-failover) belong on its members");
        }
        boolean was = inKernel(l);
        l.flags = on ? l.flags | flag : l.flags & ~flag;
        boolean is = inKernel(l);
        if (was && !is) {
            platform().removeAddress(placement(i, f, l));
            i.inbound.remove(l.address);
        } else if (!was && is) {
            platform().addAddress(placement(i, f, l));
        }
        engine.placement.reconcile(groupOf(i));
    }

    /** ifconfig NAME addif ADDR ...: an additional data address (a logical interface NAME:N). */
    String addif(String name, Family f, Engine.NewAddress spec) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: addif: SIOCLIFADDIF: " + name + ": no such interface");
        if (spec.noFailover()) {
            throw new AdminException("ifconfig: addif: " + name
                    + ": an IPMP interface holds data addresses only; test addresses (-failover) belong on its members");
        }
        engine.logicalInterfaces.checkUnused(spec.address(), "addif", false);
        int unit = i.nextFreeUnit(f);
        long flags = (spec.up() ? Flags.UP : 0) | (spec.deprecated() ? Flags.DEPRECATED : 0);
        LogicalIf l = new LogicalIf(unit, spec.address(), spec.prefixLen(), flags, name,
                engine.logicalInterfaces.nextSerial());
        i.lifs(f).put(unit, l);
        if (inKernel(l)) {
            platform().addAddress(placement(i, f, l));
        }
        engine.placement.reconcile(groupOf(i));
        return Engine.lifName(name, unit);
    }

    /** ifconfig NAME:N plumb: a logical interface without an address, down. */
    String plumbLogical(String name, int unit, Family f) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: plumb: SIOCLIFADDIF: " + name + ": no such interface");
        if (i.lifs(f).containsKey(unit)) {
            throw new AdminException("ifconfig: plumb: SIOCLIFADDIF: " + Engine.lifName(name, unit) + ": already exists");
        }
        i.lifs(f).put(unit, new LogicalIf(unit, f == Family.INET ? Addresses.ANY4 : Addresses.ANY6,
                f == Family.INET ? 8 : 64, 0, name, engine.logicalInterfaces.nextSerial()));
        return Engine.lifName(name, unit);
    }

    void removeif(String name, Family f, InetAddress a) throws AdminException {
        IpmpInterface i = require(name, f, "ifconfig: removeif: SIOCLIFREMOVEIF: " + name + ": no such interface");
        LogicalIf l = null;
        for (LogicalIf x : i.lifs(f).values()) {
            if (a.equals(x.address)) {
                l = x;
            }
        }
        if (l == null) {
            throw new AdminException("ifconfig: removeif: SIOCLIFREMOVEIF: " + name
                    + ": Cannot assign requested address");
        }
        if (l.unit == 0) {
            throw new AdminException("ifconfig: removeif: SIOCLIFREMOVEIF: " + name + ": Invalid argument");
        }
        if (inKernel(l)) {
            platform().removeAddress(placement(i, f, l));
        }
        i.inbound.remove(l.address);
        i.lifs(f).remove(l.unit);
        engine.placement.reconcile(groupOf(i));
    }

    /** Removes a data address of an IPMP interface (an NMS's removal); false when none holds it. */
    boolean removeDataAddress(InetAddress a) {
        for (IpmpInterface i : byName.values()) {
            for (Family f : i.lifs.keySet()) {
                for (LogicalIf l : new ArrayList<>(i.lifs(f).values())) {
                    if (!a.equals(l.address)) {
                        continue;
                    }
                    if (inKernel(l)) {
                        platform().removeAddress(placement(i, f, l));
                    }
                    i.inbound.remove(a);
                    if (l.unit == 0) {
                        l.address = f == Family.INET ? Addresses.ANY4 : Addresses.ANY6;
                        l.broadcast = null;
                    } else {
                        i.lifs(f).remove(l.unit);
                    }
                    engine.placement.reconcile(groupOf(i));
                    return true;
                }
            }
        }
        return false;
    }

    private static LogicalIf locate(IpmpInterface i, int unit, Family f) throws AdminException {
        LogicalIf l = i.lifs(f).get(unit);
        if (l == null) {
            throw new AdminException("ifconfig: " + Engine.lifName(i.name, unit) + ": no such interface");
        }
        return l;
    }

    // ---------------------------------------------------------------- members

    /**
     * A member joined a group with an IPMP interface: its test addresses are DEPRECATED (the
     * kernel does it for an interface under IPMP); its data addresses move in {@link #adopt}.
     */
    void memberJoined(Phyint p, Group g) {
        if (ofGroup(g) == null) {
            return;
        }
        for (Instance in : p.instances()) {
            for (LogicalIf l : in.lifs.values()) {
                if (l.isNoFailover() && !l.placeholder) {
                    l.flags |= Flags.DEPRECATED;
                }
            }
        }
    }

    /** Whether p is a member of a group with an IPMP interface. */
    boolean underIpmp(Phyint p) {
        return p.group != null && ofGroup(p.group) != null;
    }

    /**
     * The UP data addresses found on members of a group with an IPMP interface move to it (the
     * administrator configured one on a member, or the group had members before its IPMP
     * interface): members never hold data addresses in new IPMP.
     */
    void adopt(Group g) {
        IpmpInterface ipmp = ofGroup(g);
        if (ipmp == null) {
            return;
        }
        for (Phyint p : g.members) {
            for (Instance in : p.instances()) {
                if (!ipmp.plumbed(in.family)) {
                    continue;
                }
                for (LogicalIf l : in.dataLifs()) {
                    if (l.isUp()) {
                        moveToIpmp(ipmp, g, in, l);
                    }
                }
            }
        }
    }

    private void moveToIpmp(IpmpInterface ipmp, Group g, Instance from, LogicalIf l) {
        Family f = from.family;
        AddressPlacement before = Placement.inKernel(from.phyint, l) ? Placement.placement(from, l) : null;
        from.lifs.remove(l.unit);
        if (l.unit == 0) {
            // The member keeps its unit 0, without an address (as a member joining without one).
            from.lifs.put(0, new LogicalIf(0, Addresses.ANY4, 8, l.flags & Flags.UP, from.phyint.name,
                    engine.logicalInterfaces.nextSerial()));
        }
        TreeMap<Integer, LogicalIf> units = ipmp.lifs(f);
        LogicalIf unit0 = units.get(0);
        int unit = unit0 != null && !unit0.hasAddress() ? 0 : ipmp.nextFreeUnit(f);
        if (unit == 0) {
            l.flags |= unit0.flags & Flags.UP;
        }
        l.unit = unit;
        l.homeIf = ipmp.name;
        l.homeUnit = unit;
        units.put(unit, l);
        if (inKernel(l)) {
            platform().addAddress(placement(ipmp, f, l)); // make before break, as a move
        }
        if (before != null) {
            platform().removeAddress(before);
        }
        engine.listener().addressMoved(l.address, g.name, from.phyint.name, ipmp.name, MoveReason.MEMBERSHIP);
    }

    // ---------------------------------------------------------------- inbound bindings

    /**
     * Binds each UP data address of the group's IPMP interface to one active member, each address
     * family on its own (as the kernel's IPv4 and IPv6 ill groups: an IPv4 address's share does not
     * count against IPv6 ones): a binding stays while its member is active and the members' shares
     * of its family differ by at most one; an address without an active member goes to the active
     * member with the fewest (the first in the group's order on a tie, as the kernel's
     * ipmp_illgrp_min_ill); then addresses move from the busiest member to the idlest until the
     * shares differ by at most one (a member activated takes its share). Each change is told to the
     * platform, null when no member is active.
     */
    void rebind(Group g, List<Phyint> active) {
        IpmpInterface ipmp = ofGroup(g);
        if (ipmp == null) {
            return;
        }
        Map<InetAddress, String> before = new LinkedHashMap<>(ipmp.inbound);
        Map<InetAddress, String> after = new LinkedHashMap<>();
        Map<Family, List<LogicalIf>> byFamily = new LinkedHashMap<>();
        for (LogicalIf l : ipmp.upAddresses()) {
            byFamily.computeIfAbsent(Family.of(l.address), f -> new ArrayList<>()).add(l);
        }
        for (List<LogicalIf> addresses : byFamily.values()) {
            bindFamily(addresses, active, before, after);
        }
        ipmp.inbound.clear();
        for (Map.Entry<InetAddress, String> e : after.entrySet()) {
            if (e.getValue() != null) {
                ipmp.inbound.put(e.getKey(), e.getValue());
            }
            String was = before.get(e.getKey());
            if (!Objects.equals(was, e.getValue()) && (was != null || e.getValue() != null)) {
                platform().bindInbound(ipmp.name, e.getKey(), e.getValue());
            }
        }
    }

    /** {@link #rebind} for the addresses of one family: their bindings {@code before} -> {@code after}. */
    private void bindFamily(List<LogicalIf> addresses, List<Phyint> active, Map<InetAddress, String> before,
            Map<InetAddress, String> after) {
        Map<String, Integer> load = new LinkedHashMap<>();
        for (Phyint p : active) {
            if (canAnswer(p.name, addresses.get(0))) {
                load.put(p.name, 0);
            }
        }
        for (LogicalIf l : addresses) {
            String cur = before.get(l.address);
            if (cur != null && load.containsKey(cur)) {
                after.put(l.address, cur);
                load.merge(cur, 1, Integer::sum);
            }
        }
        for (LogicalIf l : addresses) {
            if (after.containsKey(l.address)) {
                continue;
            }
            String best = idlest(active, load, l, null);
            after.put(l.address, best);
            if (best != null) {
                load.merge(best, 1, Integer::sum);
            }
        }
        // Spread: from the busiest member to the idlest while they differ by more than one.
        for (int guard = 0; guard < addresses.size() * addresses.size() + 1; guard++) {
            String busiest = null;
            for (Map.Entry<String, Integer> e : load.entrySet()) {
                if (busiest == null || e.getValue() > load.get(busiest)) {
                    busiest = e.getKey();
                }
            }
            if (busiest == null) {
                break;
            }
            LogicalIf moving = null;
            String to = null;
            for (int k = addresses.size() - 1; k >= 0 && moving == null; k--) {
                LogicalIf l = addresses.get(k);
                if (busiest.equals(after.get(l.address))) {
                    String idle = idlest(active, load, l, busiest);
                    if (idle != null && load.get(idle) + 1 < load.get(busiest)) {
                        moving = l;
                        to = idle;
                    }
                }
            }
            if (moving == null) {
                break;
            }
            after.put(moving.address, to);
            load.merge(busiest, -1, Integer::sum);
            load.merge(to, 1, Integer::sum);
        }
    }

    private String idlest(List<Phyint> active, Map<String, Integer> load, LogicalIf l, String except) {
        String best = null;
        for (Phyint p : active) {
            if (p.name.equals(except) || !canAnswer(p.name, l)) {
                continue;
            }
            if (best == null || load.get(p.name) < load.get(best)) {
                best = p.name;
            }
        }
        return best;
    }

    /** A member answers for an address of a family it is plumbed for. */
    private boolean canAnswer(String member, LogicalIf l) {
        Phyint p = engine.membership.phyints.get(member);
        return p != null && p.instance(Family.of(l.address)) != null;
    }
}
