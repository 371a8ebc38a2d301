package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.ServerAccount;
import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.NativePassword;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What an unknown user is checked as, as MySQL checks one against a decoy account: the same packets and the same
 * work as a known user, then 1045. For configured users, an account with a random password; for users learned
 * from the servers, an account with random stored hashes, its caching_sha2_password one as many rounds as the real
 * accounts' (5000 on MySQL 8.x, 10000 on 9.x), so that full authentication takes as long. Per process: nobody
 * knows a password that matches.
 */
public final class DecoyAccounts {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** The key that picks a decoy's plugin. */
    private static final byte[] KEY = new byte[32];

    static {
        RANDOM.nextBytes(KEY);
    }

    private static final DecoyAccounts CONFIGURED =
            new DecoyAccounts(new BigInteger(160, RANDOM).toString(36), null, null);

    private final String password;
    private final byte[] nativeHash;
    private final byte[] sha2Hash;

    private DecoyAccounts(String password, byte[] nativeHash, byte[] sha2Hash) {
        this.password = password;
        this.nativeHash = nativeHash;
        this.sha2Hash = sha2Hash;
    }

    /** Decoys for configured users: a random password. */
    public static DecoyAccounts configured() {
        return CONFIGURED;
    }

    /** Decoys for learned users; {@code sha2Rounds}: the real caching_sha2_password accounts' (a multiple of 1000). */
    public static DecoyAccounts learned(int sha2Rounds) {
        if (sha2Rounds < 1000 || sha2Rounds > 0xFFF * 1000 || sha2Rounds % 1000 != 0) {
            throw new IllegalArgumentException("caching_sha2_password rounds are 1000 to 4095000 in thousands");
        }
        byte[] stage2 = new byte[NativePassword.HASH_LENGTH];
        RANDOM.nextBytes(stage2);
        byte[] nativeHash =
                ("*" + HexFormat.of().withUpperCase().formatHex(stage2)).getBytes(StandardCharsets.US_ASCII);
        StringBuilder sha2 = new StringBuilder("$A$" + String.format(Locale.ROOT, "%03X", sha2Rounds / 1000) + "$");
        for (int i = 0; i < 20 + 43; i++) { // salt, then hash
            sha2.append(CRYPT_ALPHABET.charAt(RANDOM.nextInt(CRYPT_ALPHABET.length())));
        }
        return new DecoyAccounts(null, nativeHash, sha2.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** The decoy account for {@code name} on {@code plugin}. */
    UserAccount account(String name, AuthPlugin plugin) {
        if (password != null) {
            return new UserAccount(name, password, Optional.empty());
        }
        byte[] hash = plugin == AuthPlugin.MYSQL_NATIVE_PASSWORD ? nativeHash : sha2Hash;
        return UserAccount.fromServer(
                new ServerAccount(name, "%", plugin.wireName(), hash, false, false), Optional.empty());
    }

    /**
     * The plugin an unknown {@code name} gets of {@code plugins}, the same every time: picked by a keyed hash, so
     * that no one can predict it and tell a known user's plugin from a decoy's.
     */
    static AuthPlugin plugin(String name, List<AuthPlugin> plugins) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(KEY);
            byte[] digest = sha.digest(name.getBytes(StandardCharsets.UTF_8));
            int pick = (digest[0] & 0xff) << 24 | (digest[1] & 0xff) << 16 | (digest[2] & 0xff) << 8 | digest[3] & 0xff;
            return plugins.get(Math.floorMod(pick, plugins.size()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
