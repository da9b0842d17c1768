package ipmpd.agent.snmp;

import org.snmp4j.asn1.BERInputStream;
import org.snmp4j.asn1.BEROutputStream;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.SecurityParameters;
import org.snmp4j.security.SecurityStateReference;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmSecurityParameters;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OctetString;
import org.snmp4j.mp.CounterSupport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The USM of the agent's listening session: the authoritative engine of everything it answers.
 * <p>
 * snmp4j writes engine boots and time as zero into every unauthenticated message it sends, the
 * report to a discovery request included. net-snmp's snmpd writes its own values there, and
 * net-snmp's tools take them: their first authenticated request is then already in the time window.
 * Given zeros, they send that request with zeros, are told usmStatsNotInTimeWindows and have to send
 * it again: one more round trip (and one authenticated report) for every new session of snmpget,
 * snmpwalk or snmpbulkwalk. So unauthenticated responses and reports carry the agent's boots and
 * time here. They are not trusted by anyone (the message is not authenticated): a client that
 * follows RFC 3414 strictly still synchronises with an authenticated exchange, and gets the same
 * values from it.
 */
final class AuthoritativeUsm extends USM {
    private final byte[] localEngineId;

    AuthoritativeUsm(SecurityProtocols protocols, OctetString localEngineId, int engineBoots, CounterSupport counters) {
        super(protocols, localEngineId, engineBoots, counters);
        this.localEngineId = localEngineId.getValue();
    }

    @Override
    public int generateResponseMessage(int snmpVersion, byte[] globalData, int maxMessageSize, int securityModel,
            byte[] securityEngineID, byte[] securityName, int securityLevel, BERInputStream scopedPDU,
            SecurityStateReference securityStateReference, SecurityParameters securityParameters,
            BEROutputStream wholeMsg) throws IOException {
        int scopedPduStart = (int) scopedPDU.getPosition();
        int status = super.generateResponseMessage(snmpVersion, globalData, maxMessageSize, securityModel,
                securityEngineID, securityName, securityLevel, scopedPDU, securityStateReference, securityParameters,
                wholeMsg);
        UsmSecurityParameters params = (UsmSecurityParameters) securityParameters;
        if (status != SnmpConstants.SNMPv3_USM_OK || !unauthenticatedFromHere(params)) {
            return status;
        }
        scopedPDU.getBuffer().position(scopedPduStart);
        byte[] scopedPduBytes = buildMessageBuffer(scopedPDU);
        params.setAuthoritativeEngineBoots(getEngineBoots());
        params.setAuthoritativeEngineTime(getEngineTime());
        byte[] message = buildWholeMessage(new Integer32(snmpVersion), scopedPduBytes, globalData, params);
        wholeMsg.setBuffer(ByteBuffer.wrap(message).position(message.length));
        return status;
    }

    /** An unauthenticated message (so plaintext, without a digest to redo) in which this engine is authoritative. */
    private boolean unauthenticatedFromHere(UsmSecurityParameters params) {
        OctetString digest = params.getAuthenticationParameters();
        return (digest == null || digest.length() == 0) && params.getAuthoritativeEngineBoots() == 0
                && params.getAuthoritativeEngineTime() == 0
                && Arrays.equals(params.getAuthoritativeEngineID(), localEngineId);
    }
}
