package io.mysqlproxy.core.accounts;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A client's IP address as account host patterns are matched against it: the address, and its text as
 * MySQL prints it (dotted IPv4; IPv6 compressed, lower case, as inet_ntop). An IPv4-mapped IPv6 address
 * is its IPv4 address. Only numeric literals are parsed: a name is never resolved.
 */
record ClientAddress(InetAddress address, String text) {

    /** {@code literal} as an address, empty when it is not an IPv4 or IPv6 literal. */
    static Optional<ClientAddress> parse(String literal) {
        Optional<InetAddress> address = literal(literal);
        return address.map(a -> new ClientAddress(a, text(a)));
    }

    /** An IPv4 or IPv6 literal (an IPv6 zone is dropped); never resolves a name. */
    static Optional<InetAddress> literal(String text) {
        String candidate = text.trim();
        int zone = candidate.indexOf('%');
        if (candidate.indexOf(':') >= 0) {
            if (zone >= 0) {
                candidate = candidate.substring(0, zone);
            }
            if (!candidate.matches("[0-9A-Fa-f:.]+")) {
                return Optional.empty();
            }
        } else if (!candidate.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return Optional.empty();
        }
        try {
            // A literal: InetAddress parses it without a lookup.
            return Optional.of(InetAddress.getByName(candidate));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    boolean loopback() {
        return address.isLoopbackAddress();
    }

    byte[] bytes() {
        return address.getAddress();
    }

    /** RFC 5952 text: IPv4 dotted; IPv6 lower-case hex, the longest run of two or more zero groups as "::". */
    private static String text(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
