package ipmpd.agent.log;

import ipmpd.agent.IpmpdLog;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the libraries' log messages go: the daemon's one log ({@link IpmpdLog}). SLF4J (Apache
 * SSHD, yangkit; {@link Slf4jProvider}) and SNMP4J ({@link Snmp4jLogFactory}) hand their messages
 * here.
 * <p>
 * Warnings and errors are always written, as "LIBRARY-LOGGER: message"; information and debug
 * messages only while the logger's debug category is on ({@code -d netconf} for org.apache.sshd,
 * {@code -d snmp} for org.snmp4j, {@code -d config} for the rest). Each logger may write at most
 * {@link #BURST} messages a minute: a peer that provokes a warning per packet cannot flood the log
 * (the number left out is written with the next message let through).
 */
public final class LibraryLogs {
    /** Messages a logger may write per minute. */
    static final int BURST = 20;
    private static final long MINUTE_NS = 60_000_000_000L;

    private static volatile IpmpdLog target;
    private static final Map<String, Budget> BUDGETS = new ConcurrentHashMap<>();

    private LibraryLogs() {
    }

    /** From now on the libraries log to {@code log}; also installs SNMP4J's log factory. */
    public static void routeTo(IpmpdLog log) {
        target = log;
        BUDGETS.clear();
        Snmp4jLogFactory.install();
    }

    /** The debug category a library logger belongs to. */
    static IpmpdLog.Category categoryOf(String logger) {
        if (logger.startsWith("org.apache.sshd") || logger.startsWith("org.bouncycastle")) {
            return IpmpdLog.Category.NETCONF;
        }
        if (logger.startsWith("org.snmp4j")) {
            return IpmpdLog.Category.SNMP;
        }
        return IpmpdLog.Category.CONFIG;
    }

    /** Whether a message of this level from this logger would be written (cheap: SNMP4J asks often). */
    static boolean enabled(String logger, IpmpdLog.Level level) {
        IpmpdLog log = target;
        if (log == null) {
            return false;
        }
        return level.compareTo(IpmpdLog.Level.WARNING) <= 0 || log.debugging(categoryOf(logger));
    }

    /** Writes a library's message, with the whole stack trace of {@code thrown} if there is one. */
    static void write(String logger, IpmpdLog.Level level, String message, Throwable thrown) {
        IpmpdLog log = target;
        if (log == null || !enabled(logger, level)) {
            return;
        }
        long left = BUDGETS.computeIfAbsent(logger, k -> new Budget()).take(System.nanoTime());
        if (left < 0) {
            return;
        }
        String text = shortName(logger) + ": " + message
                + (left > 0 ? " (" + left + " earlier messages of " + shortName(logger) + " left out)" : "")
                + (thrown == null ? "" : ": " + IpmpdLog.stackTrace(thrown));
        log.log(level, level.compareTo(IpmpdLog.Level.WARNING) > 0 ? categoryOf(logger).label() + ": " + text : text);
    }

    /** org.apache.sshd.server.session.ServerSessionImpl -> sshd ServerSessionImpl */
    static String shortName(String logger) {
        String lib = logger.startsWith("org.apache.sshd") ? "sshd" : logger.startsWith("org.snmp4j.agent") ? "snmp4j-agent"
                : logger.startsWith("org.snmp4j") ? "snmp4j" : null;
        String cls = logger.substring(logger.lastIndexOf('.') + 1);
        return lib == null ? logger : lib + " " + cls;
    }

    /** A logger's allowance: BURST messages per minute; counts what it had to leave out. */
    private static final class Budget {
        private long windowStart = Long.MIN_VALUE;
        private int used;
        private long dropped;

        /** @return -1: leave this one out; else how many were left out before it */
        synchronized long take(long now) {
            if (windowStart == Long.MIN_VALUE || now - windowStart >= MINUTE_NS) {
                windowStart = now;
                used = 0;
            }
            if (used >= BURST) {
                dropped++;
                return -1;
            }
            used++;
            long d = dropped;
            dropped = 0;
            return d;
        }
    }
}
