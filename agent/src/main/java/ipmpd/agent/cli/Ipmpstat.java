package ipmpd.agent.cli;

/** `ipmpstat`: runs inside ipmpd over the control socket ($IPMPD_SOCKET, else /run/ipmpd/ipmpd.sock). */
public final class Ipmpstat {
    private Ipmpstat() {
    }

    public static void main(String[] args) {
        ClientMain.main("ipmpstat", args);
    }
}
