package ipmpd.agent.snmp;

import ipmpd.engine.Addresses;
import org.snmp4j.smi.UdpAddress;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The SNMP keys of agent.conf (documented in conf/ipmpd/agent.conf):
 * <pre>
 * snmp.listen=udp:ADDRESS/PORT[,udp:ADDRESS/PORT...]   no default: the standalone SNMP agent runs only when set
 * snmp.agentx=/var/agentx/master | tcp:HOST:PORT        no default: serve IPMP-MIB as an AgentX subagent of that master
 * snmp.users=FILE              SNMPv3 users (default snmp-users in the configuration directory)
 * snmp.allow-md5=no            yes: users of the users file may authenticate with HMAC-MD5
 * snmp.community=NAME          read-only SNMPv1/v2c community; v1 and v2c are off without it
 * snmp.trap.NAME=udp:ADDRESS/PORT v3 USER [trap|inform]
 * snmp.trap.NAME=udp:ADDRESS/PORT v2c COMMUNITY [trap|inform]
 * snmp.workers=4               threads answering requests
 * snmp.request-timeout=5000    ms a request may wait for the engine before it fails
 * snmp.inform-timeout=1500     ms before an unacknowledged inform is sent again
 * snmp.inform-retries=2
 * snmp.sysname=TEXT            sysName (default the host name); set here, it is read-only
 * snmp.syscontact=TEXT         sysContact (default empty); set here, it is read-only
 * snmp.syslocation=TEXT        sysLocation (default empty); set here, it is read-only
 * snmp.authtrapenable=1|2      snmpEnableAuthenTraps (default 2, disabled); set here, it is read-only
 * </pre>
 */
public record SnmpSettings(List<UdpAddress> listen, ipmpd.agent.snmp.agentx.AgentXAddress agentx, Path usersFile,
                           boolean allowMd5, String community, List<TrapDestination> traps,
                           int workers, int requestTimeoutMs, int informTimeoutMs, int informRetries,
                           String sysName, String sysContact, String sysLocation, Boolean authTraps) {
    public static final String LISTEN = "snmp.listen";
    public static final String AGENTX = "snmp.agentx";
    public static final String USERS = "snmp.users";
    public static final String ALLOW_MD5 = "snmp.allow-md5";
    public static final String COMMUNITY = "snmp.community";
    public static final String TRAP_PREFIX = "snmp.trap.";
    public static final String WORKERS = "snmp.workers";
    public static final String REQUEST_TIMEOUT = "snmp.request-timeout";
    public static final String INFORM_TIMEOUT = "snmp.inform-timeout";
    public static final String INFORM_RETRIES = "snmp.inform-retries";
    public static final String SYS_NAME = "snmp.sysname";
    public static final String SYS_CONTACT = "snmp.syscontact";
    public static final String SYS_LOCATION = "snmp.syslocation";
    public static final String AUTH_TRAPS = "snmp.authtrapenable";
    /** The fixed keys; trap destinations are {@code snmp.trap.NAME} (see {@link #isKnownKey}). */
    public static final Set<String> KEYS = Set.of(LISTEN, AGENTX, USERS, ALLOW_MD5, COMMUNITY, WORKERS, REQUEST_TIMEOUT,
            INFORM_TIMEOUT, INFORM_RETRIES, SYS_NAME, SYS_CONTACT, SYS_LOCATION, AUTH_TRAPS);
    public static final String DEFAULT_USERS_FILE = "snmp-users";

    /** One notification destination. */
    public record TrapDestination(String name, UdpAddress address, boolean v3, String securityName, boolean inform) {
    }

    /** A bad SNMP setting in agent.conf. */
    public static final class SettingsException extends Exception {
        public SettingsException(String message) {
            super(message);
        }
    }

    /** Whether agent.conf may hold this key for the SNMP face. */
    public static boolean isKnownKey(String key) {
        return KEYS.contains(key) || (key.startsWith(TRAP_PREFIX) && validName(key.substring(TRAP_PREFIX.length())));
    }

    private static boolean validName(String n) {
        return !n.isEmpty() && n.length() <= 24 && n.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-'
                || c == '_');
    }

    /** Whether any SNMP face runs: the standalone agent, the AgentX subagent, or both. */
    public boolean enabled() {
        return !listen.isEmpty() || agentx != null;
    }

    /**
     * Reads the SNMP keys of agent.conf's settings (other keys are ignored).
     *
     * @param configDir relative paths are resolved against it
     */
    public static SnmpSettings parse(Map<String, String> settings, Path configDir) throws SettingsException {
        List<UdpAddress> listen = new ArrayList<>();
        String l = settings.get(LISTEN);
        if (l != null && !l.isBlank()) {
            for (String part : l.split("[,\\s]+")) {
                if (!part.isBlank()) {
                    listen.add(udp(LISTEN, part));
                }
            }
        }
        ipmpd.agent.snmp.agentx.AgentXAddress agentx = null;
        String x = settings.get(AGENTX);
        if (x != null && !x.isBlank()) {
            try {
                agentx = ipmpd.agent.snmp.agentx.AgentXAddress.parse(x);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(AGENTX + ": " + e.getMessage());
            }
        }
        Path users = configDir.resolve(settings.getOrDefault(USERS, DEFAULT_USERS_FILE).strip());
        String md5 = settings.getOrDefault(ALLOW_MD5, "no").strip().toLowerCase(Locale.ROOT);
        if (!md5.equals("yes") && !md5.equals("no")) {
            throw new SettingsException(ALLOW_MD5 + ": yes or no, not " + settings.get(ALLOW_MD5));
        }
        String community = settings.get(COMMUNITY);
        if (community != null && community.isBlank()) {
            community = null;
        }
        List<TrapDestination> traps = new ArrayList<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (!e.getKey().startsWith(TRAP_PREFIX)) {
                continue;
            }
            String name = e.getKey().substring(TRAP_PREFIX.length());
            if (!validName(name)) {
                throw new SettingsException(e.getKey() + ": the destination name may have letters, digits, - and _");
            }
            String[] w = e.getValue().strip().split("\\s+");
            if (w.length < 3 || w.length > 4) {
                throw new SettingsException(e.getKey() + ": expected udp:ADDRESS/PORT v3|v2c USER|COMMUNITY [trap|inform]");
            }
            UdpAddress a = udp(e.getKey(), w[0]);
            String version = w[1].toLowerCase(Locale.ROOT);
            if (!version.equals("v3") && !version.equals("v2c")) {
                throw new SettingsException(e.getKey() + ": version must be v3 or v2c, not " + w[1]);
            }
            boolean inform = false;
            if (w.length == 4) {
                String t = w[3].toLowerCase(Locale.ROOT);
                if (!t.equals("trap") && !t.equals("inform")) {
                    throw new SettingsException(e.getKey() + ": trap or inform, not " + w[3]);
                }
                inform = t.equals("inform");
            }
            traps.add(new TrapDestination(name, a, version.equals("v3"), w[2], inform));
        }
        Boolean authTraps = null;
        String at = settings.get(AUTH_TRAPS);
        if (at != null && !at.isBlank()) {
            authTraps = switch (at.strip().toLowerCase(Locale.ROOT)) {
                case "1", "enabled", "yes" -> Boolean.TRUE;
                case "2", "disabled", "no" -> Boolean.FALSE;
                default -> throw new SettingsException(AUTH_TRAPS + ": 1 (enabled) or 2 (disabled), not " + at.strip());
            };
        }
        return new SnmpSettings(List.copyOf(listen), agentx, users, md5.equals("yes"), community, List.copyOf(traps),
                number(settings, WORKERS, 4, 1, 64), number(settings, REQUEST_TIMEOUT, 5000, 100, 300_000),
                number(settings, INFORM_TIMEOUT, 1500, 10, 60_000), number(settings, INFORM_RETRIES, 2, 0, 10),
                displayString(settings, SYS_NAME), displayString(settings, SYS_CONTACT),
                displayString(settings, SYS_LOCATION), authTraps);
    }

    /** A DisplayString value (printable ASCII, at most 255 characters), or null when not set. */
    private static String displayString(Map<String, String> s, String key) throws SettingsException {
        String v = s.get(key);
        if (v == null) {
            return null;
        }
        v = v.strip();
        if (v.length() > 255) {
            throw new SettingsException(key + ": at most 255 characters (DisplayString)");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new SettingsException(key + ": printable ASCII only (DisplayString)");
            }
        }
        return v;
    }

    private static int number(Map<String, String> s, String key, int def, int min, int max) throws SettingsException {
        String v = s.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) {
                throw new SettingsException(key + ": " + n + " is not in " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new SettingsException(key + ": not a number: " + v);
        }
    }

    /** {@code udp:ADDRESS/PORT} (also {@code udp:[ADDRESS]/PORT} and without {@code udp:}); literal addresses only. */
    static UdpAddress udp(String key, String text) throws SettingsException {
        String t = text.strip();
        if (t.regionMatches(true, 0, "udp:", 0, 4)) {
            t = t.substring(4);
        } else if (t.toLowerCase(Locale.ROOT).matches("(tcp|tls|dtls|udp6|tcp6):.*")) {
            throw new SettingsException(key + ": only udp transports are supported: " + text);
        }
        int slash = t.lastIndexOf('/');
        if (slash <= 0) {
            throw new SettingsException(key + ": expected udp:ADDRESS/PORT, not " + text);
        }
        String host = t.substring(0, slash);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new SettingsException(key + ": bad port in " + text);
        }
        if (port < 0 || port > 65535) {
            throw new SettingsException(key + ": bad port in " + text);
        }
        InetAddress a = Addresses.parse(host).orElseThrow(
                () -> new SettingsException(key + ": not an IP address: " + text));
        return new UdpAddress(a, port);
    }
}
