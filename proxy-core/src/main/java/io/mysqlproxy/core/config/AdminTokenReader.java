package io.mysqlproxy.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The admin port's bearer token: {@code admin.token} (or MYSQL_PROXY_ADMIN_TOKEN), or the contents of
 * {@code admin.token-file} (a Secret mounted as a file). Errors name the key, never the token.
 */
final class AdminTokenReader {

    /** What a bearer token may hold (RFC 6750 token68 and a little more): visible ASCII, no blanks. */
    private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]+");

    static final int MIN_LENGTH = 16;

    private AdminTokenReader() {}

    static Optional<String> read(ConfigValueReader read) {
        String inline = read.string("admin.token").trim();
        Optional<Path> file = read.optionalFile("admin.token-file");
        if (!inline.isEmpty() && file.isPresent()) {
            throw new InvalidConfigException(
                    ConfigLoader.ROOT + ".admin.token", "set admin.token or admin.token-file, not both");
        }
        if (file.isPresent()) {
            try {
                // Trimmed: files written by `echo` or kubectl end in a newline.
                return Optional.of(valid(
                        Files.readString(file.get(), StandardCharsets.UTF_8).trim(), "admin.token-file"));
            } catch (IOException e) {
                throw new InvalidConfigException(
                        ConfigLoader.ROOT + ".admin.token-file", "cannot read file " + file.get(), e);
            }
        }
        return inline.isEmpty() ? Optional.empty() : Optional.of(valid(inline, "admin.token"));
    }

    private static String valid(String token, String key) {
        if (token.length() < MIN_LENGTH || !VISIBLE_ASCII.matcher(token).matches()) {
            throw new InvalidConfigException(
                    ConfigLoader.ROOT + "." + key,
                    "must be at least " + MIN_LENGTH + " visible ASCII characters without blanks");
        }
        return token;
    }
}
