package ipmpd.agent.netconf;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * A NETCONF commit to running, for profiling with JDK Flight Recorder (free while no recording
 * runs): where its time went.
 */
@Name("ipmpd.NetconfCommit")
@Label("NETCONF commit")
@Category("ipmpd")
@Description("A commit of the candidate (or edit/copy to running): validation, engine thread, files")
final class CommitEvent extends Event {
    @Label("Validation")
    @Timespan(Timespan.NANOSECONDS)
    long validateNs;

    @Label("Engine thread (wait and apply)")
    @Timespan(Timespan.NANOSECONDS)
    long engineNs;

    @Label("Files rendered, written and flushed")
    @Timespan(Timespan.NANOSECONDS)
    long writeNs;
}
