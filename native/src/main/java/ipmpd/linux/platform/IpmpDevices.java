package ipmpd.linux.platform;

import ipmpd.linux.Errno;
import ipmpd.linux.Interfaces;
import ipmpd.linux.LinkInfo;
import ipmpd.linux.NativeIOException;
import ipmpd.linux.Rtnetlink;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The network devices of IPMP interfaces (new IPMP): one virtual device per IPMP interface, named
 * like it, that holds the group's data addresses. A {@code dummy} device where the kernel has the
 * driver (NOARP, always carrier), else an {@code ifb} device; both carry no traffic of their own.
 * A device of either kind already there under the name (left by an earlier run) is taken over;
 * anything else under the name is refused and never deleted. The devices carry the alias
 * {@link #ALIAS}, so a later run recognises those an earlier one left ({@link #removeOrphans}).
 * Engine thread only; failures are logged once per distinct message.
 */
final class IpmpDevices {
    /** The kinds tried, in order. */
    static final List<String> KINDS = List.of("dummy", "ifb");
    private static final Set<String> OURS = Set.copyOf(KINDS);
    /** IFLA_IFALIAS of the devices (shown by {@code ip link}). */
    static final String ALIAS = "ipmpd IPMP interface";
    private final Rtnetlink rt;
    private final Consumer<String> log;
    private final Map<String, String> reported = new HashMap<>();
    /** The first kind the kernel accepted (null until a device was created). */
    private String kind;

    IpmpDevices(Rtnetlink rt, Consumer<String> log) {
        this.rt = rt;
        this.log = log;
    }

    /**
     * Makes the device of IPMP interface {@code name} exist and be up.
     *
     * @param restoring whether it existed before (logged as restored when it had to be created)
     * @return whether the device is there and up
     */
    boolean ensure(String name, boolean restoring) {
        try {
            Optional<LinkInfo> link = link(name);
            if (link.isEmpty()) {
                create(name);
                log.accept((restoring ? "Restored" : "Created") + " device " + name + " (" + kind
                        + ") of IPMP interface " + name);
                link = link(name);
                if (link.isEmpty()) {
                    return false;
                }
                rt.setLinkAlias(link.get().index(), ALIAS);
            } else if (!restoring && OURS.contains(link.get().kind())) {
                rt.setLinkAlias(link.get().index(), ALIAS); // taken over
            } else if (!OURS.contains(link.get().kind())) {
                report(name, "Cannot use " + name + " as IPMP interface: a device of kind "
                        + (link.get().kind() == null ? "unknown" : link.get().kind()) + " has that name");
                return false;
            }
            if (!link.get().isUp()) {
                rt.setLinkUp(link.get().index(), true);
            }
            reported.remove(name);
            return true;
        } catch (IOException e) {
            report(name, "Cannot create device " + name + " of IPMP interface " + name + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * The kind of the device named {@code name} if it is one this class would not create or take
     * over (a NIC, a veth, a bridge: "hardware" for a plain one), null if there is none or it is
     * a dummy or ifb device.
     */
    String foreignKind(String name) {
        try {
            Optional<LinkInfo> link = link(name);
            if (link.isEmpty() || OURS.contains(link.get().kind())) {
                return null;
            }
            return link.get().kind() == null ? "hardware" : link.get().kind();
        } catch (IOException e) {
            return null; // ensure() reports what is wrong
        }
    }

    private void create(String name) throws IOException {
        IOException last = null;
        for (String k : kind != null ? List.of(kind) : KINDS) {
            try {
                rt.createLink(name, k);
                kind = k;
                return;
            } catch (NativeIOException e) {
                if (e.errno() == Errno.EEXIST) {
                    return; // created meanwhile
                }
                last = e; // EOPNOTSUPP: no such driver here, try the next kind
            }
        }
        throw last;
    }

    /** Deletes the device of an IPMP interface (only a device of a kind this class creates). */
    void delete(String name) {
        try {
            Optional<LinkInfo> link = link(name);
            if (link.isEmpty() || !OURS.contains(link.get().kind())) {
                return;
            }
            rt.deleteLink(link.get().index());
            log.accept("Deleted device " + name + " of IPMP interface " + name);
        } catch (IOException e) {
            log.accept("Cannot delete device " + name + " of IPMP interface " + name + ": " + e.getMessage());
        }
        reported.remove(name);
    }

    /**
     * Deletes the devices an earlier run created (alias {@link #ALIAS}, a kind of ours) whose
     * names are not in {@code keep} (start-up, once the configuration is applied).
     *
     * @return the names of the devices deleted
     */
    List<String> removeOrphans(Set<String> keep) {
        List<String> removed = new java.util.ArrayList<>();
        try {
            for (ipmpd.linux.LinkStatistics l : rt.dumpLinkStatistics()) {
                if (ALIAS.equals(l.alias()) && OURS.contains(l.kind()) && !keep.contains(l.name())) {
                    try {
                        rt.deleteLink(l.index());
                        removed.add(l.name());
                        log.accept("Removed device " + l.name() + ": IPMP interface of an earlier run of ipmpd,"
                                + " not in the configuration now");
                    } catch (IOException e) {
                        log.accept("Cannot remove device " + l.name() + " (IPMP interface of an earlier run): "
                                + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            log.accept("Cannot read the links to remove IPMP interfaces of an earlier run: " + e.getMessage());
        }
        return removed;
    }

    private Optional<LinkInfo> link(String name) throws IOException {
        int index;
        try {
            index = Interfaces.index(name);
        } catch (NativeIOException e) {
            return Optional.empty();
        }
        return rt.getLink(index);
    }

    private void report(String key, String text) {
        if (!text.equals(reported.put(key, text))) {
            log.accept(text);
        }
    }
}
