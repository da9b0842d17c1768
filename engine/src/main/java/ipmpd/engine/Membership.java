package ipmpd.engine;

import ipmpd.engine.EngineListener.Detection;
import ipmpd.engine.EngineListener.MoveReason;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables (in.mpathd's mpd_tables.c): which NICs exist, which groups exist, who is a member of
 * which; joining and leaving, standby, administrative offline, and members whose hardware
 * addresses collide. It decides membership; failure detection and placement act on the result.
 */
final class Membership {
    private final Engine engine;
    final Map<String, Phyint> phyints = new LinkedHashMap<>();
    final Map<String, Group> groups = new LinkedHashMap<>();
    private long joinSerial;

    Membership(Engine engine) {
        this.engine = engine;
    }

    Group groupOf(Phyint p) {
        return p.group == null ? null : groups.get(p.group);
    }

    /** Whether IPMP watches the interface (a member, or any interface with TRACK_INTERFACES_ONLY_WITH_GROUPS=no). */
    boolean tracked(Phyint p) {
        return p.group != null || !engine.config().trackInterfacesOnlyWithGroups();
    }

    Phyint requirePhyint(String name, String errorIfMissing) throws AdminException {
        Phyint p = phyints.get(name);
        if (p == null || !p.present) {
            throw new AdminException(errorIfMissing);
        }
        return p;
    }

    Instance requireInstance(String name, Family f, String errorIfMissing) throws AdminException {
        Phyint p = requirePhyint(name, errorIfMissing);
        Instance i = p.instance(f);
        if (i == null) {
            throw new AdminException(errorIfMissing);
        }
        return i;
    }

    boolean isLocalAddress(InetAddress a) {
        for (IpmpInterface i : engine.ipmp.byName.values()) {
            if (i.find(a) != null) {
                return true;
            }
        }
        for (Phyint p : phyints.values()) {
            for (Instance i : p.instances()) {
                if (i.find(a) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A new group, or the one of that name. */
    Group group(String name) {
        return groups.computeIfAbsent(name, n -> new Group(n, engine.config().failureDetectionTimeMs()));
    }

    /** Records p as the newest member of g. */
    void enlist(Phyint p, Group g) {
        g.members.add(p);
        p.group = g.name;
        p.joinSerial = joinSerial++;
    }

    // ---------------------------------------------------------------- NICs

    void nicAdded(Phyint known, String name, int ifindex, boolean running, byte[] mac) {
        byte[] before = known == null ? null : known.mac;
        if (known != null && mac != null) {
            known.mac = mac.clone(); // before a reattached NIC's boot file is replayed (link-local)
        }
        nicPresent(name, ifindex, running);
        Phyint p = phyints.get(name);
        p.mac = mac == null ? before : mac.clone();
        if (!Arrays.equals(before, p.mac)) {
            checkHardwareAddresses(groupOf(p));
        }
    }

    private void nicPresent(String name, int ifindex, boolean running) {
        Phyint p = phyints.get(name);
        if (p == null) {
            p = new Phyint(name, ifindex);
            p.present = true;
            p.running = running;
            phyints.put(name, p);
            if (!engine.config().trackInterfacesOnlyWithGroups()) {
                engine.detection.updateProbing(p);
            }
            return;
        }
        if (p.present) {
            p.running = running;
            return;
        }
        p.present = true;
        p.ifindex = ifindex;
        p.running = running;
        p.lastChangeNs = engine.now();
        engine.boot.replay(p);
    }

    /** A NIC disappeared (dynamic reconfiguration): its data addresses fail over. */
    void nicRemoved(String name) {
        Phyint p = phyints.get(name);
        if (p == null || !p.present) {
            return;
        }
        Group g = groupOf(p);
        p.present = false;
        p.running = false;
        if (g != null && !p.failed() && !p.offline()) {
            engine.detection.fail(p, Detection.LINK);
        } else {
            engine.placement.reconcile(g);
        }
        // The NIC's own addresses went with it; those that could not fail over are gone too.
        // Addresses that failed over stay homed here, to fail back when the NIC is attached again.
        for (Instance i : p.instances()) {
            i.prober.stop();
        }
        p.v4 = null;
        p.v6 = null;
        if (g == null) {
            phyints.remove(name);
        }
        engine.placement.recompute(g);
        checkHardwareAddresses(g); // a member offlined as its duplicate is unique now
    }

    /**
     * Members whose hardware addresses collide cannot all work (in.mpathd's pi_hwaddrdup): an
     * online member whose address equals an earlier online member's is offlined; a member offlined
     * for it is put back online once no online member has its address, unless the administrator
     * offlined it too. Only online members count, so an administrator's offline never makes another
     * member a duplicate.
     */
    void checkHardwareAddresses(Group g) {
        if (g == null) {
            return;
        }
        List<Phyint> byJoin = new ArrayList<>(g.members);
        byJoin.sort(Comparator.comparingLong(q -> q.joinSerial));
        for (Phyint p : byJoin) {
            if (p.hwDup) {
                if (HardwareAddresses.onlineDuplicate(g, p) == null) {
                    uniqueAgain(g, p);
                }
            } else if (!p.offline() && p.present && earlierOnlineDuplicate(byJoin, p) != null) {
                p.hwDup = true;
                p.markOffline();
                p.inactive = false;
                engine.log("IP interface " + p.name + " has a hardware address which is not unique in group " + g.name
                        + "; offlining");
                engine.listener().probingChanged(p.name, g.name, EngineListener.ProbingChange.DUPLICATE_HARDWARE_ADDRESS,
                        null);
                for (Instance in : p.instances()) {
                    in.prober.stop();
                }
                engine.platform().usabilityChanged(p.name, false);
                engine.placement.reconcile(g);
            }
        }
    }

    private static Phyint earlierOnlineDuplicate(List<Phyint> byJoin, Phyint p) {
        if (p.mac == null) {
            return null;
        }
        for (Phyint q : byJoin) {
            if (q == p) {
                return null;
            }
            if (q.present && !q.offline() && !q.hwDup && Arrays.equals(p.mac, q.mac)) {
                return q;
            }
        }
        return null;
    }

    /** A member offlined for a duplicate hardware address has a unique one again. */
    private void uniqueAgain(Group g, Phyint p) {
        p.hwDup = false;
        engine.listener().probingChanged(p.name, g.name, EngineListener.ProbingChange.HARDWARE_ADDRESS_UNIQUE, null);
        if (p.adminOffline) {
            return; // the administrator's offline stands: if_mpadm -r ends it
        }
        p.markOnline();
        engine.log("IP interface " + p.name + " now has a unique hardware address in group " + g.name
                + "; onlining");
        engine.detection.updateProbing(p);
        engine.platform().usabilityChanged(p.name, p.usable());
        engine.placement.reconcile(g);
    }

    /** TRACK_INTERFACES_ONLY_WITH_GROUPS changed: interfaces in no group are tracked, or no longer. */
    void trackingChanged(boolean onlyWithGroups) {
        for (Phyint p : phyints.values()) {
            if (p.group == null) {
                if (onlyWithGroups) {
                    // Stray IPMP state on ungrouped interfaces is cleared.
                    p.markRepaired();
                    p.adminOffline = false;
                    p.markOnline();
                    p.inactive = false;
                }
                engine.detection.updateProbing(p);
            }
        }
    }

    // ---------------------------------------------------------------- groups

    /** ifconfig IF group NAME (or group "" to leave). */
    void setGroup(String name, String group) throws AdminException {
        if (name.contains(":")) {
            throw new AdminException("ifconfig: group: " + name
                    + ": groups can only be set on physical interfaces");
        }
        Phyint p = requirePhyint(name, "ifconfig: group: " + name + ": no such interface");
        if (!p.plumbed()) {
            throw new AdminException("ifconfig: group: " + name + ": no such interface");
        }
        String g = group == null ? "" : group;
        validateGroupName(g);
        if (g.equals(p.group == null ? "" : p.group)) {
            return;
        }
        if (p.group != null) {
            leaveGroup(p);
        }
        if (!g.isEmpty()) {
            joinGroup(p, g);
        }
    }

    /** Group names: at most 31 characters (LIFGRNAMSIZ), no white space (ifconfig would hide it). */
    static void validateGroupName(String g) throws AdminException {
        if (g.length() > 31) {
            throw new AdminException("ifconfig: group: group name \"" + g + "\" is longer than 31 characters");
        }
        for (int k = 0; k < g.length(); k++) {
            if (Character.isWhitespace(g.charAt(k)) || Character.isISOControl(g.charAt(k))) {
                throw new AdminException("ifconfig: group: group name \"" + g + "\" must not contain white space");
            }
        }
    }

    private void joinGroup(Phyint p, String name) {
        Group g = group(name);
        enlist(p, g);
        engine.ipmp.memberJoined(p, g);
        p.lastChangeNs = engine.now();
        // A new member is a new interface to in.mpathd (its phyint is created again): the grace for
        // its test address starts over.
        p.noTestAddressReported = false;
        p.testAddressGraceEndsNs = 0;
        engine.listener().memberConfigChanged(p.name, name, EngineListener.ConfigChange.JOINED);
        engine.platform().memberJoined(p.name, name);
        engine.detection.updateProbing(p);
        if (!p.running && !p.failed() && !p.offline()) {
            engine.detection.fail(p, Detection.LINK);
        } else {
            engine.placement.reconcile(g);
        }
        checkHardwareAddresses(g);
    }

    /**
     * Leaving a group restores the interface's own configuration: addresses it hosts for others go
     * back, addresses of its own that failed over come home.
     */
    void leaveGroup(Phyint p) {
        Group g = groupOf(p);
        if (g == null) {
            return;
        }
        Placement placement = engine.placement;
        for (Family f : Family.values()) {
            Instance mine = p.instance(f);
            if (mine == null) {
                continue;
            }
            for (LogicalIf l : mine.dataLifs()) {
                if (p.name.equals(l.homeIf)) {
                    continue;
                }
                Phyint dest = placement.returnDestination(g, p, f, l);
                if (dest != null) {
                    Instance to = dest.instance(f);
                    placement.move(l, mine, to, dest.name.equals(l.homeIf) && to.unitFree(l.homeUnit) ? l.homeUnit
                            : to.nextFreeUnit(), g, MoveReason.MEMBERSHIP);
                }
            }
            for (Phyint q : g.members) {
                Instance qi = q.instance(f);
                if (q == p || qi == null) {
                    continue;
                }
                for (LogicalIf l : qi.dataLifs()) {
                    if (p.name.equals(l.homeIf)) {
                        placement.move(l, qi, mine, mine.unitFree(l.homeUnit) ? l.homeUnit : mine.nextFreeUnit(), g,
                                MoveReason.MEMBERSHIP);
                    }
                }
            }
        }
        g.members.remove(p);
        p.group = null;
        p.hwDup = false;
        p.adminOffline = false;
        p.markRepaired();
        p.markOnline();
        p.inactive = false;
        p.lastChangeNs = engine.now();
        engine.listener().memberConfigChanged(p.name, g.name, EngineListener.ConfigChange.LEFT);
        engine.platform().memberLeft(p.name);
        engine.platform().usabilityChanged(p.name, true);
        engine.detection.updateProbing(p);
        if (g.members.isEmpty() && !g.declared && engine.ipmp.ofGroup(g) == null) {
            engine.placement.reportOutbound(g, List.of());
            groups.remove(g.name);
        } else {
            placement.reconcile(g);
            checkHardwareAddresses(g);
        }
    }

    /** Creates an empty group (an NMS row or a NETCONF list entry); it stays until deleted. */
    void createGroup(String name) throws AdminException {
        validateGroupName(name);
        if (name.isEmpty()) {
            throw new AdminException("group name must not be empty");
        }
        Group g = group(name);
        g.declared = true;
        engine.placement.recompute(g);
    }

    /** Deletes a group; refused while it has members. */
    void deleteGroup(String name) throws AdminException {
        Group g = groups.get(name);
        if (g == null) {
            throw new AdminException("unknown group " + name);
        }
        if (!g.members.isEmpty()) {
            throw new AdminException("group " + name + " still has members");
        }
        IpmpInterface ipmp = engine.ipmp.ofGroup(g);
        if (ipmp != null) {
            throw new AdminException("group " + name + " has the IPMP interface " + ipmp.name
                    + " (unplumb it to delete the group)");
        }
        groups.remove(name);
    }

    boolean isDeclared(String group) {
        Group g = groups.get(group);
        return g != null && g.declared;
    }

    // ---------------------------------------------------------------- standby and offline

    /** ifconfig IF standby / -standby. */
    void setStandby(String name, boolean on) throws AdminException {
        Phyint p = requirePhyint(name, "ifconfig: " + name + ": no such interface");
        if (p.standby == on) {
            return;
        }
        p.standby = on;
        p.lastChangeNs = engine.now();
        Group g = groupOf(p);
        engine.listener().memberConfigChanged(p.name, g == null ? null : g.name,
                on ? EngineListener.ConfigChange.STANDBY : EngineListener.ConfigChange.NOT_STANDBY);
        if (on && g != null) {
            engine.placement.evacuateStandby(p, g);
        }
        if (!on) {
            p.inactive = false;
        }
        engine.placement.reconcile(g);
    }

    private static final String UNKNOWN_INTERFACE = "interface is not using IPMP";

    /**
     * An offline or undo-offline request the daemon itself refuses is logged, as in.mpathd's
     * loopback_cmd() does with libipmp's text for the error ("failed processing MI_OFFLINE:
     * minimum failover redundancy not met"); what if_mpadm refuses before asking is not.
     */
    private void refused(String command, String libipmpError) {
        engine.log("failed processing " + command + ": " + libipmpError);
    }

    /** if_mpadm -d IF. */
    void offline(String name) throws AdminException {
        Phyint p = phyints.get(name);
        if (p == null || !p.present || p.group == null || name.contains(":")) {
            refused("MI_OFFLINE", UNKNOWN_INTERFACE);
            throw new AdminException("if_mpadm: fatal: cannot offline " + name
                    + ": not a physical interface or not in an IPMP group");
        }
        if (p.offline()) {
            throw new AdminException("if_mpadm: fatal: interface " + name + " is already offline");
        }
        Group g = groupOf(p);
        // in.mpathd's phyint_offline(): another member must stay usable (working, with an UP
        // address); in a failed group any other member not offline will do
        boolean other = g.members.stream().anyMatch(q -> q != p
                && ((q.usable() && EngineSnapshot.hasUpAddress(q)) || (g.state == GroupState.FAILED && !q.offline())));
        if (!other) {
            refused("MI_OFFLINE", "minimum failover redundancy not met");
            throw new AdminException("if_mpadm: fatal: cannot offline " + name
                    + ": no other functioning interfaces are in its IPMP group");
        }
        p.adminOffline = true;
        p.markOffline();
        p.inactive = false;
        p.lastChangeNs = engine.now();
        engine.listener().memberConfigChanged(name, g.name, EngineListener.ConfigChange.OFFLINE);
        for (Instance i : p.instances()) {
            i.prober.stop();
        }
        engine.platform().usabilityChanged(name, false);
        engine.placement.reconcile(g);
        checkHardwareAddresses(g); // a member offlined as its duplicate is unique now
    }

    /**
     * if_mpadm -r IF: back online, then treated as repaired. Refused while an online member has
     * the same hardware address: the member stays offline, now for that duplicate (it comes back
     * online by itself when the address is unique), as in.mpathd's phyint_undo_offline().
     */
    void undoOffline(String name) throws AdminException {
        Phyint p = phyints.get(name);
        if (p == null || !p.present || p.group == null || name.contains(":")) {
            refused("MI_UNDO_OFFLINE", UNKNOWN_INTERFACE);
            throw new AdminException("if_mpadm: fatal: cannot undo-offline " + name + ": interface is not using IPMP");
        }
        if (!p.offline()) {
            refused("MI_UNDO_OFFLINE", "operation failed");
            throw new AdminException("if_mpadm: fatal: interface " + name + " is not offline");
        }
        Group g = groupOf(p);
        if (HardwareAddresses.onlineDuplicate(g, p) != null) {
            p.adminOffline = false;
            p.hwDup = true;
            refused("MI_UNDO_OFFLINE", "interface has duplicate hardware address");
            throw new AdminException(HardwareAddresses.undoOfflineRefusal(name));
        }
        p.adminOffline = false;
        p.hwDup = false;
        if (p.running) {
            p.markRepaired();
        }
        p.markOnline();
        p.lastChangeNs = engine.now();
        engine.listener().memberConfigChanged(name, g.name, EngineListener.ConfigChange.ONLINE);
        engine.detection.updateProbing(p);
        if (!p.running) {
            if (p.failed()) {
                // Its link went down while offline, reported then: it comes back failed, silently.
                engine.placement.reconcile(g);
            } else {
                engine.detection.fail(p, Detection.LINK);
            }
            return;
        }
        engine.listener().interfaceRepaired(p.name, g.name, Detection.ADMIN);
        engine.platform().usabilityChanged(name, true);
        if (!engine.config().failback() && p.upDataCount() == 0 && engine.ipmp.ofGroup(g) == null) {
            p.inactive = true;
        }
        engine.placement.reconcile(g);
    }
}
