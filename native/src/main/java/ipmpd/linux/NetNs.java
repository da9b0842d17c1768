package ipmpd.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs work inside a named network namespace (/run/netns/NAME, as made by {@code ip netns add}).
 *
 * <p>setns(2) with CLONE_NEWNET changes the namespace of the calling <em>thread</em> only, so each
 * {@link Executor} owns one dedicated thread that joins the namespace once and then runs every
 * task submitted to it. Whatever that thread creates belongs to the namespace: sockets (netlink,
 * raw, packet), interface-index lookups, and /proc/sys/net writes (procfs resolves /proc/sys/net
 * against the current thread's namespace). Not affected: /sys/class/net (its view is fixed when
 * sysfs was mounted) and /proc/net, which follows the thread-group leader.
 * Threads started from inside a task inherit the namespace; pooled JVM threads do not.
 *
 * <p>The daemon normally runs wholly inside its namespace ({@code ip netns exec}); then nothing here
 * is needed and every other class works on the calling thread as it is.
 */
public final class NetNs {
    public static final Path RUN_NETNS = Path.of("/run/netns");

    private NetNs() {
    }

    /** Starts a thread that has joined namespace {@code name}; close it when done. */
    public static Executor open(String name) throws IOException {
        return new Executor(name);
    }

    /** Runs one task in namespace {@code name} on a short-lived thread and returns its result. */
    public static <T> T call(String name, Callable<T> task) throws Exception {
        try (Executor ex = open(name)) {
            return ex.call(task);
        }
    }

    /** The calling thread's network namespace identity, e.g. "net:[4026531840]". */
    public static String currentId() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    /** One thread inside one namespace, running submitted tasks in order. */
    public static final class Executor implements AutoCloseable {
        private static final FutureTask<Void> STOP = new FutureTask<>(() -> null);
        private final String name;
        private final BlockingQueue<FutureTask<?>> queue = new LinkedBlockingQueue<>();
        private final Thread thread;
        private volatile boolean closed;

        private Executor(String name) throws IOException {
            if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("bad namespace name: " + name);
            }
            this.name = name;
            CompletableFuture<Void> joined = new CompletableFuture<>();
            thread = new Thread(() -> run(joined), "netns-" + name);
            thread.setDaemon(true); // a forgotten executor must not keep the JVM alive
            thread.start();
            try {
                joined.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IOException("interrupted while joining namespace " + name, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException ? (IOException) e.getCause()
                        : new IOException("cannot join namespace " + name, e.getCause());
            }
        }

        private void run(CompletableFuture<Void> joined) {
            try {
                int fd = LibC.open(RUN_NETNS.resolve(name).toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
                try {
                    LibC.setns(fd, LibC.CLONE_NEWNET);
                } finally {
                    LibC.close(fd);
                }
            } catch (Throwable t) {
                // The thread never ran anything in the wrong namespace: it ends here.
                joined.completeExceptionally(t);
                return;
            }
            joined.complete(null);
            // FutureTask captures every Throwable, so no task can kill this thread and have
            // later tasks silently run on a replacement thread outside the namespace.
            while (true) {
                FutureTask<?> task;
                try {
                    task = queue.take();
                } catch (InterruptedException e) {
                    break;
                }
                if (task == STOP) {
                    break;
                }
                task.run();
            }
            FutureTask<?> left;
            while ((left = queue.poll()) != null) {
                left.cancel(false);
            }
        }

        public String name() {
            return name;
        }

        public <T> Future<T> submit(Callable<T> task) {
            FutureTask<T> f = new FutureTask<>(task);
            if (closed) {
                throw new RejectedExecutionException("namespace executor closed: " + name);
            }
            queue.add(f);
            return f;
        }

        /** Runs a task in the namespace and waits for it; its own exception is rethrown unwrapped. */
        public <T> T call(Callable<T> task) throws Exception {
            try {
                return submit(task).get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Exception) {
                    throw (Exception) c;
                }
                if (c instanceof Error) {
                    throw (Error) c;
                }
                throw e;
            }
        }

        /** Stops the thread after the tasks already queued; waits up to 5 s for it to end. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
            if (Thread.currentThread() != thread) {
                try {
                    thread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
