package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.UserAccount;
import io.mysqlproxy.protocol.auth.AuthPlugin;
import io.mysqlproxy.protocol.auth.CachingSha2Hash;
import io.mysqlproxy.protocol.auth.NativePassword;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoys look like the accounts they stand in for: stored hashes in the real form, as many rounds. */
class DecoyAccountsTest {

    @Test
    void learnedDecoysHaveWellFormedHashesOfTheRealRounds() {
        for (int rounds : List.of(5000, 10_000)) {
            DecoyAccounts decoys = DecoyAccounts.learned(rounds);
            UserAccount sha2 = decoys.account("nobody", AuthPlugin.CACHING_SHA2_PASSWORD);
            byte[] stored = sha2.serverAccount().orElseThrow().authenticationString();
            assertEquals(rounds, CachingSha2Hash.parse(stored).orElseThrow().rounds());
            assertEquals(AuthPlugin.CACHING_SHA2_PASSWORD, sha2.authPlugin().orElseThrow());
            UserAccount nativeDecoy = decoys.account("nobody", AuthPlugin.MYSQL_NATIVE_PASSWORD);
            assertTrue(NativePassword.parseStage2(
                            nativeDecoy.serverAccount().orElseThrow().authenticationString())
                    .isPresent());
        }
    }

    @Test
    void configuredDecoysHaveARandomPassword() {
        UserAccount decoy = DecoyAccounts.configured().account("nobody", AuthPlugin.CACHING_SHA2_PASSWORD);
        assertTrue(decoy.serverAccount().isEmpty());
        assertTrue(decoy.password().length() > 20);
    }

    @Test
    void aNameGetsTheSamePluginEveryTime() {
        List<AuthPlugin> plugins = List.of(AuthPlugin.MYSQL_NATIVE_PASSWORD, AuthPlugin.CACHING_SHA2_PASSWORD);
        for (String name : List.of("a", "b", "someone", "")) {
            assertEquals(DecoyAccounts.plugin(name, plugins), DecoyAccounts.plugin(name, plugins));
        }
    }

    @Test
    void roundsOutsideMySqlsRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DecoyAccounts.learned(999));
        assertThrows(IllegalArgumentException.class, () -> DecoyAccounts.learned(5500));
        assertThrows(IllegalArgumentException.class, () -> DecoyAccounts.learned(4_096_000));
    }
}
