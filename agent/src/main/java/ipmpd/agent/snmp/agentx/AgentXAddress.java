package ipmpd.agent.snmp.agentx;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Where the AgentX master listens, as agent.conf's {@code snmp.agentx} names it: an absolute path
 * (optionally {@code unix:PATH}) for a Unix domain socket such as net-snmp's /var/agentx/master, or
 * {@code tcp:HOST:PORT} ({@code tcp:[ADDRESS]:PORT} for IPv6), as snmpd's agentXSocket writes them.
 */
public record AgentXAddress(Path unixPath, String host, int port) {
    public static AgentXAddress parse(String text) throws IllegalArgumentException {
        String t = text.strip();
        if (t.startsWith("unix:")) {
            t = t.substring(5);
        }
        if (t.startsWith("/")) {
            return new AgentXAddress(Path.of(t), null, 0);
        }
        if (t.startsWith("tcp:")) {
            String rest = t.substring(4);
            int colon = rest.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected tcp:HOST:PORT, not " + text);
            }
            String host = rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in " + text);
            }
            if (port < 1 || port > 65535 || host.isEmpty()) {
                throw new IllegalArgumentException("bad host or port in " + text);
            }
            return new AgentXAddress(null, host, port);
        }
        throw new IllegalArgumentException("expected an absolute socket path or tcp:HOST:PORT, not " + text);
    }

    /** Connects (blocking). */
    SocketChannel connect() throws IOException {
        SocketAddress a = unixPath != null ? UnixDomainSocketAddress.of(unixPath) : new InetSocketAddress(host, port);
        SocketChannel c = SocketChannel.open(unixPath != null ? StandardProtocolFamily.UNIX
                : ((InetSocketAddress) a).getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET);
        try {
            c.connect(a);
            if (unixPath == null) {
                c.socket().setTcpNoDelay(true);
            }
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return unixPath != null ? unixPath.toString() : "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
