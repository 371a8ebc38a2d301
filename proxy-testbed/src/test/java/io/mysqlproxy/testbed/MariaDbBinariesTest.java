package io.mysqlproxy.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MariaDbBinariesTest {

    @Test
    void parsesDebianVersionLine() {
        assertEquals(
                "10.11.19-MariaDB-0+deb12u1",
                MariaDbBinaries.parseVersion(
                        "/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)\n"));
    }

    @Test
    void missingBinariesNameTheDebianInstallCommand(@TempDir Path empty) {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> MariaDbBinaries.locateIn(List.of(empty)));

        assertTrue(e.getMessage().contains("apt-get install -y mariadb-server mariadb-client"), e::getMessage);
        assertTrue(e.getMessage().contains(MariaDbBinaries.BIN_DIR_ENV), e::getMessage);
    }
}
