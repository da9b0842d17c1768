/**
 * Linux platform layer of ipmpd: the kernel interfaces an IP multipathing daemon needs, and nothing
 * else.
 *
 * <ul>
 * <li>{@link ipmpd.linux.LibC}: direct-mapped libc calls; failures become
 *     {@link ipmpd.linux.NativeIOException} (errno + strerror).
 * <li>{@link ipmpd.linux.NetNs}: run work on a thread inside a named network namespace.
 * <li>{@link ipmpd.linux.Rtnetlink} (requests) and {@link ipmpd.linux.RtnetlinkMonitor} (events):
 *     links, addresses, routes, policy rules, decoded into immutable records.
 * <li>{@link ipmpd.linux.IcmpProbeSocket}: kernel-timestamped ICMP / ICMPv6 echo probes pinned to
 *     one member.
 * <li>{@link ipmpd.linux.Announcer}: gratuitous ARP and unsolicited neighbour advertisements.
 * <li>{@link ipmpd.linux.MemberSysctls}: the per-member sysctls failover depends on.
 * </ul>
 *
 * Every socket belongs to the network namespace of the thread that created it; once created it
 * can be used from any thread. Assumes LP64 Linux (x86_64, aarch64) and root or CAP_NET_ADMIN +
 * CAP_NET_RAW.
 */
package ipmpd.linux;
