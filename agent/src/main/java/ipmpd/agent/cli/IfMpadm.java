package ipmpd.agent.cli;

/** `if_mpadm`: runs inside ipmpd over the control socket ($IPMPD_SOCKET, else /run/ipmpd/ipmpd.sock). */
public final class IfMpadm {
    private IfMpadm() {
    }

    public static void main(String[] args) {
        ClientMain.main("if_mpadm", args);
    }
}
