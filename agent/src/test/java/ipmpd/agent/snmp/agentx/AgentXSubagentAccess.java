package ipmpd.agent.snmp.agentx;

/** What tests of other packages may know of the subagent's package-private constants. */
public final class AgentXSubagentAccess {
    private AgentXSubagentAccess() {
    }

    /** The open timeout in hundredths of a second (TimeTicks). */
    public static long openTimeoutTicks() {
        return AgentXSubagent.OPEN_TIMEOUT_MS / 10;
    }
}
