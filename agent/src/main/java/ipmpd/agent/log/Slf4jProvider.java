package ipmpd.agent.log;

import ipmpd.agent.IpmpdLog;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SLF4J's binding to the daemon's log (found by SLF4J through META-INF/services): what Apache
 * SSHD and yangkit log goes to {@link LibraryLogs}. Without it SLF4J would fall back to its
 * no-operation logger and their warnings would be lost.
 */
public final class Slf4jProvider implements SLF4JServiceProvider {
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, LibraryLogger::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    /** One SLF4J logger: levels mapped to syslog priorities, trace never written. */
    static final class LibraryLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        LibraryLogger(String name) {
            this.name = name;
        }

        static IpmpdLog.Level priority(Level level) {
            return switch (level) {
                case ERROR -> IpmpdLog.Level.ERR;
                case WARN -> IpmpdLog.Level.WARNING;
                case INFO -> IpmpdLog.Level.INFO;
                case DEBUG, TRACE -> IpmpdLog.Level.DEBUG;
            };
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
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
        public boolean isErrorEnabled() {
            return LibraryLogs.enabled(name, IpmpdLog.Level.ERR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                                                   Throwable thrown) {
            if (level == Level.TRACE) {
                return;
            }
            String text = MessageFormatter.basicArrayFormat(pattern, args);
            LibraryLogs.write(name, priority(level), text, thrown);
        }
    }
}
