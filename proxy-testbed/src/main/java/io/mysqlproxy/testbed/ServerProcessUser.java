package io.mysqlproxy.testbed;

import java.util.Optional;

/** mariadbd refuses to run as root unless told to with {@code --user=root}; CI containers and this team's machines run as root. */
final class ServerProcessUser {

    private ServerProcessUser() {}

    static Optional<String> option() {
        return "root".equals(System.getProperty("user.name")) ? Optional.of("--user=root") : Optional.empty();
    }
}
