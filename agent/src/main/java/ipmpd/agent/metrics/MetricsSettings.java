package ipmpd.agent.metrics;

import ipmpd.engine.Addresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The metrics key of agent.conf (documented in conf/ipmpd/agent.conf):
 * <pre>
 * metrics.listen=ADDRESS:PORT    or [IPV6-ADDRESS]:PORT; no default: the endpoint is off unless set
 * </pre>
 * Literal addresses only (no name lookups at start-up); port 0 takes any free port.
 */
public record MetricsSettings(InetSocketAddress listen) {
    public static final String LISTEN = "metrics.listen";
    /** Every key this face reads (for ConfigDirectory.AgentConf.KNOWN_KEYS). */
    public static final Set<String> KEYS = Set.of(LISTEN);

    /** A bad value in agent.conf. */
    public static final class SettingsException extends Exception {
        public SettingsException(String message) {
            super(message);
        }
    }

    /** The settings, or empty when metrics.listen is not set (the endpoint is off). */
    public static Optional<MetricsSettings> parse(Map<String, String> conf) throws SettingsException {
        String v = conf.get(LISTEN);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new MetricsSettings(parseListen(v.strip())));
    }

    static InetSocketAddress parseListen(String v) throws SettingsException {
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0 || close + 1 >= v.length() || v.charAt(close + 1) != ':') {
                throw new SettingsException(LISTEN + ": expected [IPV6-ADDRESS]:PORT, not " + v);
            }
            host = v.substring(1, close);
            port = v.substring(close + 2);
            if (!host.contains(":")) {
                throw new SettingsException(LISTEN + ": " + host + " in brackets is not an IPv6 address");
            }
        } else {
            int colon = v.lastIndexOf(':');
            if (colon < 0) {
                throw new SettingsException(LISTEN + ": expected ADDRESS:PORT, not " + v);
            }
            if (v.indexOf(':') != colon) {
                throw new SettingsException(LISTEN + ": an IPv6 address goes in brackets: [ADDRESS]:PORT, not " + v);
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
        }
        InetAddress address = Addresses.parse(host).orElseThrow(() ->
                new SettingsException(LISTEN + ": " + (host.isEmpty() ? "no address" : host + " is not an IP address")
                        + " (e.g. 127.0.0.1:9830 or [::]:9830)"));
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535 || !port.matches("\\d+")) {
            throw new SettingsException(LISTEN + ": bad port " + (port.isEmpty() ? "(none)" : port)
                    + " (0 to 65535)");
        }
        return new InetSocketAddress(address, p);
    }
}
