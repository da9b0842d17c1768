package ipmpd.engine;

/** ipmpstat -g STATE. */
public enum GroupState {
    OK("ok"), DEGRADED("degraded"), FAILED("failed");

    public final String text;

    GroupState(String text) {
        this.text = text;
    }
}
