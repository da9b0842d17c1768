package ipmpd.agent.netconf;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A NETCONF session over SSH at the byte level, for tests that must send what ncclient never
 * would (broken framing, bad hellos, other subsystems): an authenticated SSH session, a
 * subsystem channel, the server's messages read with bounded waits on {@code pool}.
 */
class RawNetconfSession implements AutoCloseable {
    static final String HELLO_11 = "<hello xmlns=\"" + Xml.BASE + "\"><capabilities><capability>"
            + "urn:ietf:params:netconf:base:1.0</capability><capability>urn:ietf:params:netconf:base:1.1"
            + "</capability></capabilities></hello>]]>]]>";
    static final String HELLO_10 = "<hello xmlns=\"" + Xml.BASE + "\"><capabilities><capability>"
            + "urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>";

    final ClientSession session;
    final ClientChannel channel;
    final OutputStream out;
    final Framing.Reader reader;
    private final ExecutorService pool;
    /** Set by pump(): every message read from then on. */
    BlockingQueue<String> pumped;
    /** The session-id of the server's hello. */
    int id;

    /** Connects as {@code user} to 127.0.0.1:port, authenticates with {@code identity}, opens {@code subsystem}. */
    RawNetconfSession(SshClient client, int port, String user, Consumer<ClientSession> identity, String subsystem,
                      ExecutorService pool) throws IOException {
        this.pool = pool;
        session = client.connect(user, "127.0.0.1", port).verify(60_000).getSession();
        try {
            identity.accept(session);
            session.auth().verify(60_000);
            channel = session.createSubsystemChannel(subsystem);
            channel.open().verify(60_000);
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        }
        out = channel.getInvertedIn();
        reader = new Framing.Reader(channel.getInvertedOut(), 1 << 24);
    }

    void send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void sendChunked(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(("\n#" + b.length + "\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\n##\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The next message, or null at the end of the stream; at most timeoutMs. */
    String next(long timeoutMs) throws Exception {
        if (pumped != null) {
            return pumped.poll(timeoutMs, TimeUnit.MILLISECONDS);
        }
        Future<byte[]> m = pool.submit(reader::next);
        byte[] b = m.get(timeoutMs, TimeUnit.MILLISECONDS);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    String next() throws Exception {
        return next(60_000); // a wait for the server, generous for a loaded machine
    }

    /** Reads the server's hello and sends ours (chunked framing from then on with 1.1). */
    String hello(String ours) throws Exception {
        String h = next();
        assertNotNull(h, "no server hello");
        assertTrue(h.contains("<session-id>"), h);
        id = Integer.parseInt(h.substring(h.indexOf("<session-id>") + 12, h.indexOf("</session-id>")));
        send(ours);
        if (ours.contains("base:1.1")) {
            reader.useChunked();
        }
        return h;
    }

    /** Sends an rpc (in the framing agreed) and returns the reply. */
    String rpc(String messageId, String body) throws Exception {
        String m = "<rpc xmlns=\"" + Xml.BASE + "\" message-id=\"" + messageId + "\">" + body + "</rpc>";
        if (reader.chunked()) {
            sendChunked(m);
        } else {
            send(m + "]]>]]>");
        }
        return next();
    }

    /** From now on a thread reads every message into {@link #pumped}. */
    void pump() {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        pool.submit(() -> {
            try {
                byte[] b;
                while ((b = reader.next()) != null) {
                    q.add(new String(b, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the session ended
            }
            return null;
        });
        pumped = q;
    }

    /** The first pumped message that matches, skipping others; null after timeoutMs. */
    String await(Predicate<String> what, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            long left = (end - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return null;
            }
            String m = pumped.poll(left, TimeUnit.MILLISECONDS);
            if (m != null && what.test(m)) {
                return m;
            }
        }
    }

    /** Waits for the server to end the session: end of stream, then the channel closed. */
    void assertEnded(String why) throws Exception {
        String m = next();
        if (m != null) {
            m = next();
        }
        assertNull(m, why + ": the session must end, got " + m);
        Set<ClientChannelEvent> ev = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 10_000);
        assertTrue(ev.contains(ClientChannelEvent.CLOSED), why + ": the channel stayed open: " + ev);
    }

    @Override
    public void close() throws IOException {
        channel.close(true);
        session.close(true);
    }
}
