package ipmpd.agent.cli;

/** `ipmpadm`: runs inside ipmpd over the control socket ($IPMPD_SOCKET, else /run/ipmpd/ipmpd.sock). */
public final class Ipmpadm {
    private Ipmpadm() {
    }

    public static void main(String[] args) {
        ClientMain.main("ipmpadm", args);
    }
}
