package ipmpd.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets the per-interface sysctls that IP failover on Linux depends on (see linux-notes.md):
 * <ul>
 * <li>ipv4 arp_ignore=1, arp_announce=2: only the member holding an address answers ARP for it and
 *     ARP requests carry a source of the sending member (no ARP flux);
 * <li>ipv4 and ipv6 ignore_routes_with_linkdown=1: a dead member's connected route is not used;
 * <li>ipv4 rp_filter=2 (loose): strict mode drops probe replies because several members carry the
 *     same prefix; 2 rather than 0 because the kernel uses max(all, interface);
 * <li>ipv4 promote_secondaries=1: deleting a primary address must not delete the secondaries,
 *     data addresses included.
 * </ul>
 * Values are written under /proc/sys/net, which procfs resolves against the network namespace of
 * the calling thread, so this works both in a process started by {@code ip netns exec} and on a
 * {@link NetNs.Executor} thread (verified by MemberSysctlsKernelTest).
 */
public final class MemberSysctls {

    /** One value changed: {@code key} in sysctl dotted form, e.g. net.ipv4.conf.veth1.arp_ignore. */
    public record Change(String key, String oldValue, String newValue) {
        @Override
        public String toString() {
            return key + ": " + oldValue + " -> " + newValue;
        }
    }

    private record Setting(String family, String name, String value) {
    }

    private static final List<Setting> SETTINGS = List.of(
            new Setting("ipv4", "arp_ignore", "1"),
            new Setting("ipv4", "arp_announce", "2"),
            new Setting("ipv4", "ignore_routes_with_linkdown", "1"),
            new Setting("ipv4", "rp_filter", "2"),
            new Setting("ipv4", "promote_secondaries", "1"),
            new Setting("ipv6", "ignore_routes_with_linkdown", "1"));

    private final Path procSysNet;

    public MemberSysctls() {
        this(Path.of("/proc/sys/net"));
    }

    /** @param procSysNet root standing for /proc/sys/net (another directory in tests) */
    public MemberSysctls(Path procSysNet) {
        this.procSysNet = procSysNet;
    }

    /**
     * A member of a group with an IPMP interface (new IPMP) answers ARP and NS for addresses it
     * does not hold: the data addresses live on the IPMP interface.
     * <ul>
     * <li>ipv4 arp_ignore=0 (answer for any local address) with arp_filter=1 (only if the reply
     *     would leave through this member): the per-address policy rules then decide, so exactly
     *     the member an address's rule points at answers for it, test addresses included;
     * <li>ipv6 forwarding=1 and proxy_ndp=1: NS for a data address are answered from proxy
     *     neighbour entries ({@code ip -6 neigh add proxy ADDR dev MEMBER}), kept on the bound
     *     member only; per-interface forwarding only switches the interface to router behaviour,
     *     so accept_ra=2 keeps router advertisements accepted; proxy_delay=0 answers at once
     *     instead of after up to 0.8 s.
     * </ul>
     */
    private static final List<Setting> NEW_IPMP = List.of(
            new Setting("ipv4", "arp_ignore", "0"),
            new Setting("ipv4", "arp_filter", "1"),
            new Setting("ipv6", "forwarding", "1"),
            new Setting("ipv6", "proxy_ndp", "1"),
            new Setting("ipv6", "accept_ra", "2"));

    /**
     * Applies the settings of {@link #apply}, with those of a member of a group with an IPMP
     * interface in their place where they differ ({@link #NEW_IPMP}); reports what changed.
     */
    public List<Change> applyNewIpmp(String ifname) throws IOException {
        if (ifname.isEmpty() || ifname.contains("/") || ifname.equals(".") || ifname.equals("..")) {
            throw new IllegalArgumentException("bad interface name: " + ifname);
        }
        List<Setting> all = new ArrayList<>();
        for (Setting s : SETTINGS) {
            if (NEW_IPMP.stream().noneMatch(n -> n.family().equals(s.family()) && n.name().equals(s.name()))) {
                all.add(s);
            }
        }
        all.addAll(NEW_IPMP);
        List<Change> changes = new ArrayList<>();
        for (Setting s : all) {
            Path dir = procSysNet.resolve(s.family()).resolve("conf").resolve(ifname);
            if (s.family().equals("ipv6") && !Files.isDirectory(dir)) {
                continue;
            }
            write(dir.resolve(s.name()), "net." + s.family() + ".conf." + ifname + "." + s.name(), s.value(), changes);
        }
        Path delay = procSysNet.resolve("ipv6").resolve("neigh").resolve(ifname).resolve("proxy_delay");
        if (Files.isRegularFile(delay)) {
            write(delay, "net.ipv6.neigh." + ifname + ".proxy_delay", "0", changes);
        }
        return changes;
    }

    private static void write(Path file, String key, String value, List<Change> changes) throws IOException {
        String old = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!old.equals(value)) {
            Files.writeString(file, value + "\n", StandardCharsets.US_ASCII);
            changes.add(new Change(key, old, value));
        }
    }

    /** Host-wide settings: multipath routes pick the next hop by a layer-4 hash (per flow). */
    private static final List<String[]> HOST_WIDE = List.of(
            new String[] {"ipv4", "fib_multipath_hash_policy", "1"},
            new String[] {"ipv6", "fib_multipath_hash_policy", "1"});

    /**
     * Applies the namespace-wide settings outbound load spreading needs (multipath hash over
     * addresses and ports, so each TCP/UDP flow keeps one member and flows spread) and reports
     * what changed. A setting this kernel lacks is skipped.
     */
    public List<Change> applyHostWide() throws IOException {
        List<Change> changes = new ArrayList<>();
        for (String[] s : HOST_WIDE) {
            Path file = procSysNet.resolve(s[0]).resolve(s[1]);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            String old = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!old.equals(s[2])) {
                Files.writeString(file, s[2] + "\n", StandardCharsets.US_ASCII);
                changes.add(new Change("net." + s[0] + "." + s[1], old, s[2]));
            }
        }
        return changes;
    }

    /**
     * Applies {@link #apply} to a member of a classic group (no IPMP interface), with arp_filter=0
     * (where the kernel has it): a member that was in a group with an IPMP interface answers ARP
     * for its own addresses again whatever the route lookup from them says (with outbound load
     * spreading that lookup may name another member).
     */
    public List<Change> applyClassic(String ifname) throws IOException {
        List<Change> changes = apply(ifname);
        Path filter = procSysNet.resolve("ipv4").resolve("conf").resolve(ifname).resolve("arp_filter");
        if (Files.isRegularFile(filter)) {
            write(filter, "net.ipv4.conf." + ifname + ".arp_filter", "0", changes);
        }
        return changes;
    }

    /**
     * Applies the settings to one member and reports what changed (values already right are not
     * written). IPv6 settings are skipped when IPv6 is disabled on the interface (no conf dir).
     *
     * @throws java.nio.file.NoSuchFileException if the interface has no IPv4 configuration (does
     *         not exist in this namespace)
     */
    public List<Change> apply(String ifname) throws IOException {
        if (ifname.isEmpty() || ifname.contains("/") || ifname.equals(".") || ifname.equals("..")) {
            throw new IllegalArgumentException("bad interface name: " + ifname);
        }
        List<Change> changes = new ArrayList<>();
        for (Setting s : SETTINGS) {
            Path dir = procSysNet.resolve(s.family()).resolve("conf").resolve(ifname);
            if (s.family().equals("ipv6") && !Files.isDirectory(dir)) {
                continue;
            }
            Path file = dir.resolve(s.name());
            String old = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!old.equals(s.value())) {
                Files.writeString(file, s.value() + "\n", StandardCharsets.US_ASCII);
                changes.add(new Change("net." + s.family() + ".conf." + ifname + "." + s.name(), old, s.value()));
            }
        }
        return changes;
    }
}
