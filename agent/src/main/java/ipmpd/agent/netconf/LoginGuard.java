package ipmpd.agent.netconf;

import ipmpd.agent.IpmpdLog;
import org.apache.sshd.server.auth.AsyncAuthException;
import org.apache.sshd.server.session.ServerSession;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Password logins, checked so that guessing costs the daemon little: each password is checked
 * (PBKDF2, tens of milliseconds of CPU) on one thread of its own, never on MINA's I/O threads, so
 * at most one core goes to logins; a wrong password is answered only after
 * {@code netconf.login-failure-delay}; a source address with {@code netconf.login-failures-per-minute}
 * failures within the last minute has its further passwords refused unchecked (after the same
 * delay) until the oldest of those failures is a minute old. Public keys are not limited (they
 * cost no PBKDF2 and cannot be guessed), so an administrator with a key still gets in.
 */
final class LoginGuard {
    private static final long WINDOW_NS = TimeUnit.MINUTES.toNanos(1);
    /** Sources remembered at most (the oldest are forgotten first). */
    private static final int MAX_SOURCES = 4096;
    /** Password checks waiting for the checking thread at most; beyond, attempts fail unchecked. */
    private static final int MAX_WAITING = 64;

    private final NetconfUsers users;
    private final IpmpdLog log;
    private final ScheduledExecutorService timer;
    private final long delayMs;
    private final int failuresPerMinute;
    private final ThreadPoolExecutor checker;
    /** Failure times (System.nanoTime) of each source within the window, oldest first. */
    private final Map<String, ArrayDeque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true);
    /** Checks of each source under way (counted as failures to come, so the limit is exact). */
    private final Map<String, Integer> checking = new java.util.HashMap<>();

    LoginGuard(NetconfUsers users, IpmpdLog log, ScheduledExecutorService timer, Duration failureDelay,
               int failuresPerMinute) {
        this.users = users;
        this.log = log;
        this.timer = timer;
        this.delayMs = failureDelay.toMillis();
        this.failuresPerMinute = failuresPerMinute;
        this.checker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_WAITING),
                r -> {
                    Thread t = new Thread(r, "netconf-login");
                    t.setDaemon(true);
                    return t;
                });
    }

    static String source(ServerSession s) {
        SocketAddress a = s == null ? null : s.getClientAddress();
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : String.valueOf(a);
    }

    /**
     * MINA's password authenticator: always answers later (AsyncAuthException), after the check
     * on the login thread; on success the session gets its role.
     */
    boolean authenticate(String user, String password, ServerSession session) throws AsyncAuthException {
        AsyncAuthException answer = new AsyncAuthException();
        String source = source(session);
        if (!admit(source)) {
            fail(answer);
            return false; // not reached: fail() throws
        }
        try {
            checker.execute(() -> {
                NetconfUsers.Role r;
                try {
                    r = users.checkPassword(user, password);
                } catch (RuntimeException e) {
                    log.err("NETCONF: checking the password of " + user + ": " + e);
                    r = null;
                } finally {
                    done(source);
                }
                if (r != null) {
                    session.setAttribute(NetconfServer.ROLE, r);
                    answer.setAuthed(true);
                    return;
                }
                log.notice("NETCONF: password authentication failed for " + user + " from " + source);
                failed(source);
                later(answer);
            });
        } catch (RejectedExecutionException e) {
            done(source);
            log.warning("NETCONF: " + MAX_WAITING + " password checks are waiting; refusing one from " + source
                    + " unchecked");
            later(answer);
        }
        throw answer;
    }

    private void fail(AsyncAuthException answer) {
        later(answer);
        throw answer;
    }

    /** Answers "failed" after the delay (the timer's thread only waits). */
    private void later(AsyncAuthException answer) {
        if (delayMs <= 0) {
            answer.setAuthed(false);
        } else {
            timer.schedule(() -> answer.setAuthed(false), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Whether a password from the source may be checked: not when its failures of the last minute
     * and its checks under way reach the limit. An admitted check is under way until done().
     */
    private synchronized boolean admit(String source) {
        if (failuresPerMinute > 0) {
            ArrayDeque<Long> q = failures.get(source);
            int recent = 0;
            if (q != null) {
                expire(q, System.nanoTime());
                recent = q.size();
            }
            if (recent + checking.getOrDefault(source, 0) >= failuresPerMinute) {
                return false;
            }
        }
        checking.merge(source, 1, Integer::sum);
        return true;
    }

    private synchronized void done(String source) {
        checking.computeIfPresent(source, (k, n) -> n > 1 ? n - 1 : null);
    }

    private synchronized void failed(String source) {
        if (failuresPerMinute <= 0) {
            return;
        }
        long now = System.nanoTime();
        ArrayDeque<Long> q = failures.computeIfAbsent(source, k -> new ArrayDeque<>());
        expire(q, now);
        q.addLast(now);
        while (q.size() > failuresPerMinute) {
            q.removeFirst();
        }
        if (q.size() == failuresPerMinute) {
            log.warning("NETCONF: " + failuresPerMinute + " failed logins from " + source + " within a minute; "
                    + "its passwords are refused unchecked until a minute after the first "
                    + "(netconf.login-failures-per-minute)");
        }
        if (failures.size() > MAX_SOURCES) {
            Iterator<ArrayDeque<Long>> it = failures.values().iterator();
            while (failures.size() > MAX_SOURCES && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
    }

    private static void expire(ArrayDeque<Long> q, long now) {
        while (!q.isEmpty() && now - q.peekFirst() >= WINDOW_NS) {
            q.removeFirst();
        }
    }

    void close() {
        checker.shutdownNow();
    }
}
