package ipmpd.agent.metrics;

import ipmpd.agent.netconf.NetconfServer;
import ipmpd.agent.snmp.SnmpAgent;

import java.util.function.Supplier;

/**
 * The faces' activity as metrics: SNMP requests and notifications, NETCONF sessions, RPCs and
 * notifications, and the process's start time. A face that is off contributes no samples.
 */
public final class AgentMetrics {
    private final Supplier<SnmpAgent.Activity> snmp;
    private final Supplier<NetconfServer.Activity> netconf;
    private final double startTimeSeconds;

    /**
     * @param snmp the SNMP agent's activity (null, or answering null, when it is off)
     * @param netconf the NETCONF server's activity (null when it is off)
     * @param startTimeSeconds when the daemon started (Unix time)
     */
    public AgentMetrics(Supplier<SnmpAgent.Activity> snmp, Supplier<NetconfServer.Activity> netconf,
                        double startTimeSeconds) {
        this.snmp = snmp;
        this.netconf = netconf;
        this.startTimeSeconds = startTimeSeconds;
    }

    public void collect(Exposition out) {
        out.gauge("process_start_time_seconds", "seconds", "Start time of the process since the Unix epoch")
                .add(startTimeSeconds);
        SnmpAgent.Activity s = snmp == null ? null : snmp.get();
        if (s != null) {
            out.counter("ipmpd_snmp_requests_total", null, "SNMP requests received (authenticated), by PDU type")
                    .add(s.getRequests(), "pdu", "get")
                    .add(s.getNextRequests(), "pdu", "getnext")
                    .add(s.getBulkRequests(), "pdu", "getbulk")
                    .add(s.setRequests(), "pdu", "set");
            out.counter("ipmpd_snmp_notifications_sent_total", null,
                            "SNMP notifications sent, one per destination, by kind (trap or inform)")
                    .add(s.trapsSent(), "kind", "trap")
                    .add(s.informsSent(), "kind", "inform");
            out.counter("ipmpd_snmp_informs_acknowledged_total", null, "SNMP informs a destination acknowledged")
                    .add(s.informsAcknowledged());
            out.counter("ipmpd_snmp_informs_unacknowledged_total", null,
                            "SNMP informs never acknowledged (after the retries)")
                    .add(s.informsUnacknowledged());
            out.counter("ipmpd_snmp_notifications_dropped_total", null,
                            "SNMP notifications dropped because the notification queue was full")
                    .add(s.notificationsDropped());
        }
        NetconfServer.Activity n = netconf == null ? null : netconf.get();
        if (n != null) {
            out.gauge("ipmpd_netconf_open_sessions", null, "NETCONF sessions open now").add(n.openSessions());
            out.counter("ipmpd_netconf_sessions_total", null, "NETCONF sessions started (hello exchanged)")
                    .add(n.sessions());
            out.counter("ipmpd_netconf_bad_hellos_total", null, "NETCONF sessions refused for a bad hello")
                    .add(n.badHellos());
            out.counter("ipmpd_netconf_dropped_sessions_total", null,
                    "NETCONF sessions ended abnormally (not by close-session)").add(n.droppedSessions());
            out.counter("ipmpd_netconf_rpcs_total", null, "NETCONF RPCs received").add(n.rpcs());
            out.counter("ipmpd_netconf_bad_rpcs_total", null, "NETCONF RPCs received that were malformed")
                    .add(n.badRpcs());
            out.counter("ipmpd_netconf_rpc_errors_total", null, "NETCONF rpc-error replies sent").add(n.rpcErrors());
            out.counter("ipmpd_netconf_notifications_total", null, "NETCONF notifications sent to subscribers")
                    .add(n.notifications());
        }
    }
}
