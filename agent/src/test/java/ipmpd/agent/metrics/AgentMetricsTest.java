package ipmpd.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ipmpd.agent.netconf.NetconfServer;
import ipmpd.agent.snmp.SnmpAgent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which face's counts become which samples (the counts themselves: SnmpAgentTest, RawSessionTest). */
class AgentMetricsTest {

    private static List<String> samples(AgentMetrics m) {
        Exposition e = new Exposition();
        m.collect(e);
        return e.render(Exposition.Format.TEXT).lines().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void bothFaces() {
        AgentMetrics m = new AgentMetrics(() -> new SnmpAgent.Activity(1, 2, 3, 4, 5, 6, 7, 8, 9),
                () -> new NetconfServer.Activity(10, 11, 12, 13, 14, 15, 16, 17), 1700000000.5);
        assertEquals(List.of(
                "process_start_time_seconds 1700000000.5",
                "ipmpd_snmp_requests_total{pdu=\"get\"} 1",
                "ipmpd_snmp_requests_total{pdu=\"getnext\"} 2",
                "ipmpd_snmp_requests_total{pdu=\"getbulk\"} 3",
                "ipmpd_snmp_requests_total{pdu=\"set\"} 4",
                "ipmpd_snmp_notifications_sent_total{kind=\"trap\"} 5",
                "ipmpd_snmp_notifications_sent_total{kind=\"inform\"} 6",
                "ipmpd_snmp_informs_acknowledged_total 7",
                "ipmpd_snmp_informs_unacknowledged_total 8",
                "ipmpd_snmp_notifications_dropped_total 9",
                "ipmpd_netconf_open_sessions 10",
                "ipmpd_netconf_sessions_total 11",
                "ipmpd_netconf_bad_hellos_total 12",
                "ipmpd_netconf_dropped_sessions_total 13",
                "ipmpd_netconf_rpcs_total 14",
                "ipmpd_netconf_bad_rpcs_total 15",
                "ipmpd_netconf_rpc_errors_total 16",
                "ipmpd_netconf_notifications_total 17"), samples(m));
    }

    @Test
    void facesThatAreOffShowNothing() {
        assertEquals(List.of("process_start_time_seconds 1"), samples(new AgentMetrics(null, null, 1)));
        assertEquals(List.of("process_start_time_seconds 1"), samples(new AgentMetrics(() -> null, null, 1)));
        Exposition e = new Exposition();
        new AgentMetrics(null, null, 1).collect(e);
        assertTrue(e.render(Exposition.Format.OPENMETRICS).contains("# UNIT process_start_time_seconds seconds\n"));
    }
}
