package ipmpd.engine;

import ipmpd.engine.EngineListener.MoveReason;
import ipmpd.engine.Platform.AddressPlacement;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;

import static ipmpd.engine.Placement.inKernel;
import static ipmpd.engine.Placement.placement;

/**
 * The ifconfig part: plumbing IPv4 and IPv6 instances, logical interfaces (addif, removeif, an
 * address, a netmask, the UP, DEPRECATED and NOFAILOVER flags), data and test addresses, and
 * what the kernel must hold for each. On a member that cannot carry data, a new data address is
 * created on another member of its group (ifconfig's redirection).
 */
final class LogicalInterfaces {
    private final Engine engine;
    private long lifSerial;
    /** Addresses brought home while replaying a boot configuration. */
    private int reclaimed;

    LogicalInterfaces(Engine engine) {
        this.engine = engine;
    }

    /** A new logical interface's creation number (addresses are listed in creation order). */
    long nextSerial() {
        return lifSerial++;
    }

    static String lifName(String name, int unit) {
        return unit == 0 ? name : name + ":" + unit;
    }

    /** Starts counting the addresses a boot file brings home ({@link #reclaimed()}). */
    void resetReclaimed() {
        reclaimed = 0;
    }

    int reclaimed() {
        return reclaimed;
    }

    private Membership membership() {
        return engine.membership;
    }

    private Platform platform() {
        return engine.platform();
    }

    /** The link-local address the kernel gives a NIC: EUI-64 of its hardware address (or of one derived from its index). */
    private static InetAddress linkLocalFor(Phyint p) {
        int idx = p.ifindex;
        byte[] mac = p.mac != null && p.mac.length == 6 ? p.mac
                : new byte[] {0x08, 0x00, 0x20, (byte) 0xb9, (byte) (idx >> 8), (byte) idx};
        byte[] a = new byte[16];
        a[0] = (byte) 0xfe;
        a[1] = (byte) 0x80;
        a[8] = (byte) (mac[0] ^ 0x02);
        a[9] = mac[1];
        a[10] = mac[2];
        a[11] = (byte) 0xff;
        a[12] = (byte) 0xfe;
        a[13] = mac[3];
        a[14] = mac[4];
        a[15] = mac[5];
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ifconfig IF [inet6] plumb. */
    void plumb(String name, Family f) throws AdminException {
        Phyint p = membership().requirePhyint(name, "ifconfig: plumb: " + name + ": no such interface");
        if (p.instance(f) != null) {
            throw new AdminException("ifconfig: SIOCSLIFNAME for ip: " + name + ": already exists");
        }
        Instance i = new Instance(p, f, new Prober(engine, p, f));
        LogicalIf unit0 = f == Family.INET
                ? new LogicalIf(0, Addresses.ANY4, 8, 0, name, nextSerial())
                : new LogicalIf(0, linkLocalFor(p), 10, 0, name, nextSerial());
        i.lifs.put(0, unit0);
        if (f == Family.INET) {
            p.v4 = i;
        } else {
            p.v6 = i;
        }
        p.lastChangeNs = engine.now();
        engine.detection.updateProbing(p);
        engine.placement.recompute(membership().groupOf(p));
    }

    /**
     * ifconfig IF:N plumb: creates logical interface N, without an address and down. On a FAILED,
     * INACTIVE or OFFLINE member of a group it is created on a working member instead (seed 001:
     * "not necessarily with the same unit number"), as addif does; the name created is returned.
     * With {@code noFailover} (the line also says -failover) such a member is refused instead.
     */
    String plumbLogical(String name, int unit, Family f, boolean noFailover) throws AdminException {
        Instance i = membership().requireInstance(name, f,
                "ifconfig: plumb: SIOCLIFADDIF: " + name + ": no such interface");
        Phyint p = i.phyint;
        Group g = membership().groupOf(p);
        Instance target = i;
        if (g != null && (p.failed() || p.inactive || p.offline())) {
            if (noFailover) {
                // A test address belongs to the member named, never to the one plumb would choose.
                throw new AdminException("ifconfig: can't set -failover on failed/standby/offlined interface " + name);
            }
            Phyint best = engine.placement.redirectNewAddress(g, p, f);
            if (best != null) {
                target = best.instance(f);
            }
        }
        if (target == i && !i.unitFree(unit)) {
            throw new AdminException("ifconfig: plumb: SIOCLIFADDIF: " + lifName(name, unit) + ": already exists");
        }
        int created = target.unitFree(unit) ? unit : target.nextFreeUnit();
        InetAddress none = f == Family.INET ? Addresses.ANY4 : Addresses.ANY6;
        target.lifs.put(created, new LogicalIf(created, none, f == Family.INET ? 8 : 64, 0, target.phyint.name,
                nextSerial()));
        return lifName(target.phyint.name, created);
    }

    /** ifconfig IF [inet6] unplumb: the instance goes, its addresses with it. */
    void unplumb(String name, Family f) throws AdminException {
        Instance i = membership().requireInstance(name, f, "ifconfig: unplumb: " + name + ": no such interface");
        Phyint p = i.phyint;
        Group g = membership().groupOf(p);
        Placement placement = engine.placement;
        i.prober.stop();
        for (LogicalIf l : new ArrayList<>(i.lifs.values())) {
            if (g != null && l.isData() && !p.name.equals(l.homeIf)) {
                Phyint dest = placement.returnDestination(g, p, f, l);
                if (dest != null) {
                    Instance to = dest.instance(f);
                    placement.move(l, i, to, to.unitFree(l.homeUnit) && dest.name.equals(l.homeIf) ? l.homeUnit
                            : to.nextFreeUnit(), g, MoveReason.MEMBERSHIP);
                    continue;
                }
            }
            if (inKernel(p, l)) {
                platform().removeAddress(placement(i, l));
            }
        }
        if (g != null) {
            // Addresses of this interface that failed over elsewhere now belong where they are.
            for (Phyint q : g.members) {
                Instance qi = q.instance(f);
                if (qi != null && q != p) {
                    for (LogicalIf l : qi.lifs.values()) {
                        if (name.equals(l.homeIf)) {
                            l.homeIf = q.name;
                            l.homeUnit = l.unit;
                        }
                    }
                }
            }
        }
        if (f == Family.INET) {
            p.v4 = null;
        } else {
            p.v6 = null;
        }
        if (!p.plumbed() && g != null) {
            membership().leaveGroup(p);
        }
        placement.reconcile(g);
    }

    /** Sets the address of a logical interface (ifconfig IF[:N] ADDR). */
    void setAddress(String name, int unit, Family f, InetAddress a, int prefixLen) throws AdminException {
        Instance i = membership().requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = i.lifs.get(unit);
        if (l == null) {
            throw new AdminException("ifconfig: " + lifName(name, unit) + ": no such interface");
        }
        if (reclaim(i, unit, a)) {
            return;
        }
        checkUnused(a, lifName(name, unit), true);
        boolean wasIn = inKernel(i.phyint, l);
        if (wasIn) {
            platform().removeAddress(placement(i, l));
        }
        l.address = a;
        l.prefixLen = prefixLen;
        l.broadcast = null;
        l.placeholder = false;
        l.homeIf = name;
        l.homeUnit = unit;
        if (inKernel(i.phyint, l)) {
            platform().addAddress(placement(i, l));
        }
        afterAddressChange(i.phyint);
    }

    /** "broadcast +": the broadcast address follows the address and netmask again. */
    void resetBroadcast(String name, int unit, Family f) throws AdminException {
        Instance i = membership().requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        locate(i, unit).broadcast = null;
    }

    /** Changes the prefix length (netmask) of a logical interface. */
    void setPrefix(String name, int unit, Family f, int prefixLen) throws AdminException {
        Instance i = membership().requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = locate(i, unit);
        if (l.prefixLen == prefixLen) {
            return; // the mask is not changing: the kernel leaves the address alone (ip_sioctl_netmask)
        }
        Instance host = i;
        boolean in = inKernel(host.phyint, l);
        if (in) {
            platform().removeAddress(placement(host, l));
        }
        l.keepBroadcast();
        l.prefixLen = prefixLen;
        if (in) {
            platform().addAddress(placement(host, l));
        }
        engine.detection.updateProbing(host.phyint);
    }

    /**
     * A boot configuration replayed on a reattached NIC names an address that failed over from it:
     * it comes back (fails back) instead of being created twice.
     */
    private boolean reclaim(Instance i, int unit, InetAddress a) {
        for (Phyint q : membership().phyints.values()) {
            Instance qi = q.instance(i.family);
            if (qi == null || q == i.phyint) {
                continue;
            }
            LogicalIf l = qi.find(a);
            if (l == null || !i.phyint.name.equals(l.homeIf)) {
                continue;
            }
            LogicalIf current = i.lifs.get(unit);
            int target = current == null || !current.hasAddress() || current.placeholder ? unit : i.nextFreeUnit();
            engine.placement.move(l, qi, i, target, membership().groupOf(q), MoveReason.FAILBACK);
            reclaimed++;
            engine.placement.recompute(membership().groupOf(q));
            return true;
        }
        return false;
    }

    /**
     * A data address may exist once on the host. A test address may repeat (the kernel allows the
     * same address on two interfaces; in a group the duplicate's probing is disabled).
     */
    void checkUnused(InetAddress a, String where, boolean testAddress) throws AdminException {
        if (Addresses.isUnspecified(a) || Addresses.isLinkLocal(a)) {
            return;
        }
        for (IpmpInterface ipmp : engine.ipmp.byName.values()) {
            LogicalIf l = ipmp.find(a);
            if (l != null) {
                throw new AdminException("ifconfig: " + where + ": address " + Addresses.format(a)
                        + " is already configured on " + lifName(ipmp.name, l.unit));
            }
        }
        for (Phyint q : membership().phyints.values()) {
            for (Instance qi : q.instances()) {
                LogicalIf l = qi.find(a);
                if (l != null && !(testAddress && l.isNoFailover())) {
                    throw new AdminException("ifconfig: " + where + ": address " + Addresses.format(a)
                            + " is already configured on " + lifName(q.name, l.unit));
                }
            }
        }
    }

    /**
     * ifconfig IF addif ADDR ...: creates the next logical interface. On a FAILED, INACTIVE or
     * OFFLINE member the address is created on a working member of the group instead (on IF
     * itself when no member works); the name actually created is returned ("ce0:2").
     */
    String addif(String name, Family f, Engine.NewAddress spec) throws AdminException {
        Instance i = membership().requireInstance(name, f,
                "ifconfig: addif: SIOCLIFADDIF: " + name + ": no such interface");
        Phyint p = i.phyint;
        Group g = membership().groupOf(p);
        IpmpInterface ipmp = engine.ipmp.ofGroup(g);
        if (ipmp != null && !spec.noFailover()) {
            // New IPMP: a member holds no data address; the group's IPMP interface takes it.
            if (!ipmp.plumbed(f)) {
                throw new AdminException("ifconfig: addif: " + name + ": data addresses of group " + g.name
                        + " belong on its IPMP interface " + ipmp.name + ", which is not plumbed for " + f.label);
            }
            return engine.ipmp.addif(ipmp.name, f, spec);
        }
        Instance target = i;
        boolean unusable = p.failed() || p.inactive || p.offline();
        if (g != null && unusable) {
            if (spec.noFailover()) {
                throw new AdminException("ifconfig: can't set -failover on failed/standby/offlined interface " + name);
            }
            // No member can host it now (every member down, as at a boot with the switch off):
            // the address stays on IF, in the model and in the kernel, and placement moves it to
            // the first member that becomes usable (seed 003: booted failed = booted present).
            Phyint best = engine.placement.redirectNewAddress(g, p, f);
            if (best != null) {
                target = best.instance(f);
            }
        }
        // Replaying a boot file on a reattached NIC: the address is already ours somewhere.
        for (Phyint q : membership().phyints.values()) {
            Instance qi = q.instance(f);
            LogicalIf mine = qi == null ? null : qi.find(spec.address());
            if (mine != null && name.equals(mine.homeIf)) {
                if (q != p) {
                    reclaim(i, i.nextFreeUnit(), spec.address());
                }
                return lifName(name, i.find(spec.address()).unit);
            }
        }
        checkUnused(spec.address(), "addif", spec.noFailover());
        if (spec.up() && target.phyint.present) {
            platform().interfaceUp(target.phyint.name);
        }
        int unit = target.nextFreeUnit();
        long flags = (spec.up() ? Flags.UP : 0) | (spec.deprecated() ? Flags.DEPRECATED : 0)
                | (spec.noFailover() ? Flags.NOFAILOVER : 0);
        LogicalIf l = new LogicalIf(unit, spec.address(), spec.prefixLen(), flags, target.phyint.name, nextSerial());
        target.lifs.put(unit, l);
        if (inKernel(target.phyint, l)) {
            platform().addAddress(placement(target, l));
        }
        afterAddressChange(target.phyint);
        return lifName(target.phyint.name, unit);
    }

    /**
     * ifconfig IF removeif ADDR: removes the address from the member of IF's group that holds it
     * (only from IF itself when IF is in no group).
     */
    void removeif(String name, Family f, InetAddress a) throws AdminException {
        Instance i = membership().requireInstance(name, f,
                "ifconfig: removeif: SIOCLIFREMOVEIF: " + name + ": no such interface");
        Instance host = null;
        LogicalIf l = i.find(a);
        if (l != null) {
            host = i;
        } else {
            Group g = membership().groupOf(i.phyint);
            if (g != null) {
                for (Phyint q : g.members) {
                    Instance qi = q.instance(f);
                    if (qi != null && qi.find(a) != null) {
                        host = qi;
                        l = qi.find(a);
                        break;
                    }
                }
            }
        }
        if (l == null || l.placeholder) {
            throw new AdminException("ifconfig: removeif: SIOCLIFREMOVEIF: " + name
                    + ": Cannot assign requested address");
        }
        if (l.unit == 0) {
            throw new AdminException("ifconfig: removeif: SIOCLIFREMOVEIF: " + name + ": Invalid argument");
        }
        if (inKernel(host.phyint, l)) {
            platform().removeAddress(placement(host, l));
        }
        host.lifs.remove(l.unit);
        afterAddressChange(host.phyint);
    }

    private Instance plumbed(String name, Family f) throws AdminException {
        Phyint p = membership().requirePhyint(name, "ifconfig: " + name + ": no such interface");
        if (p.instance(f) == null) {
            engine.plumb(name, f);
        }
        return p.instance(f);
    }

    /** Adds a data address that belongs to {@code home}, hosted by another member while home cannot carry it. */
    void addDataAddress(String home, InetAddress a, int prefixLen) throws AdminException {
        Family f = Family.of(a);
        Instance i = plumbed(home, f);
        checkUnused(a, home, false);
        int unit = i.unitFree(0) && !i.lifs.get(0).hasAddress() && f == Family.INET ? 0 : i.nextFreeUnit();
        LogicalIf l = new LogicalIf(unit, a, prefixLen, Flags.UP, home, nextSerial());
        i.lifs.put(unit, l);
        if (inKernel(i.phyint, l)) {
            platform().addAddress(placement(i, l));
        }
        afterAddressChange(i.phyint);
    }

    /** Removes a data address wherever the host holds it. */
    void removeDataAddress(InetAddress a) throws AdminException {
        for (Phyint q : membership().phyints.values()) {
            for (Instance qi : q.instances()) {
                LogicalIf l = qi.find(a);
                if (l == null || !l.isData()) {
                    continue;
                }
                if (inKernel(q, l)) {
                    platform().removeAddress(placement(qi, l));
                }
                if (l.unit == 0) {
                    l.address = Addresses.ANY4;
                    l.broadcast = null;
                    l.prefixLen = 8;
                } else {
                    qi.lifs.remove(l.unit);
                }
                afterAddressChange(q);
                return;
            }
        }
        throw new AdminException("address " + Addresses.format(a) + " is not a data address here");
    }

    /** Gives a member a test address: IPv4 a DEPRECATED NOFAILOVER address, IPv6 its link-local one. */
    void addTestAddress(String member, Family f, InetAddress a, int prefixLen) throws AdminException {
        plumbed(member, f);
        if (f == Family.INET6) {
            engine.setLifFlag(member, 0, f, Flags.NOFAILOVER, true);
            engine.setLifFlag(member, 0, f, Flags.UP, true);
            return;
        }
        engine.addif(member, f, new Engine.NewAddress(a, prefixLen, true, true, true));
    }

    /** Removes a member's test address of one family (probing on that family stops). */
    void removeTestAddress(String member, Family f) throws AdminException {
        Instance i = membership().requireInstance(member, f, "ifconfig: " + member + ": no such interface");
        LogicalIf t = i.testLif();
        if (t == null) {
            return;
        }
        if (f == Family.INET6 || t.unit == 0) {
            if (f == Family.INET) {
                engine.setAddress(member, 0, f, Addresses.ANY4, 8);
            }
            engine.setLifFlag(member, 0, f, Flags.NOFAILOVER, false);
            engine.setLifFlag(member, 0, f, Flags.DEPRECATED, false);
            return;
        }
        engine.removeif(member, f, t.address);
    }

    /** Sets or clears UP, DEPRECATED or NOFAILOVER on a logical interface. */
    void setLifFlag(String name, int unit, Family f, long flag, boolean on) throws AdminException {
        Instance i = membership().requireInstance(name, f, "ifconfig: " + name + ": no such interface");
        LogicalIf l = locate(i, unit);
        Instance host = i;
        Phyint p = host.phyint;
        if (flag == Flags.NOFAILOVER && on && p.group != null && (p.failed() || p.inactive || p.offline())
                && !l.isNoFailover()) {
            throw new AdminException("ifconfig: can't set -failover on failed/standby/offlined interface " + name);
        }
        if (flag == Flags.UP && on && p.present) {
            platform().interfaceUp(p.name);
        }
        boolean wasIn = inKernel(p, l);
        AddressPlacement before = wasIn ? placement(host, l) : null;
        l.flags = on ? l.flags | flag : l.flags & ~flag;
        if (flag == Flags.NOFAILOVER && engine.ipmp.underIpmp(p)) {
            // Under an IPMP interface the kernel keeps test addresses DEPRECATED (and clears it with -failover undone).
            l.flags = on ? l.flags | Flags.DEPRECATED : l.flags & ~Flags.DEPRECATED;
        }
        boolean isIn = inKernel(p, l);
        if (wasIn && !isIn) {
            platform().removeAddress(before);
        } else if (!wasIn && isIn) {
            platform().addAddress(placement(host, l));
        } else if (wasIn && flag == Flags.NOFAILOVER) {
            platform().removeAddress(before);
            platform().addAddress(placement(host, l));
        }
        afterAddressChange(p);
    }

    /**
     * The kernel set the link administratively up or down (ip link set IF down|up): on Linux that
     * is the NIC's one IFF_UP, so unit 0 follows it as ifconfig IF down / up would, and ipmpstat and
     * ifconfig never show UP for a link the kernel holds down. Only what a down took away is restored.
     */
    void kernelAdminState(String name, boolean up) {
        Phyint p = membership().phyints.get(name);
        if (p == null || !p.present || up != p.downByKernel) {
            return;
        }
        for (Instance i : p.instances()) {
            LogicalIf unit0 = i.lifs.get(0);
            if (unit0 == null || unit0.placeholder || unit0.isUp() == up) {
                continue;
            }
            try {
                setLifFlag(name, 0, i.family, Flags.UP, up);
                p.downByKernel = !up;
            } catch (AdminException e) {
                engine.log(e.getMessage());
            }
        }
        if (up) {
            p.downByKernel = false;
        }
    }

    private static LogicalIf locate(Instance i, int unit) throws AdminException {
        LogicalIf l = i.lifs.get(unit);
        if (l == null) {
            throw new AdminException("ifconfig: " + lifName(i.phyint.name, unit) + ": no such interface");
        }
        return l;
    }

    private void afterAddressChange(Phyint p) {
        engine.detection.updateProbing(p);
        Group g = membership().groupOf(p);
        if (g != null) {
            engine.placement.reconcile(g);
        }
    }
}
