package ipmpd.engine.config;

import ipmpd.engine.AdminException;
import ipmpd.engine.Addresses;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.Family;
import ipmpd.engine.config.ConfigProblem.Kind;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;
import ipmpd.engine.config.IpmpConfiguration.TestAddress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The engine's rules for a whole configuration, checked before anything is applied. */
public final class ConfigValidator {
    private ConfigValidator() {
    }

    public static List<ConfigProblem> validate(IpmpConfiguration c) {
        List<ConfigProblem> out = new ArrayList<>();
        EngineConfig g = c.global();
        if (g.failureDetectionTimeMs() < EngineConfig.MIN_FDT_MS) {
            out.add(new ConfigProblem("/ipmp/failure-detection-time", Kind.INVALID_VALUE,
                    "failure detection time " + g.failureDetectionTimeMs() + " ms is below the minimum of "
                            + EngineConfig.MIN_FDT_MS + " ms"));
        }
        if (g.probeQuietPeriodMs() < 0) {
            out.add(new ConfigProblem("/ipmp/probe-quiet-period", Kind.INVALID_VALUE, "must not be negative"));
        }
        Set<String> groupNames = new HashSet<>();
        Map<String, String> memberGroup = new HashMap<>();
        Map<InetAddress, String> used = new HashMap<>();
        Map<String, String> ipmpInterfaceGroup = new HashMap<>();
        for (GroupConfig grp : c.groups()) {
            String gp = "/ipmp/group[name='" + grp.name() + "']";
            try {
                if (grp.name().isEmpty()) {
                    throw new AdminException("group name must not be empty");
                }
                Engine.validateGroupName(grp.name());
            } catch (AdminException e) {
                out.add(new ConfigProblem(gp + "/name", Kind.INVALID_VALUE, e.getMessage()));
            }
            if (!groupNames.add(grp.name())) {
                out.add(new ConfigProblem(gp, Kind.DATA_EXISTS, "group " + grp.name() + " is defined twice"));
            }
            String ipmp = grp.ipmpInterface();
            if (ipmp != null) {
                String ip = gp + "/ipmp-interface";
                if (!Engine.validIpmpInterfaceName(ipmp)) {
                    out.add(new ConfigProblem(ip, Kind.INVALID_VALUE, "invalid IPMP interface name \"" + ipmp
                            + "\": it begins with a letter, ends with a number and has at most 15 characters"));
                }
                String other = ipmpInterfaceGroup.put(ipmp, grp.name());
                if (other != null) {
                    out.add(new ConfigProblem(ip, Kind.DATA_EXISTS, ipmp + " is already the IPMP interface of group "
                            + other));
                }
            }
            int online = 0;
            for (MemberConfig m : grp.members()) {
                String mp = gp + "/member[name='" + m.name() + "']";
                if (!validInterfaceName(m.name())) {
                    out.add(new ConfigProblem(mp + "/name", Kind.INVALID_VALUE,
                            "invalid interface name \"" + m.name() + "\""));
                }
                String other = memberGroup.put(m.name(), grp.name());
                if (other != null) {
                    out.add(new ConfigProblem(mp, Kind.DATA_EXISTS,
                            "interface " + m.name() + " is already a member of group " + other));
                }
                if (!m.offline()) {
                    online++;
                }
                Set<Family> families = new HashSet<>();
                for (TestAddress t : m.testAddresses()) {
                    Family f = Family.of(t.address());
                    String tp = mp + "/test-address";
                    if (!families.add(f)) {
                        out.add(new ConfigProblem(tp, Kind.INCONSISTENT,
                                "interface " + m.name() + " has more than one " + f.label + " test address"));
                    }
                    if (Addresses.isUnspecified(t.address()) || t.address().isMulticastAddress()) {
                        out.add(new ConfigProblem(tp, Kind.INVALID_VALUE,
                                "test address " + Addresses.format(t.address()) + " is not a unicast address"));
                    } else if (f == Family.INET6 && !Addresses.isLinkLocal(t.address())) {
                        out.add(new ConfigProblem(tp, Kind.INVALID_VALUE, "the IPv6 test address of "
                                + m.name() + " must be its link-local address"));
                    }
                    if (!prefixOk(t.address(), t.prefixLen())) {
                        out.add(new ConfigProblem(tp, Kind.INVALID_VALUE, "bad prefix length " + t.prefixLen()));
                    }
                    if (f == Family.INET) {
                        String prev = used.put(t.address(), mp);
                        if (prev != null) {
                            out.add(new ConfigProblem(tp, Kind.DATA_EXISTS, "address "
                                    + Addresses.format(t.address()) + " is already used at " + prev));
                        }
                    }
                }
            }
            if (!grp.members().isEmpty() && online == 0) {
                out.add(new ConfigProblem(gp + "/member[name='" + grp.members().get(grp.members().size() - 1).name()
                        + "']/offline", Kind.INCONSISTENT, "cannot offline every interface of group " + grp.name()
                        + ": no other functioning interfaces are in its IPMP group"));
            }
            for (DataAddress d : grp.dataAddresses()) {
                String dp = gp + "/data-address[address='" + Addresses.format(d.address()) + "']";
                if (Addresses.isUnspecified(d.address()) || d.address().isMulticastAddress()
                        || Addresses.isLinkLocal(d.address())) {
                    out.add(new ConfigProblem(dp + "/address", Kind.INVALID_VALUE,
                            Addresses.format(d.address()) + " cannot be a data address"));
                }
                if (!prefixOk(d.address(), d.prefixLen())) {
                    out.add(new ConfigProblem(dp + "/prefix-length", Kind.INVALID_VALUE,
                            "bad prefix length " + d.prefixLen()));
                }
                String prev = used.put(d.address(), dp);
                if (prev != null) {
                    out.add(new ConfigProblem(dp, Kind.DATA_EXISTS, "address " + Addresses.format(d.address())
                            + " is already used at " + prev));
                }
                if (ipmp != null) {
                    if (!ipmp.equals(d.homeMember())) {
                        out.add(new ConfigProblem(dp + "/home-member", Kind.INCONSISTENT, "group " + grp.name()
                                + " has the IPMP interface " + ipmp + ": it holds the data addresses, members hold none"));
                    }
                    continue;
                }
                var home = grp.member(d.homeMember());
                if (home.isEmpty()) {
                    out.add(new ConfigProblem(dp + "/home-member", Kind.DATA_MISSING,
                            "home member " + d.homeMember() + " is not a member of group " + grp.name()));
                } else if (home.get().standby()) {
                    out.add(new ConfigProblem(dp + "/home-member", Kind.INCONSISTENT,
                            "data addresses cannot be added to standby interface " + d.homeMember()));
                }
            }
            Set<InetAddress> targets = new HashSet<>();
            for (InetAddress t : grp.targets()) {
                String tp = gp + "/probe-target[address='" + Addresses.format(t) + "']";
                if (Addresses.isUnspecified(t) || t.isMulticastAddress()) {
                    out.add(new ConfigProblem(tp, Kind.INVALID_VALUE, Addresses.format(t) + " cannot be a probe target"));
                }
                if (!targets.add(t)) {
                    out.add(new ConfigProblem(tp, Kind.DATA_EXISTS, "target listed twice"));
                }
            }
        }
        for (Map.Entry<String, String> i : ipmpInterfaceGroup.entrySet()) {
            String member = memberGroup.get(i.getKey());
            if (member != null) {
                out.add(new ConfigProblem("/ipmp/group[name='" + i.getValue() + "']/ipmp-interface", Kind.INCONSISTENT,
                        i.getKey() + " is a member of group " + member + ", so it cannot be an IPMP interface"));
            }
        }
        return out;
    }

    static boolean prefixOk(InetAddress a, int len) {
        return len >= 0 && len <= a.getAddress().length * 8;
    }

    /** Linux interface names: 1..15 characters, no '/', ':' or white space, not "." or "..". */
    public static boolean validInterfaceName(String n) {
        if (n == null || n.isEmpty() || n.length() > 15 || n.equals(".") || n.equals("..")) {
            return false;
        }
        for (char ch : n.toCharArray()) {
            if (ch == '/' || ch == ':' || Character.isWhitespace(ch) || Character.isISOControl(ch)) {
                return false;
            }
        }
        return true;
    }
}
