package io.mysqlproxy.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerBinariesTest {

    @Test
    void parsesDebianVersionLines() {
        assertEquals(
                "10.11.19-MariaDB-0+deb12u1",
                ServerBinaries.parseVersion(
                        "/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)\n"));
        assertEquals(
                "9.7.4-2",
                ServerBinaries.parseVersion(
                        "/var/cache/mysql-proxy/mysql-9.7/root/usr/sbin/mysqld  Ver 9.7.4-2 for Linux on x86_64 ((Debian))"));
    }

    @Test
    void missingMariaDbNamesTheDebianInstallCommand(@TempDir Path empty) {
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> ServerBinaries.locateIn(ServerFlavour.MARIADB, List.of(empty)));

        assertTrue(e.getMessage().contains("apt-get install -y mariadb-server mariadb-client"), e::getMessage);
        assertTrue(e.getMessage().contains("MARIADB_BIN_DIR"), e::getMessage);
    }

    @Test
    void missingMySqlNamesTheInstallScript(@TempDir Path empty) {
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> ServerBinaries.locateIn(ServerFlavour.MYSQL, List.of(empty)));

        assertTrue(e.getMessage().contains("scripts/mysql-server.sh"), e::getMessage);
        assertTrue(e.getMessage().contains("MYSQL_BIN_DIR"), e::getMessage);
    }

    /** Debian's mariadb-server installs a mysqld too; a MySQL test bed must not run it. */
    @Test
    void mariaDbsMysqldIsNotMySql(@TempDir Path dir) throws IOException {
        Path fake = dir.resolve("mysqld");
        Files.writeString(fake, "#!/bin/sh\necho '/usr/sbin/mysqld  Ver 10.11.19-MariaDB-0+deb12u1 for debian'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));

        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> ServerBinaries.locateIn(ServerFlavour.MYSQL, List.of(dir)));

        assertTrue(e.getMessage().contains("not MySQL"), e::getMessage);
    }

    @Test
    void flavourNamesParseInAnyCase() {
        assertEquals(ServerFlavour.MYSQL, ServerFlavour.parse(" MySQL "));
        assertEquals(ServerFlavour.MARIADB, ServerFlavour.parse("mariadb"));
        assertThrows(IllegalArgumentException.class, () -> ServerFlavour.parse("postgres"));
    }
}
