package ipmpd.tests.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A long-running process (usually in a namespace, see {@link Netns#start}). Its stdout and
 * stderr are collected line by line; {@link #close()} kills it and every descendant.
 */
public final class BackgroundProcess implements AutoCloseable {

    private final List<String> command;
    private final Process process;
    private final List<String> out = new ArrayList<>();
    /** When each stdout line was read, in microseconds since the epoch (as {@link #out}). */
    private final List<Long> outMicros = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;
    private volatile boolean closed;

    BackgroundProcess(List<String> command) {
        this.command = List.copyOf(command);
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        outReader = reader(process.getInputStream(), out, "out");
        errReader = reader(process.getErrorStream(), err, "err");
    }

    private Thread reader(InputStream in, List<String> sink, String what) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    java.time.Instant at = java.time.Instant.now();
                    synchronized (this) {
                        if (sink == out) {
                            outMicros.add(at.getEpochSecond() * 1_000_000L + at.getNano() / 1000);
                        }
                        sink.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // killed
            }
            synchronized (this) {
                notifyAll();
            }
        }, "bg-" + what + "-" + process.pid());
        t.setDaemon(true);
        t.start();
        return t;
    }

    public List<String> command() {
        return command;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The stdout lines so far. */
    public synchronized List<String> stdoutLines() {
        return List.copyOf(out);
    }

    /** The stderr lines so far. */
    public synchronized List<String> stderrLines() {
        return List.copyOf(err);
    }

    /** Both streams so far, for failure messages. */
    public synchronized String output() {
        return String.join(" ", command) + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")")
                + "\n--- stdout ---\n" + String.join("\n", out) + "\n--- stderr ---\n" + String.join("\n", err);
    }

    /** The first stdout line matching, if any yet. */
    public synchronized Optional<String> findLine(Predicate<String> p) {
        return out.stream().filter(p).findFirst();
    }

    /**
     * Waits until a stdout line matches {@code p} and returns it; throws (with the output) when
     * the time runs out or the process ends (and its output is read) without such a line.
     */
    public String awaitLine(Predicate<String> p, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                Optional<String> hit = out.stream().filter(p).findFirst();
                if (hit.isPresent()) {
                    return hit.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no expected line within " + timeout.toMillis() + " ms from " + output());
                }
                if (!process.isAlive() && !outReader.isAlive()) {
                    throw new AssertionError("process ended without the expected line: " + output());
                }
                try {
                    wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** A stdout line and when it was read (microseconds since the epoch). */
    public record StampedLine(String line, long epochMicros) {
    }

    /** As {@link #awaitLine}, with the moment the line was read (for a process that flushes each line). */
    public StampedLine awaitStampedLine(Predicate<String> p, Duration timeout) {
        String line = awaitLine(p, timeout);
        synchronized (this) {
            return new StampedLine(line, outMicros.get(out.indexOf(line)));
        }
    }

    /** Writes to the process's stdin. */
    public void write(String s) {
        try {
            OutputStream o = process.getOutputStream();
            o.write(s.getBytes(StandardCharsets.UTF_8));
            o.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the process's stdin (the helpers in this package take that as "stop"). */
    public void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** Waits for the process to end; returns its exit code, or empty on timeout. */
    public Optional<Integer> waitFor(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                outReader.join(1000);
                errReader.join(1000);
                return Optional.of(process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /** Kills the process and its descendants (SIGTERM, then SIGKILL after 0.5 s). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeStdin();
        Netns.killTree(process.toHandle());
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Netns.forget(this);
    }
}
