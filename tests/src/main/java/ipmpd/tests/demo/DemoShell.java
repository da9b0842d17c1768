package ipmpd.tests.demo;

import static ipmpd.tests.testbed.TutorialTestbed.Ns.HOST;

import ipmpd.tests.testbed.IpmpdProcess;
import ipmpd.tests.testbed.Netns;
import ipmpd.tests.testbed.TutorialTestbed;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** What both demos print: commands with their output, banners, the kernel's view, the hands-on list. */
final class DemoShell {
    private DemoShell() {
    }

    static void keepOpen(TutorialTestbed tb, IpmpdProcess d, String dataAddress) throws IOException {
        String p = tb.prefix();
        banner("The testbed stays up until you press Enter. In another shell (as root), from %s:", IpmpdProcess.root());
        say("  export IPMPD_SOCKET=%s", d.socket());
        say("  bin/ipmpstat -i ; bin/ipmpstat -g ; bin/ipmpstat -a ; bin/ipmpstat -t ; bin/ipmpstat -p   (^C ends -p)");
        say("  bin/if_mpadm -d %s ; bin/if_mpadm -r %s                     offline / undo offline", tb.member(1), tb.member(1));
        say("  bin/ipmpadm %s standby ; bin/ipmpadm %s -standby            a standby member", tb.member(3), tb.member(3));
        say("  ip -n %s link set %s down ; ... up                     pull / plug cable 1", tb.ns(TutorialTestbed.Ns.SWA), tb.switchPort(1));
        say("  ip -n %s link set %s down ; ... up                     pull / plug cable 4", tb.ns(TutorialTestbed.Ns.SWA), tb.switchPort(4));
        say("  bridge -n %s link set dev %s state 0 ; ... state 3       cut / mend the path of m2 (link stays up)",
                tb.ns(TutorialTestbed.Ns.SWA), tb.switchPort(2));
        say("  ip -n %s -o addr ; ip -n %s rule                   where the addresses are, source steering", tb.ns(HOST), tb.ns(HOST));
        say("  ip netns exec %s-cli ping %s                            the client's view", p, dataAddress);
        say("  ip netns exec %s snmpwalk -v2c -c public -M %s -m IPMP-MIB:IF-MIB 127.0.0.1:%d IPMP-MIB::ipmpMIB",
                tb.ns(HOST), IpmpdProcess.mibDirs(), Demo.SNMP_PORT);
        say("  SNMPv3 users (read-only and read-write) and their secrets: %s/snmp-users", d.configDir());
        say("  kill -HUP %d                                                     reread %s", d.pid(), d.configDir());
        say("The daemon's log keeps coming here. Press Enter to tear everything down.");
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }

    static void show(IpmpdProcess d, String mode) {
        tool(d, "ipmpstat", mode);
    }

    /** Runs one of the real tools (bin/ipmpstat, bin/ipmpadm, bin/if_mpadm) and prints it as typed. */
    static void tool(IpmpdProcess d, String tool, String... args) {
        IpmpdProcess.ToolResult r = d.launcher(tool, args);
        say("");
        say("$ %s %s", tool, String.join(" ", args));
        System.out.print(r.out());
        if (!r.err().isEmpty()) {
            System.out.print(r.err());
        }
        System.out.flush();
    }

    static void kernel(TutorialTestbed tb) {
        say("");
        say("$ ip -n %s -o -4 addr   (the kernel's view)", tb.ns(HOST));
        for (String l : Netns.exec(null, "ip", "-n", tb.ns(HOST), "-o", "-4", "addr").split("\n")) {
            String[] f = l.trim().split("\\s+");
            if (f.length > 3 && !f[1].equals("lo")) {
                say("%-14s %s", f[1], f[3]);
            }
        }
    }

    static void banner(String fmt, Object... args) {
        say("");
        say("=== " + fmt, args);
    }

    static void say(String fmt, Object... args) {
        System.out.println(args.length == 0 ? fmt : String.format(fmt, args));
        System.out.flush();
    }

    static String q(String s) {
        return Pattern.quote(s);
    }
}
