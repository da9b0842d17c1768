package ipmpd.agent;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The daemon's only logger: in.mpathd's messages under ident "in.mpathd", facility daemon, to
 * syslog(3) (through /dev/log; JNA binding below) with their priorities, and, in foreground mode
 * (-f), also to standard error with a timestamp. When syslog cannot be used (no /dev/log, no libc
 * binding), messages go to standard error instead, so nothing is lost under systemd either.
 * Under systemd (JOURNAL_STREAM set: standard error goes to the journal) a line on standard error
 * starts with its priority as {@code <N>} (sd-daemon(3)) instead of a timestamp, so journald
 * records the priority there too.
 * <p>
 * The libraries' logs (SLF4J: Apache SSHD, yangkit; SNMP4J's LogFactory) come here as well
 * ({@link ipmpd.agent.log.LibraryLogs}). Debug messages are written only for the categories
 * turned on ({@code -d probes,targets,...}); a category also lets its libraries' information and
 * debug messages through.
 * <p>
 * Thread-safe: the engine thread, the control server and signal handlers all log here.
 */
public final class IpmpdLog {
    public static final String IDENT = "in.mpathd";

    /** syslog priorities (sys/syslog.h). */
    public enum Level {
        ERR(3), WARNING(4), NOTICE(5), INFO(6), DEBUG(7);

        final int code;

        Level(int code) {
            this.code = code;
        }
    }

    /** What {@code -d} can trace, one area each. */
    public enum Category {
        /** every probe sent and how it ended (acknowledged with its round trip, or lost) */
        PROBES,
        /** changes of each member's probe targets */
        TARGETS,
        /** member interfaces: link, failure, repair, group state, addresses moved */
        PHYINT,
        /** configuration read and applied: files, SIGHUP key by key, the configuration store */
        CONFIG,
        /** the SNMP agent and SNMP4J */
        SNMP,
        /** the NETCONF server and Apache SSHD */
        NETCONF;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code probes,targets} or {@code all}; an unknown name is an IllegalArgumentException. */
        public static java.util.Set<Category> parseList(String list) {
            java.util.EnumSet<Category> out = java.util.EnumSet.noneOf(Category.class);
            for (String n : list.split(",")) {
                String name = n.trim().toLowerCase(Locale.ROOT);
                if (name.equals("all")) {
                    out.addAll(java.util.EnumSet.allOf(Category.class));
                    continue;
                }
                Category found = null;
                for (Category c : values()) {
                    if (c.label().equals(name)) {
                        found = c;
                    }
                }
                if (found == null) {
                    throw new IllegalArgumentException("unknown debug category " + (name.isEmpty() ? "\"\"" : name)
                            + " (known: all, " + String.join(", ", java.util.Arrays.stream(values()).map(Category::label)
                            .toList()) + ")");
                }
                out.add(found);
            }
            return out;
        }
    }

    static final int LOG_PID = 0x01;
    static final int LOG_NDELAY = 0x08;
    static final int LOG_DAEMON = 3 << 3;

    /** The piece of libc we need. */
    interface CLib extends Library {
        void openlog(Pointer ident, int option, int facility);

        void syslog(int priority, String format, Object... args);

        void closelog();
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);

    private final boolean foreground;
    private final PrintStream stderr;
    private final CLib libc;
    /** openlog keeps the pointer: the ident must live as long as the process. */
    private final Memory ident;
    private final long pid = ProcessHandle.current().pid();
    private final List<Consumer<String>> taps = new CopyOnWriteArrayList<>();
    private final boolean journalPrefix;
    private volatile java.util.Set<Category> debug = java.util.EnumSet.noneOf(Category.class);
    private volatile boolean closed;
    /** The thread whose messages wait for {@link #release()}; and what it holds (that thread only). */
    private volatile Thread holder;
    private final List<Held> held = new java.util.ArrayList<>();

    private record Held(Level level, String message, long atMillis) {
    }

    private IpmpdLog(boolean foreground, boolean useSyslog, PrintStream stderr, boolean journalPrefix) {
        this.foreground = foreground;
        this.journalPrefix = journalPrefix;
        this.stderr = stderr;
        CLib lib = null;
        Memory id = null;
        if (useSyslog && Files.exists(Path.of("/dev/log"))) {
            try {
                lib = Native.load("c", CLib.class);
                byte[] b = IDENT.getBytes(StandardCharsets.US_ASCII);
                id = new Memory(b.length + 1L);
                id.write(0, b, 0, b.length);
                id.setByte(b.length, (byte) 0);
                lib.openlog(id, LOG_PID | LOG_NDELAY, LOG_DAEMON);
            } catch (Throwable t) {
                lib = null;
                id = null;
            }
        }
        this.libc = lib;
        this.ident = id;
    }

    /** The daemon's logger: syslog when available, standard error too in foreground mode. */
    public static IpmpdLog open(boolean foreground) {
        return new IpmpdLog(foreground, true, System.err, System.getenv("JOURNAL_STREAM") != null);
    }

    /** A logger that never touches syslog (tests, clients): standard error only when {@code stderr} is set. */
    public static IpmpdLog detached(PrintStream stderr) {
        return new IpmpdLog(stderr != null, false, stderr, false);
    }

    /** Like {@link #detached(PrintStream)}; {@code journal}: lines as under systemd ({@code <N>} prefixes). */
    static IpmpdLog detached(PrintStream stderr, boolean journal) {
        return new IpmpdLog(stderr != null, false, stderr, journal);
    }

    /** Whether messages reach syslog. */
    public boolean syslogAvailable() {
        return libc != null;
    }

    /** Also hands every message to {@code tap} (tests, future NETCONF log streams). */
    public void addTap(Consumer<String> tap) {
        taps.add(tap);
    }

    public void removeTap(Consumer<String> tap) {
        taps.remove(tap);
    }

    public void err(String message) {
        log(Level.ERR, message);
    }

    /** An error with its cause's whole stack trace (internal errors: what a bug report needs). */
    public void err(String message, Throwable cause) {
        log(Level.ERR, message + ": " + stackTrace(cause));
    }

    /** A throwable as Java prints it: class, message, every frame, causes and suppressed ones. */
    public static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString().stripTrailing();
    }

    /** The debug categories to write from now on (the empty set: none). */
    public void setDebug(java.util.Set<Category> categories) {
        debug = categories.isEmpty() ? java.util.EnumSet.noneOf(Category.class) : java.util.EnumSet.copyOf(categories);
    }

    public java.util.Set<Category> debugCategories() {
        return java.util.Collections.unmodifiableSet(debug);
    }

    /** Whether {@code -d} turned the category on: check before building a costly message. */
    public boolean debugging(Category c) {
        return debug.contains(c);
    }

    /** A debug message of one category, written only when that category is on. */
    public void debug(Category c, String message) {
        if (debug.contains(c)) {
            log(Level.DEBUG, c.label() + ": " + message);
        }
    }

    public void warning(String message) {
        log(Level.WARNING, message);
    }

    public void notice(String message) {
        log(Level.NOTICE, message);
    }

    public void info(String message) {
        log(Level.INFO, message);
    }

    /** A message of the engine, at the priority in.mpathd gives that message. */
    public void engine(String message) {
        log(levelOf(message), message);
    }

    /** in.mpathd's priorities: failures are errors, odd configurations warnings, recoveries notices. */
    static Level levelOf(String m) {
        if (m.startsWith("IP interface failure detected") || m.startsWith("All IP interfaces in group")
                || m.startsWith("The link has gone down") || m.startsWith("Invalid") || m.startsWith("Too small")
                || m.startsWith("Cannot meet requested failure detection time")
                || (m.startsWith("Test address ") && m.contains("is not unique"))
                || m.startsWith("moving addresses from failed") || m.startsWith("failed processing ")) {
            return Level.ERR;
        }
        if (m.startsWith("No test address configured") || m.contains("more than") && m.contains("times in the last minute")
                || m.startsWith("NIC ") && m.contains("not plumbed") || m.contains("is not plumbed for")) {
            return Level.WARNING;
        }
        return Level.NOTICE;
    }

    public void log(Level level, String message) {
        if (Thread.currentThread() == holder) {
            held.add(new Held(level, message, System.currentTimeMillis())); // formatted when written
            return;
        }
        write(level, message, null);
    }

    /**
     * From now on the messages of {@code thread} (the engine thread) wait in memory until that
     * thread calls {@link #release()}: a failover then writes nothing (a syscall, and a wake-up of
     * whoever reads standard error or syslog, who may take the CPU) before its addresses have
     * moved and been announced. Each keeps the time it was logged at. Null: none held.
     */
    public void holdMessagesOf(Thread thread) {
        release();
        holder = thread;
    }

    /** Writes the messages the calling thread held, in order; call it on that thread. */
    public void release() {
        if (held.isEmpty() || Thread.currentThread() != holder) {
            return;
        }
        List<Held> out = List.copyOf(held);
        held.clear();
        for (Held h : out) {
            write(h.level, h.message, LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(h.atMillis), java.time.ZoneId.systemDefault()));
        }
    }

    /** @param at when it was logged (null: now) */
    private void write(Level level, String message, LocalDateTime at) {
        if (libc != null && !closed) {
            try {
                libc.syslog(level.code, "%s", message);
            } catch (Throwable t) {
                // syslog is best effort
            }
        }
        if (stderr != null && (foreground || libc == null || closed)) {
            // journald reads "<N>" at the start of a line as its priority (sd-daemon(3)); each line
            // of a message that spans several (a stack trace) is a journal entry of its own
            String line = journalPrefix
                    ? "<" + level.code + ">" + message.replace("\n", "\n<" + level.code + ">")
                    : STAMP.format(at == null ? LocalDateTime.now() : at) + " " + IDENT + "[" + pid + "]: " + message;
            synchronized (stderr) {
                stderr.println(line);
                stderr.flush();
            }
        }
        for (Consumer<String> t : taps) {
            try {
                t.accept(message);
            } catch (RuntimeException e) {
                // a tap must not break logging
            }
        }
    }

    /** Closes the syslog connection (at exit). */
    public synchronized void close() {
        if (libc != null && !closed) {
            closed = true;
            try {
                libc.closelog();
            } catch (Throwable t) {
                // best effort
            }
        }
        // keep 'ident' reachable until here
        if (ident != null) {
            ident.size();
        }
    }
}
