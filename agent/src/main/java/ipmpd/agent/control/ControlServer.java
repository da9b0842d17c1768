package ipmpd.agent.control;

import ipmpd.agent.IpmpdLog;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The daemon's end of the control socket ({@link ControlProtocol}): binds the socket (0666, its
 * directory created 0755 when missing), accepts connections, reads each request, asks the peer's
 * credentials from the kernel (SO_PEERCRED), lets {@link ControlService} run it, and sends the
 * reply. Closing removes the socket file.
 */
public final class ControlServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = 64;

    private final Path path;
    private final ServerSocketChannel server;
    private final ControlService service;
    private final IpmpdLog log;
    private final UserPrincipal superuser = AccessPolicy.superuser();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final AtomicInteger threadNo = new AtomicInteger();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ipmpd-control-" + threadNo.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, ControlService service, IpmpdLog log) {
        this.path = path;
        this.server = server;
        this.service = service;
        this.log = log;
        this.acceptor = new Thread(this::acceptLoop, "ipmpd-control-accept");
        this.acceptor.setDaemon(true);
    }

    /** Binds the socket at {@code path} and starts serving. */
    public static ControlServer open(Path path, ControlService service, IpmpdLog log) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        removeStale(abs);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(abs), 16);
            Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot bind control socket " + abs + ": " + e.getMessage(), e);
        }
        ControlServer cs = new ControlServer(abs, s, service, log);
        cs.acceptor.start();
        return cs;
    }

    /** A socket file left by a daemon that died is removed; one a live daemon answers on is not. */
    private static void removeStale(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p) || Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(p + " exists and is not a socket");
        }
        boolean live;
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            live = true;
        } catch (IOException e) {
            live = false; // nobody listens: a leftover of a daemon that died
        }
        if (live) {
            throw new IOException("another ipmpd is already running (control socket " + p + ")");
        }
        Files.deleteIfExists(p);
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.err("control socket: accept failed: " + e.getMessage());
                }
                return;
            }
            if (!slots.tryAcquire()) {
                try (c) {
                    ControlProtocol.writeText(c, ControlProtocol.STDERR, "ipmpd: too many connections\n");
                    ControlProtocol.writeExit(c, 1);
                } catch (IOException ignored) {
                    // the client will see the connection end
                }
                continue;
            }
            open.add(c);
            try {
                workers.execute(() -> {
                    try {
                        serve(c);
                    } finally {
                        open.remove(c);
                        closeQuietly(c);
                        slots.release();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                open.remove(c);
                closeQuietly(c);
                slots.release();
            }
        }
    }

    private void serve(SocketChannel c) {
        long startNs = System.nanoTime();
        List<String> argv;
        try {
            ControlProtocol.Frame f = ControlProtocol.readFrame(c);
            if (f == null) {
                return;
            }
            if (f.type() != ControlProtocol.REQUEST) {
                throw new ControlProtocol.ProtocolException("expected a request frame");
            }
            argv = ControlProtocol.decodeRequest(f.payload());
        } catch (ControlProtocol.ProtocolException e) {
            try {
                ControlProtocol.writeText(c, ControlProtocol.STDERR, "ipmpd: bad request\n");
                ControlProtocol.writeExit(c, 2);
            } catch (IOException ignored) {
                // gone
            }
            return;
        } catch (IOException e) {
            return;
        }
        boolean privileged = AccessPolicy.mayMutate(peer(c), superuser);
        ControlService.Reply reply = service.handle(argv, privileged, startNs);
        try {
            if (reply instanceof ControlService.Done d) {
                ControlProtocol.writeText(c, ControlProtocol.STDERR, d.stderr());
                ControlProtocol.writeText(c, ControlProtocol.STDOUT, d.stdout());
                ControlProtocol.writeExit(c, d.exitCode());
            } else if (reply instanceof ControlService.Stream s) {
                stream(c, s);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Relays an ipmpstat -p stream until the client closes its end (or the daemon stops). */
    private void stream(SocketChannel c, ControlService.Stream s) throws IOException {
        ControlService.Subscription sub = s.subscription();
        Thread watcher = new Thread(() -> {
            ByteBuffer b = ByteBuffer.allocate(64);
            try {
                while (c.read(b) >= 0) {
                    b.clear(); // the client sends nothing after its request; ignore stray bytes
                }
            } catch (IOException ignored) {
                // closed
            } finally {
                sub.cancel();
            }
        }, Thread.currentThread().getName() + "-eof");
        watcher.setDaemon(true);
        watcher.start();
        try {
            ControlProtocol.writeText(c, ControlProtocol.STDERR, s.stderr());
            while (true) {
                String line;
                try {
                    line = sub.next();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (line == null) {
                    return;
                }
                ControlProtocol.writeText(c, ControlProtocol.STDOUT, line);
            }
        } finally {
            sub.cancel();
        }
    }

    private static UserPrincipal peer(SocketChannel c) {
        try {
            UnixDomainPrincipal p = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return p == null ? null : p.user();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Stops accepting, ends every connection (streams included) and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
        workers.shutdownNow();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.err("cannot remove control socket " + path + ": " + e.getMessage());
        }
    }
}
