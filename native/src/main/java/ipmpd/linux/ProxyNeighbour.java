package ipmpd.linux;

import java.net.InetAddress;

/**
 * A proxy neighbour entry: interface {@code index} answers neighbour solicitations (IPv6, with
 * proxy_ndp) or ARP requests (IPv4, with proxy_arp) for {@code address}.
 *
 * @param protocol NDA_PROTOCOL: who made the entry (0 if unset)
 */
public record ProxyNeighbour(int index, InetAddress address, int protocol) {
}
