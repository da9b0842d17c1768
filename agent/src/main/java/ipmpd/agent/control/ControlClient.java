package ipmpd.agent.control;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;

/** The tools' end of the control socket ({@link ControlProtocol}). */
public final class ControlClient implements AutoCloseable {
    /** The connection ended before the daemon sent an exit status. */
    public static final class LostConnection extends IOException {
        public LostConnection(String message) {
            super(message);
        }
    }

    private final SocketChannel channel;

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects; throws when no daemon listens at {@code socket}. */
    public static ControlClient connect(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return new ControlClient(c);
    }

    /** Sends the request: the tool's name and its arguments. */
    public void send(List<String> argv) throws IOException {
        ControlProtocol.writeFrame(channel, ControlProtocol.REQUEST, ControlProtocol.encodeRequest(argv));
    }

    /**
     * Copies the reply's standard output and error as it arrives (flushing after each frame, so
     * streams are live) and returns the exit status.
     *
     * @throws LostConnection when the daemon goes away first
     */
    public int relay(OutputStream out, OutputStream err) throws IOException {
        while (true) {
            ControlProtocol.Frame f;
            try {
                f = ControlProtocol.readFrame(channel);
            } catch (EOFException e) {
                f = null;
            }
            if (f == null) {
                throw new LostConnection("connection to ipmpd lost");
            }
            switch (f.type()) {
                case ControlProtocol.STDOUT -> {
                    out.write(f.payload());
                    out.flush();
                }
                case ControlProtocol.STDERR -> {
                    err.write(f.payload());
                    err.flush();
                }
                case ControlProtocol.EXIT -> {
                    return ControlProtocol.exitCode(f);
                }
                default -> throw new ControlProtocol.ProtocolException("unexpected frame type " + (char) f.type());
            }
        }
    }

    /** Hangs up (ends an ipmpstat -p stream). */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
