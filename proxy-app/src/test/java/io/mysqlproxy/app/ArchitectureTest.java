package io.mysqlproxy.app;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The dependency rules of the production classes of every module (this module is the one that sees
 * them all), checked on the compiled classes at every unit-test run. Test classes are not imported.
 *
 * <p>Layers, bottom up; a layer uses only the layers below it (packages of one layer may use each
 * other, without cycles):
 * <pre>
 *  app        io.mysqlproxy.app               main, CLI, signals, config-file watch
 *  server     core.server, core.admin         listener, handshake, runtime wiring; admin HTTP port
 *             io.mysqlproxy.k8s               Kubernetes discovery (beside server, only app uses it)
 *             io.mysqlproxy.testbed           MariaDB test bed (beside server, only app's demo uses it)
 *  session    core.session                    one client's command phase
 *  report     core.report                     what operators see: /backends, SHOW PROXY BACKENDS / STATS
 *  services   core.route, core.pool, core.backend, core.auth, core.health, core.tls, core.accounts, core.stats
 *  metrics    core.metrics                    Micrometer registry; knows backends, not routes or pools
 *  foundation core.classify, core.topology, core.config, core.error
 *  protocol   io.mysqlproxy.protocol          bytes and packets
 * </pre>
 * So the composition root (app, server) wires everything; the session uses the router, the pools and
 * the reports but nothing uses the session except the server; the metrics know the topology only (the
 * server hands them the routing reasons and the pools' meters). Besides the layers: backend and pool
 * never import the session, core never imports fabric8, proxy-protocol depends on the JDK and Netty's
 * buffers, codecs and utilities only (no logging, no configuration), and the packages of core have no
 * cycles.
 *
 * <p>Plain JUnit tests, one per rule, rather than ArchUnit's own engine: Surefire counts and reports
 * them like every other test (it reported the engine's rule fields as zero tests).
 */
class ArchitectureTest {

    /** The production classes of every module on this module's classpath (the other modules' classes or jars). */
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mysqlproxy");

    private static final String PROTOCOL = "io.mysqlproxy.protocol..";
    private static final String CORE = "io.mysqlproxy.core.";

    private static final ArchRule LAYERS = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("protocol")
            .definedBy(PROTOCOL)
            .layer("foundation")
            .definedBy(core("classify"), core("topology"), core("config"), core("error"))
            .layer("metrics")
            .definedBy(core("metrics"))
            .layer("services")
            .definedBy(
                    core("route"),
                    core("pool"),
                    core("backend"),
                    core("auth"),
                    core("health"),
                    core("tls"),
                    core("accounts"),
                    core("stats"))
            .layer("report")
            .definedBy(core("report"))
            .layer("session")
            .definedBy(core("session"))
            .layer("server")
            .definedBy(core("server"), core("admin"))
            .layer("k8s")
            .definedBy("io.mysqlproxy.k8s..")
            .layer("testbed")
            .definedBy("io.mysqlproxy.testbed..")
            .layer("app")
            .definedBy("io.mysqlproxy.app..")
            .whereLayer("app")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("testbed")
            .mayOnlyBeAccessedByLayers("app")
            .whereLayer("k8s")
            .mayOnlyBeAccessedByLayers("app")
            .whereLayer("server")
            .mayOnlyBeAccessedByLayers("app")
            .whereLayer("session")
            .mayOnlyBeAccessedByLayers("server", "app")
            .whereLayer("report")
            .mayOnlyBeAccessedByLayers("session", "server", "app")
            .whereLayer("services")
            .mayOnlyBeAccessedByLayers("report", "session", "server", "k8s", "app")
            .whereLayer("metrics")
            .mayOnlyBeAccessedByLayers("services", "report", "session", "server", "k8s", "app")
            .whereLayer("foundation")
            .mayOnlyBeAccessedByLayers("metrics", "services", "report", "session", "server", "k8s", "app")
            .whereLayer("protocol")
            .mayOnlyBeAccessedByLayers(
                    "foundation", "metrics", "services", "report", "session", "server", "k8s", "app");

    private static final ArchRule BACKEND_NEVER_USES_SESSION = noClasses()
            .that()
            .resideInAPackage(core("backend"))
            .should()
            .dependOnClassesThat()
            .resideInAPackage(core("session"))
            .because("a backend connection knows nothing of the session that borrows it");

    private static final ArchRule POOL_NEVER_USES_SESSION = noClasses()
            .that()
            .resideInAPackage(core("pool"))
            .should()
            .dependOnClassesThat()
            .resideInAPackage(core("session"))
            .because("the session hands the pool a value type that lives below both");

    private static final ArchRule CORE_NEVER_USES_FABRIC8 = noClasses()
            .that()
            .resideInAPackage("io.mysqlproxy.core..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.fabric8..")
            .because("Kubernetes discovery lives in proxy-k8s, behind core's Discovery interface");

    private static final ArchRule PROTOCOL_USES_JDK_AND_NETTY_CODECS_ONLY = classes()
            .that()
            .resideInAPackage(PROTOCOL)
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                    PROTOCOL,
                    "java..",
                    "javax.crypto..",
                    "io.netty.buffer..",
                    "io.netty.handler.codec..",
                    "io.netty.util..")
            .because("proxy-protocol knows bytes and packets only: no logging, no configuration, no channels");

    private static final ArchRule CORE_PACKAGES_HAVE_NO_CYCLES =
            slices().matching("io.mysqlproxy.core.(*)..").should().beFreeOfCycles();

    @Test
    void layersAreOneWay() {
        LAYERS.check(CLASSES);
    }

    @Test
    void backendNeverUsesSession() {
        BACKEND_NEVER_USES_SESSION.check(CLASSES);
    }

    @Test
    void poolNeverUsesSession() {
        POOL_NEVER_USES_SESSION.check(CLASSES);
    }

    @Test
    void coreNeverUsesFabric8() {
        CORE_NEVER_USES_FABRIC8.check(CLASSES);
    }

    @Test
    void protocolUsesJdkAndNettyCodecsOnly() {
        PROTOCOL_USES_JDK_AND_NETTY_CODECS_ONLY.check(CLASSES);
    }

    @Test
    void corePackagesHaveNoCycles() {
        CORE_PACKAGES_HAVE_NO_CYCLES.check(CLASSES);
    }

    private static String core(String name) {
        return CORE + name + "..";
    }
}
