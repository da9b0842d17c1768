package ipmpd.linux;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodecWarmUpTest {
    @Test
    void cannedMessageIsACarrierLossAsTheMonitorDecodesIt() {
        byte[] d = CodecWarmUp.linkDown(7);
        long[] bad = new long[1];
        List<NlMessage> messages = NlMessage.split(d, d.length, bad);
        assertEquals(1, messages.size());
        assertEquals(0, bad[0]);
        RtEvent.Link e = (RtEvent.Link) RtnlDecoder.event(messages.get(0));
        assertEquals(RtEvent.Kind.NEW, e.kind());
        assertEquals("warm0", e.info().name());
        assertTrue(e.info().isUp());
        assertFalse(e.info().isRunning());
        assertFalse(e.info().carrier());
    }

    @Test
    void everyRoundDecodesItsLinkDown() {
        assertEquals(250, CodecWarmUp.run(250));
        assertEquals(0, CodecWarmUp.run(0));
    }
}
