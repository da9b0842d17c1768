package ipmpd.agent.log;

import ipmpd.agent.IpmpdLog;
import org.snmp4j.log.LogAdapter;
import org.snmp4j.log.LogFactory;
import org.snmp4j.log.LogLevel;

import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;

/**
 * SNMP4J's (and snmp4j-agent's) logging, which does not use SLF4J, routed to {@link LibraryLogs}:
 * its warnings and errors always, its information and debug messages with {@code -d snmp}.
 * Without a factory SNMP4J logs nothing at all.
 */
final class Snmp4jLogFactory extends LogFactory {
    private static volatile boolean installed;

    static synchronized void install() {
        if (!installed) {
            LogFactory.setLogFactory(new Snmp4jLogFactory());
            installed = true;
        }
    }

    @Override
    protected LogAdapter createLogger(Class<?> c) {
        return new Adapter(c.getName());
    }

    @Override
    protected LogAdapter createLogger(String name) {
        return new Adapter(name);
    }

    @Override
    public LogAdapter getRootLogger() {
        return new Adapter("org.snmp4j");
    }

    /** One SNMP4J logger; its level is ours (setLogLevel is ignored). */
    static final class Adapter implements LogAdapter {
        private final String name;

        Adapter(String name) {
            this.name = name;
        }

        private void write(IpmpdLog.Level level, Object message, Throwable thrown) {
            LibraryLogs.write(name, level, String.valueOf(message), thrown);
        }

        @Override
        public boolean isDebugEnabled() {
            return LibraryLogs.enabled(name, IpmpdLog.Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return LibraryLogs.enabled(name, IpmpdLog.Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return LibraryLogs.enabled(name, IpmpdLog.Level.WARNING);
        }

        @Override
        public void debug(Serializable message) {
            write(IpmpdLog.Level.DEBUG, message, null);
        }

        @Override
        public void info(CharSequence message) {
            write(IpmpdLog.Level.INFO, message, null);
        }

        @Override
        public void warn(Serializable message) {
            write(IpmpdLog.Level.WARNING, message, null);
        }

        @Override
        public void error(Serializable message) {
            write(IpmpdLog.Level.ERR, message, null);
        }

        @Override
        public void error(CharSequence message, Throwable thrown) {
            write(IpmpdLog.Level.ERR, message, thrown);
        }

        @Override
        public void fatal(Object message) {
            write(IpmpdLog.Level.ERR, message, null);
        }

        @Override
        public void fatal(CharSequence message, Throwable thrown) {
            write(IpmpdLog.Level.ERR, message, thrown);
        }

        @Override
        public void log(LogLevel level, CharSequence message, Throwable thrown) {
            int l = level.getLevel();
            IpmpdLog.Level p = l >= LogLevel.LEVEL_ERROR ? IpmpdLog.Level.ERR : l == LogLevel.LEVEL_WARN
                    ? IpmpdLog.Level.WARNING : l == LogLevel.LEVEL_INFO ? IpmpdLog.Level.INFO : IpmpdLog.Level.DEBUG;
            if (l > LogLevel.LEVEL_TRACE || l == LogLevel.LEVEL_ALL) {
                write(p, message, thrown);
            }
        }

        @Override
        public boolean isLogLevelEnabled(LogLevel level) {
            int l = level.getLevel();
            return l >= LogLevel.LEVEL_WARN ? isWarnEnabled() : l >= LogLevel.LEVEL_DEBUG && isDebugEnabled();
        }

        @Override
        public void setLogLevel(LogLevel level) {
        }

        @Override
        public LogLevel getLogLevel() {
            return getEffectiveLogLevel();
        }

        @Override
        public LogLevel getEffectiveLogLevel() {
            return isDebugEnabled() ? LogLevel.DEBUG : isWarnEnabled() ? LogLevel.WARN : LogLevel.OFF;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Iterator<?> getLogHandler() {
            return Collections.emptyIterator();
        }
    }
}
