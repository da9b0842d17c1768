package ipmpd.agent.control;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The control socket protocol between ipmpd and its tools (ipmpstat, if_mpadm, ipmpadm).
 *
 * <pre>
 * Transport: a Unix domain stream socket ($IPMPD_SOCKET, else /run/ipmpd/ipmpd.sock), one
 * request per connection. The daemon learns the client's uid from the socket (SO_PEERCRED).
 *
 * Frame:  type (1 byte, ASCII)  |  length n (4 bytes, big-endian, 0 <= n <= 1 MiB)  |  n bytes
 *
 * client -> daemon, exactly one frame:
 *   'R' request   u8 version (1) | u16 argc (1..256) | argc x ( u32 length | UTF-8 bytes )
 *                 argv[0] is the tool ("ipmpstat", "if_mpadm", "ipmpadm"), the rest its arguments
 *                 exactly as typed. After the request the client sends nothing more; closing its
 *                 end means "stop" (that is how ipmpstat -p is interrupted).
 *
 * daemon -> client, in the order the tool would print:
 *   'O' stdout    UTF-8 bytes to copy to standard output (any number of frames)
 *   'E' stderr    UTF-8 bytes to copy to standard error (any number of frames)
 *   'X' exit      4 bytes, big-endian exit status; the last frame, then the daemon closes.
 *
 * Streaming (ipmpstat -p): 'O' frames, one per resolved probe (the header included in the
 * first), until the client closes; the daemon notices end-of-file on its side and unsubscribes.
 * A connection that ends without 'X' (daemon stopped) is a lost connection for the client.
 * A request that cannot be decoded gets "ipmpd: bad request" on 'E' and exit status 2.
 * </pre>
 */
public final class ControlProtocol {
    public static final int VERSION = 1;
    public static final byte REQUEST = 'R';
    public static final byte STDOUT = 'O';
    public static final byte STDERR = 'E';
    public static final byte EXIT = 'X';
    public static final int MAX_FRAME = 1 << 20;
    public static final int MAX_ARGS = 256;

    /** One frame as read. */
    public record Frame(byte type, byte[] payload) {
    }

    /** The peer spoke something else. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }

    private ControlProtocol() {
    }

    public static void writeFrame(WritableByteChannel ch, byte type, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.put(type).putInt(payload.length).put(payload).flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    public static void writeText(WritableByteChannel ch, byte type, String text) throws IOException {
        if (!text.isEmpty()) {
            writeFrame(ch, type, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    public static void writeExit(WritableByteChannel ch, int code) throws IOException {
        writeFrame(ch, EXIT, ByteBuffer.allocate(4).putInt(code).array());
    }

    /** Reads one frame; null at a clean end of stream (before a frame starts). */
    public static Frame readFrame(ReadableByteChannel ch) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5);
        if (!fill(ch, head, true)) {
            return null;
        }
        head.flip();
        byte type = head.get();
        int n = head.getInt();
        if (n < 0 || n > MAX_FRAME) {
            throw new ProtocolException("frame too long: " + Integer.toUnsignedString(n));
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        fill(ch, body, false);
        return new Frame(type, body.array());
    }

    private static boolean fill(ReadableByteChannel ch, ByteBuffer b, boolean eofOk) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b);
            if (r < 0) {
                if (eofOk && b.position() == 0) {
                    return false;
                }
                throw new EOFException("connection closed inside a frame");
            }
        }
        return true;
    }

    public static int exitCode(Frame f) throws ProtocolException {
        if (f.payload().length != 4) {
            throw new ProtocolException("bad exit frame");
        }
        return ByteBuffer.wrap(f.payload()).getInt();
    }

    public static byte[] encodeRequest(List<String> argv) {
        if (argv.isEmpty() || argv.size() > MAX_ARGS) {
            throw new IllegalArgumentException("argc " + argv.size());
        }
        List<byte[]> parts = new ArrayList<>();
        int size = 3;
        for (String a : argv) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            parts.add(b);
            size += 4 + b.length;
        }
        if (size > MAX_FRAME) {
            throw new IllegalArgumentException("request too long");
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) VERSION).putShort((short) argv.size());
        for (byte[] p : parts) {
            b.putInt(p.length).put(p);
        }
        return b.array();
    }

    public static List<String> decodeRequest(byte[] payload) throws ProtocolException {
        ByteBuffer b = ByteBuffer.wrap(payload);
        try {
            int version = b.get() & 0xff;
            if (version != VERSION) {
                throw new ProtocolException("unsupported protocol version " + version);
            }
            int argc = b.getShort() & 0xffff;
            if (argc < 1 || argc > MAX_ARGS) {
                throw new ProtocolException("bad argument count " + argc);
            }
            List<String> argv = new ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                int n = b.getInt();
                if (n < 0 || n > b.remaining()) {
                    throw new ProtocolException("bad argument length");
                }
                byte[] s = new byte[n];
                b.get(s);
                argv.add(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(s)).toString());
            }
            if (b.hasRemaining()) {
                throw new ProtocolException("trailing bytes in request");
            }
            return argv;
        } catch (java.nio.BufferUnderflowException e) {
            throw new ProtocolException("truncated request");
        } catch (CharacterCodingException e) {
            throw new ProtocolException("argument is not UTF-8");
        }
    }
}
