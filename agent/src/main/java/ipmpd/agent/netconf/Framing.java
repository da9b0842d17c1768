package ipmpd.agent.netconf;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * RFC 6242 message framing: end-of-message ({@code ]]>]]>}, base:1.0 and every hello) and chunked
 * framing ({@code \n#LEN\n...\n##\n}, base:1.1). The reader caps a message's size before
 * allocating: an oversized message is read to its end and discarded ({@link #next} then returns
 * {@link #OVERSIZE}), so the session can answer {@code too-big} and carry on.
 */
final class Framing {
    static final byte[] EOM = "]]>]]>".getBytes(StandardCharsets.US_ASCII);
    /** Returned by {@link Reader#next} for a message that exceeded the cap (its bytes were skipped). */
    static final byte[] OVERSIZE = new byte[0];
    static final long MAX_CHUNK = 4294967295L;
    private static final byte[] END_OF_CHUNKS = "\n##\n".getBytes(StandardCharsets.US_ASCII);

    private Framing() {
    }

    /** Bytes that break the framing: the session cannot continue. */
    static class FramingException extends IOException {
        FramingException(String message) {
            super(message);
        }
    }

    /**
     * A chunk header declares more bytes than a whole message may have: refused before any of
     * them is read (skipping them would mean reading up to 4 GB); the session cannot continue.
     */
    static final class ChunkTooBigException extends FramingException {
        ChunkTooBigException(long declared, int max) {
            super("a chunk of " + declared + " bytes exceeds the message size limit of " + max + " bytes");
        }
    }

    static final class Reader {
        private final InputStream in;
        private final int maxSize;
        private volatile boolean chunked;

        Reader(InputStream in, int maxSize) {
            this.in = in;
            this.maxSize = maxSize;
        }

        void useChunked() {
            chunked = true;
        }

        boolean chunked() {
            return chunked;
        }

        /** The next message; null at end of stream between messages. */
        byte[] next() throws IOException {
            return chunked ? nextChunked() : nextEom();
        }

        private int read() throws IOException {
            return in.read();
        }

        private byte[] nextEom() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
            byte[] tail = new byte[EOM.length];
            long count = 0;
            boolean oversize = false;
            while (true) {
                int c = read();
                if (c < 0) {
                    if (count == 0 || allWhitespace(buf)) {
                        return null;
                    }
                    throw new EOFException("end of stream inside a message");
                }
                System.arraycopy(tail, 1, tail, 0, tail.length - 1);
                tail[tail.length - 1] = (byte) c;
                count++;
                if (!oversize) {
                    buf.write(c);
                    if (buf.size() > maxSize + EOM.length) {
                        oversize = true;
                        buf = new ByteArrayOutputStream(0);
                    }
                }
                if (count >= EOM.length && java.util.Arrays.equals(tail, EOM)) {
                    if (oversize) {
                        return OVERSIZE;
                    }
                    byte[] all = buf.toByteArray();
                    return java.util.Arrays.copyOf(all, all.length - EOM.length);
                }
            }
        }

        private static boolean allWhitespace(ByteArrayOutputStream b) {
            for (byte x : b.toByteArray()) {
                if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
                    return false;
                }
            }
            return true;
        }

        private void expect(int want) throws IOException {
            int c = read();
            if (c < 0) {
                throw new EOFException("end of stream inside chunked framing");
            }
            if (c != want) {
                throw new FramingException("bad chunked framing: expected " + describe(want) + ", got " + describe(c));
            }
        }

        private static String describe(int c) {
            return c == '\n' ? "LF" : c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
        }

        private byte[] nextChunked() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
            long total = 0;
            boolean oversize = false;
            int chunks = 0;
            while (true) {
                int c = read();
                if (c < 0) {
                    if (chunks == 0) {
                        return null;
                    }
                    throw new EOFException("end of stream inside chunked framing");
                }
                if (c != '\n') {
                    throw new FramingException("bad chunked framing: expected LF, got " + describe(c));
                }
                expect('#');
                c = read();
                if (c == '#') {
                    expect('\n');
                    if (chunks == 0) {
                        throw new FramingException("bad chunked framing: end of chunks before any chunk");
                    }
                    return oversize ? OVERSIZE : buf.toByteArray();
                }
                if (c < '1' || c > '9') {
                    throw new FramingException("bad chunked framing: bad chunk size start " + describe(c));
                }
                long len = c - '0';
                int digits = 1;
                while (true) {
                    c = read();
                    if (c == '\n') {
                        break;
                    }
                    if (c < '0' || c > '9' || ++digits > 10) {
                        throw new FramingException("bad chunked framing: bad chunk size");
                    }
                    len = len * 10 + (c - '0');
                }
                if (len > MAX_CHUNK) {
                    throw new FramingException("bad chunked framing: chunk size " + len + " too large");
                }
                if (len > maxSize) {
                    throw new ChunkTooBigException(len, maxSize);
                }
                chunks++;
                total += len;
                if (!oversize && total > maxSize) {
                    oversize = true;
                    buf = new ByteArrayOutputStream(0);
                }
                if (oversize) {
                    skip(len);
                } else {
                    byte[] data = in.readNBytes((int) len);
                    if (data.length != len) {
                        throw new EOFException("end of stream inside a chunk");
                    }
                    buf.write(data);
                }
            }
        }

        private void skip(long n) throws IOException {
            byte[] scratch = new byte[8192];
            while (n > 0) {
                int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
                if (r < 0) {
                    throw new EOFException("end of stream inside a chunk");
                }
                n -= r;
            }
        }
    }

    /** Writes whole messages; replies and notifications share it, so writes are serialised. */
    static final class Writer {
        private final OutputStream out;
        private volatile boolean chunked;

        Writer(OutputStream out) {
            this.out = out;
        }

        void useChunked() {
            chunked = true;
        }

        /** One message, handed to the channel in one write (header, body and trailer together). */
        synchronized void write(String xml) throws IOException {
            byte[] body = xml.getBytes(StandardCharsets.UTF_8);
            byte[] head = chunked ? ("\n#" + body.length + "\n").getBytes(StandardCharsets.US_ASCII) : new byte[0];
            byte[] tail = chunked ? END_OF_CHUNKS : EOM;
            byte[] all = new byte[head.length + body.length + tail.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            System.arraycopy(tail, 0, all, head.length + body.length, tail.length);
            out.write(all);
            out.flush();
        }
    }
}
