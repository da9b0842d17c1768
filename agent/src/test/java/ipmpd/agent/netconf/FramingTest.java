package ipmpd.agent.netconf;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RFC 6242 framing: both modes, headers split across reads, the size cap, bad framing. */
class FramingTest {
    /** Hands out one byte per read, as a slow network may. */
    private static InputStream trickle(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            int i;

            @Override
            public int read() {
                return i < b.length ? b[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (i >= b.length) {
                    return -1;
                }
                buf[off] = b[i++];
                return 1;
            }
        };
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void endOfMessage() throws IOException {
        Framing.Reader r = new Framing.Reader(trickle("<a/>]]>]]><b>]]></b>]]>]]>\n"), 1000);
        assertEquals("<a/>", s(r.next()));
        assertEquals("<b>]]></b>", s(r.next()));
        assertNull(r.next());
    }

    @Test
    void chunkedAcrossReads() throws IOException {
        Framing.Reader r = new Framing.Reader(trickle("\n#4\n<rpc\n#17\n message-id=\"1\"/>\n##\n\n#3\n<x/\n#1\n>\n##\n"),
                1000);
        r.useChunked();
        assertEquals("<rpc message-id=\"1\"/>", s(r.next()));
        assertEquals("<x/>", s(r.next()));
        assertNull(r.next());
    }

    @Test
    void badChunkHeaders() {
        for (String bad : new String[] {"\n#0\nx\n##\n", "\n#012\nabcdefghijkl\n##\n", "#3\nabc\n##\n",
                "\n#4294967296\n", "\n#3x\nabc\n##\n", "\n##\n", "\n#3\nabc\n#"}) {
            Framing.Reader r = new Framing.Reader(trickle(bad), 1000);
            r.useChunked();
            assertThrows(IOException.class, r::next, bad);
        }
    }

    @Test
    void oversizeIsSkippedThenReadingGoesOn() throws IOException {
        String big = "x".repeat(5000);
        // chunks each within the limit, together over it: skipped, and the next message is read
        String chunks = ("\n#800\n" + "x".repeat(800)).repeat(3) + "\n##\n";
        Framing.Reader r = new Framing.Reader(trickle(chunks + "\n#4\n<a/>\n##\n"), 1000);
        r.useChunked();
        assertSame(Framing.OVERSIZE, r.next());
        assertEquals("<a/>", s(r.next()));
        // one chunk declared over the limit: refused before its bytes are read
        ByteArrayInputStream in = new ByteArrayInputStream(("\n#5000\n" + big + "\n##\n")
                .getBytes(StandardCharsets.UTF_8));
        Framing.Reader one = new Framing.Reader(in, 1000);
        one.useChunked();
        assertThrows(Framing.ChunkTooBigException.class, one::next);
        assertEquals(5000 + 4, in.available(), "the chunk's bytes are still unread");
        Framing.Reader e = new Framing.Reader(new ByteArrayInputStream((big + "]]>]]><b/>]]>]]>")
                .getBytes(StandardCharsets.UTF_8)), 1000);
        assertSame(Framing.OVERSIZE, e.next());
        assertEquals("<b/>", s(e.next()));
    }

    @Test
    void writerFramesBothWays() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Framing.Writer w = new Framing.Writer(out);
        w.write("<a/>");
        w.useChunked();
        w.write("<é/>");
        assertArrayEquals("<a/>]]>]]>\n#5\n<é/>\n##\n".getBytes(StandardCharsets.UTF_8), out.toByteArray());
    }
}
