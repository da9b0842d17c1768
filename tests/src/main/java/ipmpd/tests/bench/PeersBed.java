package ipmpd.tests.bench;

import ipmpd.tests.testbed.BackgroundProcess;
import ipmpd.tests.testbed.IpBatch;
import ipmpd.tests.testbed.Netns;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The peers' common topology: a host with two members (m1, m2) cabled into one switch (a bridge
 * in its own namespace, ports s1, s2) and a client (192.0.2.100) on a third port. The same bed
 * serves bonding, teamd and ipmpd, so that every system sees the same cable pulls and path cuts.
 * A cable is pulled by setting its switch port down (the member loses carrier); a path is cut by
 * putting the switch port into the bridge's disabled state (the carrier stays up).
 */
final class PeersBed implements AutoCloseable {
    static final String CLIENT_ADDRESS = "192.0.2.100";
    static final String DATA_ADDRESS = "192.0.2.50";

    final String prefix;
    final String host;
    final String sw;
    final String client;
    private final List<BackgroundProcess> processes = new ArrayList<>();
    private IpBatch swLinks;
    private IpBatch swBridge;

    private PeersBed(String prefix) {
        this.prefix = prefix;
        this.host = prefix + "host";
        this.sw = prefix + "sw";
        this.client = prefix + "cli";
    }

    /** Builds the bed; with {@code stpForwardDelayCs} > 0 the switch runs STP with that forward delay. */
    static PeersBed create(int stpForwardDelayCs) {
        String prefix = String.format("pb%04x-", ThreadLocalRandom.current().nextInt(0x10000));
        PeersBed b = new PeersBed(prefix);
        try {
            b.build(stpForwardDelayCs);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    private void build(int stpForwardDelayCs) {
        for (String ns : List.of(host, sw, client)) {
            Netns.add(ns);
            Netns.exec(ns, "ip", "link", "set", "lo", "up");
        }
        Netns.exec(sw, "ip", "link", "add", "br0", "type", "bridge");
        if (stpForwardDelayCs > 0) {
            Netns.exec(sw, "ip", "link", "set", "br0", "type", "bridge", "stp_state", "1",
                    "forward_delay", String.valueOf(stpForwardDelayCs));
        }
        cable("m1", host, "s1");
        cable("m2", host, "s2");
        cable("c0", client, "sc");
        Netns.exec(sw, "ip", "link", "set", "br0", "up");
        Netns.exec(client, "ip", "addr", "add", CLIENT_ADDRESS + "/24", "dev", "c0");
        Netns.exec(client, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_broadcasts=0");
        swLinks = IpBatch.open(sw);
        swBridge = IpBatch.bridgeIn(sw);
    }

    private void cable(String inner, String innerNs, String port) {
        Netns.exec(sw, "ip", "link", "add", port, "type", "veth", "peer", "name", inner, "netns", innerNs);
        Netns.exec(sw, "ip", "link", "set", port, "master", "br0", "up");
        Netns.exec(innerNs, "ip", "link", "set", inner, "up");
    }

    /** Switch port of member m1 or m2. */
    static String port(String member) {
        return "s" + member.substring(1);
    }

    Instant pull(String member) {
        return swLinks.run("link set dev " + port(member) + " down");
    }

    Instant plug(String member) {
        return swLinks.run("link set dev " + port(member) + " up");
    }

    /** Cuts the path behind the member's port (bridge port disabled; carrier stays up). */
    Instant block(String member) {
        return swBridge.run("link set dev " + port(member) + " state 0");
    }

    Instant unblock(String member) {
        return swBridge.run("link set dev " + port(member) + " state 3");
    }

    /** The bridge port's STP state word (e.g. "forwarding", "listening"). */
    String portState(String member) {
        String out = Netns.exec(sw, "bridge", "link", "show", "dev", port(member));
        int i = out.indexOf(" state ");
        return i < 0 ? "?" : out.substring(i + 7).split("\\s+")[0];
    }

    BackgroundProcess start(String ns, String... cmd) {
        BackgroundProcess p = Netns.start(ns, cmd);
        processes.add(p);
        return p;
    }

    String mac(String member) {
        return Netns.exec(host, "cat", "/sys/class/net/" + member + "/address").strip();
    }

    @Override
    public void close() {
        for (BackgroundProcess p : processes) {
            p.close();
        }
        if (swLinks != null) {
            swLinks.close();
        }
        if (swBridge != null) {
            swBridge.close();
        }
        for (String ns : List.of(host, sw, client)) {
            Netns.delete(ns);
        }
    }
}
