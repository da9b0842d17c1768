package ipmpd.agent.netconf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The NETCONF keys of agent.conf:
 * <pre>
 * netconf.enabled=yes|no              (default: yes when netconf.listen is set, else no)
 * netconf.listen=ADDRESS:PORT         (default [::]:830; "127.0.0.1:8830", "[::1]:830", "830")
 * netconf.users=PATH                  (default CONFIGDIR/netconf-users; see NetconfUsers)
 * netconf.host-key=PATH               (default CONFIGDIR/netconf-host-key; generated on first start, 0600)
 * netconf.yang-dir=PATH               (where ipmpd-ipmp.yang and its imports are; default: the yang/ directory
 *                                      of the installation, /usr/share/ipmpd/yang, then libyang's and yuma's)
 * netconf.max-sessions=N              (default 16)
 * netconf.max-sessions-per-user=N     (default 8)
 * netconf.reserved-write-sessions=N   (default 1: of max-sessions, kept for read-write users)
 * netconf.login-failure-delay=SECONDS (default 1: a failed password is answered after it)
 * netconf.login-failures-per-minute=N (default 10 per source address; beyond it passwords from there
 *                                      are refused unchecked until a minute has passed; 0 = no limit)
 * netconf.max-message-size=BYTES      (default 4194304; larger requests get too-big)
 * netconf.hello-timeout=SECONDS       (default 30)
 * netconf.idle-timeout=SECONDS        (default 3600; 0 = never; sessions with a subscription never idle out)
 * netconf.notification-queue=N        (default 10000 per session; beyond it notifications are dropped)
 * netconf.replay-history=N            (default 1000: notifications kept for replay; 0 = no replay)
 * </pre>
 * Relative paths are relative to the configuration directory.
 */
public record NetconfSettings(boolean enabled, String host, int port, Path users, Path hostKey, Path yangDir,
                              int maxSessions, int maxMessageSize, Duration helloTimeout, Duration idleTimeout,
                              int notificationQueue, int maxSessionsPerUser, int reservedWriteSessions,
                              Duration loginFailureDelay, int loginFailuresPerMinute, int replayHistory) {
    public static final String ENABLED = "netconf.enabled";
    public static final String LISTEN = "netconf.listen";
    public static final String USERS = "netconf.users";
    public static final String HOST_KEY = "netconf.host-key";
    public static final String YANG_DIR = "netconf.yang-dir";
    public static final String MAX_SESSIONS = "netconf.max-sessions";
    public static final String MAX_MESSAGE_SIZE = "netconf.max-message-size";
    public static final String HELLO_TIMEOUT = "netconf.hello-timeout";
    public static final String IDLE_TIMEOUT = "netconf.idle-timeout";
    public static final String NOTIFICATION_QUEUE = "netconf.notification-queue";
    public static final String MAX_SESSIONS_PER_USER = "netconf.max-sessions-per-user";
    public static final String RESERVED_WRITE_SESSIONS = "netconf.reserved-write-sessions";
    public static final String LOGIN_FAILURE_DELAY = "netconf.login-failure-delay";
    public static final String LOGIN_FAILURES_PER_MINUTE = "netconf.login-failures-per-minute";
    public static final String REPLAY_HISTORY = "netconf.replay-history";

    /** Every key this face reads (for ConfigDirectory.AgentConf.KNOWN_KEYS). */
    public static final Set<String> KEYS = Set.of(ENABLED, LISTEN, USERS, HOST_KEY, YANG_DIR, MAX_SESSIONS,
            MAX_MESSAGE_SIZE, HELLO_TIMEOUT, IDLE_TIMEOUT, NOTIFICATION_QUEUE, MAX_SESSIONS_PER_USER,
            RESERVED_WRITE_SESSIONS, LOGIN_FAILURE_DELAY, LOGIN_FAILURES_PER_MINUTE, REPLAY_HISTORY);

    public static final int DEFAULT_PORT = 830;

    /** A bad value in agent.conf. */
    public static final class SettingsException extends Exception {
        public SettingsException(String message) {
            super(message);
        }
    }

    /**
     * Reads the netconf.* keys of agent.conf (other keys are ignored).
     *
     * @param configDir the configuration directory (relative paths start there)
     */
    public static NetconfSettings parse(Map<String, String> conf, Path configDir) throws SettingsException {
        List<String> problems = new ArrayList<>();
        String listenSetting = conf.get(LISTEN);
        boolean enabled = bool(conf, ENABLED, listenSetting != null && !listenSetting.isBlank(), problems);
        String host = "::";
        int port = DEFAULT_PORT;
        String listen = conf.get(LISTEN);
        if (listen != null && !listen.isBlank()) {
            String l = listen.strip();
            String portText;
            if (l.startsWith("[")) {
                int close = l.indexOf(']');
                if (close < 0) {
                    problems.add(LISTEN + ": bad address " + l);
                    portText = null;
                } else {
                    host = l.substring(1, close);
                    portText = l.length() > close + 1 && l.charAt(close + 1) == ':' ? l.substring(close + 2) : null;
                }
            } else if (l.matches("\\d+")) {
                portText = l;
            } else {
                int colon = l.lastIndexOf(':');
                if (colon < 0 || l.indexOf(':') != colon) {
                    host = l;
                    portText = null;
                } else {
                    host = l.substring(0, colon);
                    portText = l.substring(colon + 1);
                }
            }
            if (portText != null) {
                try {
                    port = Integer.parseInt(portText);
                    if (port < 0 || port > 65535) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    problems.add(LISTEN + ": bad port " + portText);
                }
            }
        }
        Path users = path(conf, USERS, configDir, "netconf-users");
        Path hostKey = path(conf, HOST_KEY, configDir, "netconf-host-key");
        Path yang = conf.containsKey(YANG_DIR) ? path(conf, YANG_DIR, configDir, null) : null;
        int maxSessions = (int) num(conf, MAX_SESSIONS, 16, 1, 10_000, problems);
        int maxSize = (int) num(conf, MAX_MESSAGE_SIZE, 4 << 20, 4096, 1 << 30, problems);
        long hello = num(conf, HELLO_TIMEOUT, 30, 1, 3600, problems);
        long idle = num(conf, IDLE_TIMEOUT, 3600, 0, 365L * 86400, problems);
        int queue = (int) num(conf, NOTIFICATION_QUEUE, 10_000, 10, 10_000_000, problems);
        int perUser = (int) num(conf, MAX_SESSIONS_PER_USER, Math.min(8, maxSessions), 1, 10_000, problems);
        int reserved = (int) num(conf, RESERVED_WRITE_SESSIONS, 1, 0, 10_000, problems);
        if (reserved >= maxSessions) {
            problems.add(RESERVED_WRITE_SESSIONS + ": " + reserved + " leaves no session for read-only users ("
                    + MAX_SESSIONS + " is " + maxSessions + ")");
        }
        long delay = num(conf, LOGIN_FAILURE_DELAY, 1, 0, 60, problems);
        int failures = (int) num(conf, LOGIN_FAILURES_PER_MINUTE, 10, 0, 1_000_000, problems);
        int replay = (int) num(conf, REPLAY_HISTORY, 1000, 0, 1_000_000, problems);
        if (!problems.isEmpty()) {
            throw new SettingsException("agent.conf: " + String.join("; ", problems));
        }
        return new NetconfSettings(enabled, host, port, users, hostKey, yang, maxSessions, maxSize,
                Duration.ofSeconds(hello), Duration.ofSeconds(idle), queue, perUser, reserved,
                Duration.ofSeconds(delay), failures, replay);
    }

    /** Settings for a server on a given address and port (tests, embedding). */
    public static NetconfSettings of(String host, int port, Path configDir) {
        return new NetconfSettings(true, host, port, configDir.resolve("netconf-users"),
                configDir.resolve("netconf-host-key"), null, 16, 4 << 20, Duration.ofSeconds(30),
                Duration.ofSeconds(3600), 10_000, 8, 1, Duration.ofSeconds(1), 10, 1000);
    }

    public NetconfSettings withYangDir(Path dir) {
        return new NetconfSettings(enabled, host, port, users, hostKey, dir, maxSessions, maxMessageSize,
                helloTimeout, idleTimeout, notificationQueue, maxSessionsPerUser, reservedWriteSessions,
                loginFailureDelay, loginFailuresPerMinute, replayHistory);
    }

    public NetconfSettings withMaxMessageSize(int bytes) {
        return new NetconfSettings(enabled, host, port, users, hostKey, yangDir, maxSessions, bytes,
                helloTimeout, idleTimeout, notificationQueue, maxSessionsPerUser, reservedWriteSessions,
                loginFailureDelay, loginFailuresPerMinute, replayHistory);
    }

    /** The session limits: in all, per user, and kept for read-write users. */
    public NetconfSettings withSessionLimits(int max, int perUser, int reservedForWrite) {
        return new NetconfSettings(enabled, host, port, users, hostKey, yangDir, max, maxMessageSize,
                helloTimeout, idleTimeout, notificationQueue, perUser, reservedForWrite,
                loginFailureDelay, loginFailuresPerMinute, replayHistory);
    }

    public NetconfSettings withIdleTimeout(Duration idle) {
        return new NetconfSettings(enabled, host, port, users, hostKey, yangDir, maxSessions, maxMessageSize,
                helloTimeout, idle, notificationQueue, maxSessionsPerUser, reservedWriteSessions,
                loginFailureDelay, loginFailuresPerMinute, replayHistory);
    }

    public NetconfSettings withReplayHistory(int events) {
        return new NetconfSettings(enabled, host, port, users, hostKey, yangDir, maxSessions, maxMessageSize,
                helloTimeout, idleTimeout, notificationQueue, maxSessionsPerUser, reservedWriteSessions,
                loginFailureDelay, loginFailuresPerMinute, events);
    }

    public NetconfSettings withLoginLimits(Duration failureDelay, int failuresPerMinute) {
        return new NetconfSettings(enabled, host, port, users, hostKey, yangDir, maxSessions, maxMessageSize,
                helloTimeout, idleTimeout, notificationQueue, maxSessionsPerUser, reservedWriteSessions,
                failureDelay, failuresPerMinute, replayHistory);
    }

    private static boolean bool(Map<String, String> c, String key, boolean def, List<String> problems) {
        String v = c.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "yes", "true", "on", "1" -> {
                return true;
            }
            case "no", "false", "off", "0" -> {
                return false;
            }
            default -> {
                problems.add(key + ": expected yes or no, not " + v);
                return def;
            }
        }
    }

    private static long num(Map<String, String> c, String key, long def, long min, long max, List<String> problems) {
        String v = c.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n < min || n > max) {
                problems.add(key + ": " + n + " is outside " + min + ".." + max);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(key + ": not a number: " + v);
            return def;
        }
    }

    private static Path path(Map<String, String> c, String key, Path dir, String def) {
        String v = c.get(key);
        if (v == null || v.isBlank()) {
            return def == null ? null : dir.resolve(def);
        }
        return dir.resolve(v.strip());
    }
}
