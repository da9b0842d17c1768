package ipmpd.engine;

import java.net.InetAddress;

/**
 * One resolved probe, as ipmpstat -p prints it.
 *
 * @param sentAtNs engine clock when sent
 * @param netRttNs kernel receive time minus send time (-1 when lost)
 * @param rttNs time until the engine processed the reply (-1 when lost)
 * @param rttAvgNs the target's smoothed RTT after this probe (0 when unknown)
 * @param rttDevNs the target's RTT deviation after this probe (0 when unknown)
 */
public record ProbeEvent(long sentAtNs, String ifname, Family family, int id, boolean acked, long netRttNs,
                         long rttNs, long rttAvgNs, long rttDevNs, InetAddress target) {
}
