package ipmpd.tests.testbed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands inside network namespaces ({@code ip netns exec NAME ...}).
 *
 * <p>A {@code null} namespace means the namespace of this JVM (the root namespace).
 * {@link #exec} throws {@link CommandFailedException} (carrying the command's output) on a
 * non-zero exit or a timeout; {@link #tryExec} returns the {@link Result} instead.
 * {@link #start} runs a long-lived process whose whole process tree is killed on close (and,
 * as a last resort, by a JVM shutdown hook).
 */
public final class Netns {

    /** Limit for one short command unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<BackgroundProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (BackgroundProcess p : List.copyOf(LIVE)) {
                p.close();
            }
        }, "netns-process-reaper"));
    }

    private Netns() {
    }

    /** Outcome of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode
                    + (stdout.isBlank() ? "" : "\n--- stdout ---\n" + stdout)
                    + (stderr.isBlank() ? "" : "\n--- stderr ---\n" + stderr);
        }
    }

    /** A command that exited non-zero or ran out of time; the message holds its output. */
    public static final class CommandFailedException extends RuntimeException {
        private final Result result;

        public CommandFailedException(Result result, String why) {
            super(why + ": " + result);
            this.result = result;
        }

        public Result result() {
            return result;
        }
    }

    /** The argv that runs {@code cmd} in namespace {@code ns} (as is when ns is null). */
    public static List<String> command(String ns, String... cmd) {
        List<String> argv = new ArrayList<>();
        if (ns != null) {
            argv.addAll(List.of("ip", "netns", "exec", ns));
        }
        argv.addAll(Arrays.asList(cmd));
        return argv;
    }

    /** Runs {@code cmd} in {@code ns}; returns stdout; throws with the output on failure. */
    public static String exec(String ns, String... cmd) {
        return execWithin(DEFAULT_TIMEOUT, ns, cmd);
    }

    /** {@link #exec} with a time limit other than {@link #DEFAULT_TIMEOUT}. */
    public static String execWithin(Duration timeout, String ns, String... cmd) {
        Result r = run(timeout, command(ns, cmd));
        if (!r.ok()) {
            throw new CommandFailedException(r, "command failed");
        }
        return r.stdout();
    }

    /** Runs {@code cmd} in {@code ns} and returns its result whatever the exit status. */
    public static Result tryExec(String ns, String... cmd) {
        return tryExecWithin(DEFAULT_TIMEOUT, ns, cmd);
    }

    /** {@link #tryExec} with a time limit other than {@link #DEFAULT_TIMEOUT}. */
    public static Result tryExecWithin(Duration timeout, String ns, String... cmd) {
        return run(timeout, command(ns, cmd));
    }

    /**
     * Runs argv as is; stdin is empty. On timeout the process tree is killed and
     * {@link CommandFailedException} is thrown with the output so far.
     */
    public static Result run(Duration timeout, List<String> argv) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv, e);
        }
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        boolean done;
        try {
            done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            killTree(p.toHandle());
            Result r = new Result(List.copyOf(argv), -1, out.text(), err.text());
            throw new CommandFailedException(r, "timed out after " + timeout.toMillis() + " ms");
        }
        return new Result(List.copyOf(argv), p.exitValue(), out.text(), err.text());
    }

    /** Starts a long-running {@code cmd} in {@code ns}; close the result to kill its tree. */
    public static BackgroundProcess start(String ns, String... cmd) {
        return start(ns, Arrays.asList(cmd));
    }

    public static BackgroundProcess start(String ns, List<String> cmd) {
        BackgroundProcess p = new BackgroundProcess(command(ns, cmd.toArray(String[]::new)));
        LIVE.add(p);
        return p;
    }

    static void forget(BackgroundProcess p) {
        LIVE.remove(p);
    }

    // ---- namespace bookkeeping ----

    /** Names from {@code ip netns list}. */
    public static List<String> list() {
        List<String> names = new ArrayList<>();
        for (String line : exec(null, "ip", "netns", "list").split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                names.add(t.split("\\s+")[0]);
            }
        }
        return names;
    }

    public static void add(String name) {
        exec(null, "ip", "netns", "add", name);
    }

    /** PIDs of the processes living in namespace {@code name}. */
    public static List<Long> pids(String name) {
        Result r = tryExec(null, "ip", "netns", "pids", name);
        List<Long> pids = new ArrayList<>();
        if (r.ok()) {
            for (String s : r.stdout().split("\\s+")) {
                if (!s.isBlank()) {
                    pids.add(Long.parseLong(s.strip()));
                }
            }
        }
        return pids;
    }

    /**
     * Kills every process still in namespace {@code name} (else the namespace outlives its
     * name), then deletes it; its veths go with it. Missing namespaces are ignored.
     */
    public static void delete(String name) {
        for (int round = 0; round < 50; round++) {
            List<Long> pids = pids(name);
            if (pids.isEmpty()) {
                break;
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                });
            }
            sleepQuietly(10);
        }
        Result r = tryExec(null, "ip", "netns", "del", name);
        if (!r.ok() && list().contains(name)) {
            throw new CommandFailedException(r, "cannot delete namespace " + name);
        }
    }

    public static void killTree(ProcessHandle h) {
        List<ProcessHandle> kids = h.descendants().toList();
        h.destroy();
        kids.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < deadline
                && (h.isAlive() || kids.stream().anyMatch(ProcessHandle::isAlive))) {
            sleepQuietly(10);
        }
        kids.forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
    }

    public static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a stream to its end on a daemon thread. */
    private static final class Drain {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream in) {
            thread = new Thread(() -> {
                byte[] b = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(b)) > 0) {
                        synchronized (buf) {
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // process killed
                }
            }, "netns-drain");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }
}
