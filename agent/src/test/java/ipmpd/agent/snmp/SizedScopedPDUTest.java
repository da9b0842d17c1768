package ipmpd.agent.snmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.asn1.BEROutputStream;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.VariableBinding;

import java.nio.ByteBuffer;
import java.util.Random;

/** The kept lengths give snmp4j's own length and encoding whatever happens to the bindings. */
class SizedScopedPDUTest {
    private static byte[] encode(ScopedPDU p) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(p.getBERLength());
        p.encodeBER(new BEROutputStream(b));
        return b.array();
    }

    @Test
    void lengthAndEncodingAreSnmp4jsAsBindingsAreAddedChangedAndRemoved() throws Exception {
        Random r = new Random(5);
        SizedScopedPDU sized = new SizedScopedPDU();
        sized.setType(PDU.GETBULK);
        sized.setMaxRepetitions(50);
        sized.setRequestID(new Integer32(123456));
        SizedScopedPDU response = (SizedScopedPDU) sized.clone();
        response.setType(PDU.RESPONSE);
        for (int step = 0; step < 2000; step++) {
            int op = r.nextInt(5);
            if (op <= 1 || response.size() == 0) {
                response.add(new VariableBinding(new OID("1.3.6.1.4.1.99999.1.1.4.1." + r.nextInt(30) + "." + r.nextInt(100000)),
                        new Integer32(r.nextInt())));
            } else if (op == 2) {
                VariableBinding vb = response.get(r.nextInt(response.size()));
                vb.setOid(new OID(vb.getOid()).append(r.nextInt(Integer.MAX_VALUE)));
            } else if (op == 3) {
                VariableBinding vb = response.get(r.nextInt(response.size()));
                vb.setVariable(r.nextBoolean() ? new OctetString(new byte[r.nextInt(300)])
                        : r.nextBoolean() ? new Counter64(r.nextLong()) : Null.endOfMibView);
            } else {
                response.remove(r.nextInt(response.size()));
            }
            ScopedPDU plain = new ScopedPDU(response);
            assertEquals(plain.getBERLength(), response.getBERLength(), "after step " + step);
            if (step % 50 == 0) {
                assertArrayEquals(encode(plain), encode(response));
            }
        }
    }
}
