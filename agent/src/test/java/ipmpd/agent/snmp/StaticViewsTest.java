package ipmpd.agent.snmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.agent.security.MutableVACM;
import org.snmp4j.agent.security.VACM;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import java.util.List;
import java.util.Random;

/** The static lookup decides as snmp4j-agent's VacmMIB does, for the views and users the agent sets up. */
class StaticViewsTest {
    @Test
    void decidesAsVacmMib() {
        DefaultMOServer server = new DefaultMOServer();
        server.addContext(new OctetString());
        VacmMIB vacm = new VacmMIB(new MOServer[] {server});
        StaticViews fast = new StaticViews(vacm);
        OctetString a = new OctetString("a");
        OctetString b = new OctetString("b");
        List<OID> roots = List.of(new OID("1.3.6.1.2.1.1"), new OID("1.3.6.1.2.1.2"), new OID("1.3.6.1.4.1.99999.1"),
                new OID("1.3.6.1.4.1"), new OID("1.3.6.1.4.1.4976"), new OID("1.3.6.1.4.1.99999.1.1.4"));
        Object[][] families = {{a, 0, true}, {a, 2, true}, {a, 4, false}, {b, 3, true}, {b, 4, false}, {b, 5, false},
            {b, 2, true}};
        for (Object[] f : families) {
            OID subtree = roots.get((Integer) f[1]);
            boolean in = (Boolean) f[2];
            vacm.addViewTreeFamily((OctetString) f[0], subtree, new OctetString(),
                    in ? MutableVACM.VACM_VIEW_INCLUDED : MutableVACM.VACM_VIEW_EXCLUDED, StorageType.readOnly);
            fast.family((OctetString) f[0], subtree, in);
        }
        vacm.addGroup(SecurityModel.SECURITY_MODEL_USM, new OctetString("u"), new OctetString("g"), StorageType.readOnly);
        vacm.addAccess(new OctetString("g"), new OctetString(), SecurityModel.SECURITY_MODEL_USM, SecurityLevel.AUTH_PRIV,
                MutableVACM.VACM_MATCH_EXACT, a, b, b, StorageType.readOnly);
        fast.seal();
        assertEquals(null, fast.uniformAccess(b, roots.get(2)), "b excludes a part of IPMP-MIB");
        assertEquals(Boolean.TRUE, fast.uniformAccess(a, roots.get(2)));
        assertEquals(Boolean.FALSE, fast.uniformAccess(a, roots.get(4)));
        Random r = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            OID o = new OID(roots.get(r.nextInt(roots.size())));
            int cut = r.nextInt(o.size() + 1);
            o = new OID(o.getValue(), 0, cut);
            for (int k = r.nextInt(5); k > 0; k--) {
                o.append(r.nextInt(3) == 0 ? 99999 : r.nextInt(6));
            }
            for (OctetString view : List.of(a, b, new OctetString("none"))) {
                assertEquals(vacm.isAccessAllowed(view, o), fast.isAccessAllowed(view, o), view + " " + o);
                Boolean uniform = fast.uniformAccess(view, o);
                if (uniform != null) { // then it is the decision for every OID under o
                    for (int k = 0; k < 4; k++) {
                        OID under = new OID(o).append(r.nextInt(3) == 0 ? 99999 : r.nextInt(6)).append(r.nextInt(6));
                        assertEquals(uniform ? VACM.VACM_OK : VACM.VACM_NOT_IN_VIEW, vacm.isAccessAllowed(view, under),
                                view + " " + under + " under " + o + " (uniform: " + uniform + ")");
                    }
                }
            }
            for (int type : new int[] {VACM.VIEW_READ, VACM.VIEW_WRITE, VACM.VIEW_NOTIFY}) {
                for (String user : List.of("u", "nobody")) {
                    for (int level : new int[] {SecurityLevel.AUTH_PRIV, SecurityLevel.NOAUTH_NOPRIV}) {
                        assertEquals(vacm.isAccessAllowed(new OctetString(), new OctetString(user),
                                        SecurityModel.SECURITY_MODEL_USM, level, type, o),
                                fast.isAccessAllowed(new OctetString(), new OctetString(user),
                                        SecurityModel.SECURITY_MODEL_USM, level, type, o), user + " " + type + " " + o);
                    }
                }
            }
        }
    }
}
