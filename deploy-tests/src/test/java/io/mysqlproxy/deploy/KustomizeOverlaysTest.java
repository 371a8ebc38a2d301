package io.mysqlproxy.deploy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Renders every overlay under deploy/overlays with `kubectl kustomize` and checks what would be applied. */
class KustomizeOverlaysTest {

    private static final List<String> EXPECTED_OVERLAYS =
            List.of("dev", "mariadb", "prod", "prod-cert-manager", "prod-networkpolicy", "prod-podmonitor");
    private static final Pattern PINNED_TAG = Pattern.compile("[\\w][\\w.-]*");
    /** A value assigned to something named like a password; placeholders ($VAR, %s, "") are not literals. */
    /** Where the Deployment mounts the proxy's config volume (application.conf, tls/). */
    private static final String PROXY_CONFIG_MOUNT = "/etc/mysql-proxy/";

    private static final Pattern PASSWORD_ASSIGNMENT = Pattern.compile("(?i)password\\w*\\s*[:=]\\s*(\\S+)");

    static List<String> overlays() {
        return Kustomize.overlays();
    }

    @Test
    void theExpectedOverlaysExist() {
        assertEquals(EXPECTED_OVERLAYS, Kustomize.overlays());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void rendersOntoTheTypedModel(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        Set<String> kinds =
                rendered.objects().stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        assertTrue(
                kinds.containsAll(Set.of(
                        "StatefulSet",
                        "Deployment",
                        "Service",
                        "ConfigMap",
                        "ServiceAccount",
                        "Role",
                        "RoleBinding",
                        "PodDisruptionBudget")),
                overlay + " renders " + kinds);
        assertEquals(
                Set.of("mysql", "mysql-read", "mysql-proxy"),
                names(rendered.all(Service.class)),
                overlay + ": the Services");
        assertEquals(3, rendered.database().getSpec().getReplicas(), overlay + ": one primary and two replicas");
        assertEquals(2, rendered.proxy().getSpec().getReplicas(), overlay + ": two proxies");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void imagesArePinnedToAVersion(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        for (var entry : rendered.podTemplates().entrySet()) {
            for (Container container : allContainers(entry.getValue())) {
                String image = container.getImage();
                String where = overlay + " " + entry.getKey() + "/" + container.getName() + ": " + image;
                if (image.contains("@")) {
                    assertTrue(image.matches("[^@]+@sha256:[0-9a-f]{64}"), where + " has a malformed digest");
                    continue;
                }
                String lastSegment = image.substring(image.lastIndexOf('/') + 1);
                assertTrue(lastSegment.contains(":"), where + " has no tag");
                String tag = lastSegment.substring(lastSegment.indexOf(':') + 1);
                assertTrue(PINNED_TAG.matcher(tag).matches(), where + " has a malformed tag");
                assertNotEquals("latest", tag, where);
                assertTrue(tag.matches(".*\\d.*"), where + " is not pinned to a version");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void noPasswordOrSecretLiteralIsRendered(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        assertTrue(rendered.all(Secret.class).isEmpty(), overlay + " must not contain a Secret: it is created by hand");
        // The TLS Secrets come from cert-manager or make-tls-secrets.sh, never from a manifest.
        assertFalse(rendered.text().contains("PRIVATE KEY"), overlay + " contains a private key");
        for (String password : TestSecrets.ALL) {
            assertFalse(rendered.text().contains(password), overlay + " contains the test password " + password);
        }
        Matcher m = PASSWORD_ASSIGNMENT.matcher(rendered.text());
        while (m.find()) {
            if (insideShellExpansion(rendered.text(), m.start())) {
                continue; // ${MYSQL_MONITOR_PASSWORD:-} names a variable, it assigns nothing
            }
            String value = m.group(1);
            boolean placeholder = value.contains("$") || value.contains("%s") || value.matches("[\"']{2}[;,]?");
            assertTrue(placeholder, overlay + " assigns a literal password: " + m.group());
        }
        for (var entry : rendered.podTemplates().entrySet()) {
            for (Container container : allContainers(entry.getValue())) {
                for (EnvVar variable : container.getEnv()) {
                    if (variable.getName().matches("(?i).*(PASSWORD|SECRET|TOKEN).*")) {
                        assertNotNull(
                                variable.getValueFrom(),
                                overlay + " " + container.getName() + " " + variable.getName()
                                        + " must come from the Secret");
                        assertNotNull(variable.getValueFrom().getSecretKeyRef(), overlay + " " + variable.getName());
                        assertEquals(
                                ContainerEnv.SECRET_NAME,
                                variable.getValueFrom().getSecretKeyRef().getName());
                        assertTrue(
                                TestSecrets.SECRET.containsKey(variable.getValueFrom()
                                        .getSecretKeyRef()
                                        .getKey()),
                                "documented Secret keys are " + TestSecrets.SECRET.keySet());
                    }
                }
            }
        }
        for (ConfigMap configMap : rendered.all(ConfigMap.class)) {
            configMap
                    .getData()
                    .keySet()
                    .forEach(key -> assertFalse(
                            key.toLowerCase().contains("password"),
                            overlay + " ConfigMap " + configMap.getMetadata().getName() + " has key " + key));
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasProbesAndResources(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        for (var entry : rendered.podTemplates().entrySet()) {
            PodTemplateSpec template = entry.getValue();
            for (Container container : template.getSpec().getContainers()) {
                String where = overlay + " " + entry.getKey() + "/" + container.getName();
                assertNotNull(container.getLivenessProbe(), where + " has no liveness probe");
                assertNotNull(container.getReadinessProbe(), where + " has no readiness probe");
            }
            for (Container container : allContainers(template)) {
                String where = overlay + " " + entry.getKey() + "/" + container.getName();
                var resources = container.getResources();
                assertNotNull(resources, where + " has no resources");
                assertTrue(
                        resources.getRequests().containsKey("cpu")
                                && resources.getRequests().containsKey("memory"),
                        where + " needs cpu and memory requests");
                assertTrue(resources.getLimits().containsKey("memory"), where + " needs a memory limit");
                var security = container.getSecurityContext();
                assertNotNull(security, where + " has no securityContext");
                assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), where);
                assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), where);
            }
            assertEquals(Boolean.TRUE, template.getSpec().getSecurityContext().getRunAsNonRoot(), entry.getKey());
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void eachServiceSelectsExactlyItsPods(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        Map<String, PodTemplateSpec> templates = rendered.podTemplates();
        Map<String, Set<String>> expected = Map.of(
                "mysql", Set.of("StatefulSet/mysql"),
                "mysql-read", Set.of("StatefulSet/mysql"),
                "mysql-proxy", Set.of("Deployment/mysql-proxy"));
        for (Service service : rendered.all(Service.class)) {
            Map<String, String> selector = service.getSpec().getSelector();
            assertFalse(
                    selector == null || selector.isEmpty(),
                    service.getMetadata().getName() + " selects everything");
            assertEquals(
                    expected.get(service.getMetadata().getName()),
                    selected(templates, selector),
                    overlay + ": Service " + service.getMetadata().getName() + " with selector " + selector);
        }
        for (PodDisruptionBudget pdb : rendered.all(PodDisruptionBudget.class)) {
            Set<String> matched =
                    selected(templates, pdb.getSpec().getSelector().getMatchLabels());
            assertEquals(
                    1, matched.size(), overlay + ": PDB " + pdb.getMetadata().getName() + " covers " + matched);
            assertTrue(
                    matched.iterator().next().endsWith("/" + pdb.getMetadata().getName()),
                    pdb.getMetadata().getName());
        }
        rendered.all(StatefulSet.class)
                .forEach(s -> assertEquals(
                        Set.of("StatefulSet/" + s.getMetadata().getName()),
                        selected(templates, s.getSpec().getSelector().getMatchLabels()),
                        "the StatefulSet selects its own pods only"));
        rendered.all(Deployment.class)
                .forEach(d -> assertEquals(
                        Set.of("Deployment/" + d.getMetadata().getName()),
                        selected(templates, d.getSpec().getSelector().getMatchLabels()),
                        "the Deployment selects its own pods only"));
        Service headless = rendered.one(Service.class, "mysql");
        assertEquals("None", headless.getSpec().getClusterIP(), "the mysql Service is headless");
        assertEquals("mysql", rendered.database().getSpec().getServiceName());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theProxyMayOnlyReadDiscoveryResources(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        assertTrue(
                rendered.all(ClusterRole.class).isEmpty()
                        && rendered.all(ClusterRoleBinding.class).isEmpty(),
                "no cluster-wide permissions");
        Role role = rendered.one(Role.class, "mysql-proxy-discovery");
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            assertEquals(Set.of("get", "list", "watch"), new HashSet<>(rule.getVerbs()), "verbs of " + rule);
            assertTrue(
                    rule.getResourceNames().isEmpty()
                            && rule.getNonResourceURLs().isEmpty(),
                    rule.toString());
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    granted.add(group + "/" + resource);
                }
            }
        }
        // proxy-k8s reads EndpointSlices (v1 Endpoints on old clusters) and never Pods: a pod's name comes from
        // the endpoint's targetRef.
        assertEquals(new TreeSet<>(Set.of("discovery.k8s.io/endpointslices", "/endpoints")), granted);
        // So discovery checks no pod label (that needs the pods watch), and takes the rendered StatefulSet's pods.
        Config discovery = shippedProxyConfig(rendered).getConfig("mysql-proxy.discovery.kubernetes");
        assertEquals("", discovery.getString("pod-label"));
        assertEquals(rendered.database().getMetadata().getName(), discovery.getString("statefulset"));
        assertEquals(rendered.database().getSpec().getServiceName(), discovery.getString("service"));

        RoleBinding binding = rendered.one(RoleBinding.class, "mysql-proxy-discovery");
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        String account = rendered.proxy().getSpec().getTemplate().getSpec().getServiceAccountName();
        assertEquals(account, binding.getSubjects().get(0).getName(), "the binding is for the proxy's ServiceAccount");
        rendered.one(ServiceAccount.class, account);
        assertEquals(
                Boolean.FALSE,
                rendered.database().getSpec().getTemplate().getSpec().getAutomountServiceAccountToken(),
                "the database pods get no API token");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theProxyIsServedProbedAndScraped(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        PodTemplateSpec template = rendered.proxy().getSpec().getTemplate();
        Container proxy = Kustomize.Rendered.container(template, "mysql-proxy");
        Map<String, Integer> ports = new HashMap<>();
        proxy.getPorts().forEach(p -> ports.put(p.getName(), p.getContainerPort()));
        assertEquals(Map.of("mysql", 3306, "admin", 9090), ports);
        assertEquals("/readyz", proxy.getReadinessProbe().getHttpGet().getPath());
        assertEquals("admin", proxy.getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertEquals("/healthz", proxy.getLivenessProbe().getHttpGet().getPath());
        assertEquals("admin", proxy.getLivenessProbe().getHttpGet().getPort().getStrVal());
        Map<String, String> annotations = template.getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals("9090", annotations.get("prometheus.io/port"));
        assertEquals("/metrics", annotations.get("prometheus.io/path"));
        Service service = rendered.one(Service.class, "mysql-proxy");
        Map<Integer, String> servicePorts = new HashMap<>();
        service.getSpec()
                .getPorts()
                .forEach(p -> servicePorts.put(p.getPort(), p.getTargetPort().getStrVal()));
        assertEquals(Map.of(3306, "mysql"), servicePorts, "the Service publishes no admin port");
        assertTrue(
                service.getMetadata().getAnnotations() == null
                        || service.getMetadata().getAnnotations().keySet().stream()
                                .noneMatch(k -> k.startsWith("prometheus.io/")),
                "Prometheus scrapes the pods, not the Service");
        // The admin port binds the pod IP (not 0.0.0.0), and its token comes from the Secret when it has one.
        EnvVar adminHost = env(proxy, "MYSQL_PROXY_ADMIN_HOST");
        assertEquals("status.podIP", adminHost.getValueFrom().getFieldRef().getFieldPath());
        var token = env(proxy, "MYSQL_PROXY_ADMIN_TOKEN").getValueFrom().getSecretKeyRef();
        assertEquals("admin-token", token.getKey());
        assertEquals(Boolean.TRUE, token.getOptional(), "a Secret without admin-token leaves /backends open");

        // The grace period covers preStop, then the proxy's drain deadline, with a margin.
        Config shipped = shippedProxyConfig(rendered);
        long preStop = preStopSleep(proxy);
        long grace = template.getSpec().getTerminationGracePeriodSeconds();
        Duration drain = shipped.getDuration("mysql-proxy.shutdown.drain-timeout");
        assertTrue(
                grace >= preStop + drain.toSeconds() + 1 && grace <= preStop + drain.toSeconds() + 15,
                "terminationGracePeriodSeconds " + grace + " should be preStop " + preStop + " s + drain "
                        + drain.toSeconds() + " s + a few s");
        // A statement waiting for the primary when SIGTERM comes runs or gets its error within the drain.
        Duration buffer = shipped.getDuration("mysql-proxy.backends.primary-outage-buffer");
        assertTrue(
                buffer.compareTo(drain) < 0,
                "backends.primary-outage-buffer " + buffer + " must be shorter than shutdown.drain-timeout " + drain);
        // The config volume projects the ConfigMap with the mysql-proxy-tls Secret (TlsCertificatesTest).
        var volume = template.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("config"))
                .findFirst()
                .orElseThrow();
        assertTrue(
                volume.getProjected().getSources().stream()
                        .anyMatch(source -> source.getConfigMap() != null
                                && source.getConfigMap().getName().startsWith("mysql-proxy-config-")),
                "application.conf from the ConfigMap");
    }

    /**
     * A database outage neither restarts the proxies nor takes them out of the Service unless no database pod can
     * serve: only readiness looks at the backends. A rollout never has fewer Ready proxies than wanted, and a drain
     * always leaves one.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void theProxyKeepsServingThroughOutagesRolloutsAndDrains(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        Deployment deployment = rendered.proxy();
        Container proxy = Kustomize.Rendered.container(deployment.getSpec().getTemplate(), "mysql-proxy");
        assertNotEquals(
                "/readyz",
                proxy.getLivenessProbe().getHttpGet().getPath(),
                overlay + ": a database outage must not restart the proxies");
        assertNotEquals(
                "/readyz",
                proxy.getStartupProbe().getHttpGet().getPath(),
                overlay + ": a proxy must start (and not be restarted) while the databases are down");

        var strategy = deployment.getSpec().getStrategy();
        assertEquals("RollingUpdate", strategy.getType());
        assertEquals(
                Integer.valueOf(0),
                strategy.getRollingUpdate().getMaxUnavailable().getIntVal(),
                overlay + ": an old proxy stops only once its replacement is Ready");
        Integer surge = strategy.getRollingUpdate().getMaxSurge().getIntVal();
        assertTrue(surge != null && surge >= 1, overlay + ": maxSurge " + surge);

        PodDisruptionBudget budget = rendered.one(PodDisruptionBudget.class, "mysql-proxy");
        Integer minAvailable = budget.getSpec().getMinAvailable().getIntVal();
        int replicas = deployment.getSpec().getReplicas();
        assertTrue(
                minAvailable != null && minAvailable >= 1 && minAvailable < replicas,
                overlay + ": PDB minAvailable " + minAvailable
                        + " must keep a proxy and still let a drain evict one of " + replicas);
    }

    /**
     * A rolling update restarts one database pod at a time from the highest ordinal down (mysql-0, the primary,
     * last), and the next only once the proxy can have readmitted the last one; a terminating pod keeps serving
     * while the proxy stops sending it work.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void theDatabaseRestartsOnePodAtATimeThePrimaryLast(String overlay) {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        var spec = rendered.database().getSpec();
        assertEquals(
                "OrderedReady",
                spec.getPodManagementPolicy(),
                overlay + ": a new replica clones the pod before it, which must be running");
        assertEquals("RollingUpdate", spec.getUpdateStrategy().getType());
        var rolling = spec.getUpdateStrategy().getRollingUpdate();
        if (rolling != null) {
            assertTrue(
                    rolling.getPartition() == null || rolling.getPartition() == 0,
                    overlay + ": a partition leaves mysql-0 on the old revision");
            assertTrue(
                    rolling.getMaxUnavailable() == null
                            || Integer.valueOf(1)
                                    .equals(rolling.getMaxUnavailable().getIntVal()),
                    overlay + ": one database pod at a time");
        }

        Config shipped = shippedProxyConfig(rendered);
        Duration readmission = shipped.getDuration("mysql-proxy.health.interval")
                .multipliedBy(shipped.getInt("mysql-proxy.health.readmit-after"));
        Integer minReady = spec.getMinReadySeconds();
        assertTrue(
                minReady != null && minReady > readmission.toSeconds(),
                overlay + ": minReadySeconds " + minReady + " must exceed the proxy's readmission of a replica ("
                        + readmission.toSeconds() + " s)");

        Container mysql = Kustomize.Rendered.container(spec.getTemplate(), "mysql");
        long preStop = preStopSleep(mysql);
        assertTrue(preStop >= 5, overlay + ": the proxy needs a few seconds to see a database pod terminating");
        long grace = spec.getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(
                grace >= preStop + 60,
                overlay + ": terminationGracePeriodSeconds " + grace + " leaves too little of a clean shutdown after "
                        + "preStop " + preStop + " s");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theScriptsConfigMapHoldsEveryScriptVerbatim(String overlay) throws IOException {
        ConfigMap scripts = Kustomize.render(overlay).configMap("mysql-scripts");
        Map<String, String> expected = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Repo.scripts())) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".sh")).sorted().toList()) {
                expected.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        assertEquals(expected, scripts.getData(), "configMapGenerator must list every deploy/base/scripts/*.sh");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theDatabaseFlavourIsConsistent(String overlay) throws IOException {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        boolean mariadb = overlay.equals("mariadb");
        Path configDir = Repo.deploy().resolve(mariadb ? "components/mariadb/config" : "base/mysql/config");
        Map<String, String> expected = new HashMap<>();
        for (String file : List.of("common.cnf", "primary.cnf", "replica.cnf")) {
            expected.put(file, Files.readString(configDir.resolve(file)));
        }
        assertEquals(expected, rendered.configMap("mysql-config").getData());
        assertEquals(
                mariadb ? "mariadb" : "mysql",
                rendered.configMap("mysql-env").getData().get("MYSQL_FLAVOR"));
        if (mariadb) {
            // The proxy-side account in flavour.conf is the application account the database pods create.
            String flavour = rendered.configMap("mysql-proxy-config").getData().get("flavour.conf");
            String appUser = rendered.configMap("mysql-env").getData().get("MYSQL_APP_USER");
            assertTrue(
                    flavour.contains("name = \"" + appUser + "\", auth-plugin = \"mysql_native_password\""), flavour);
        }
        PodTemplateSpec template = rendered.database().getSpec().getTemplate();
        Set<String> images =
                allContainers(template).stream().map(Container::getImage).collect(Collectors.toSet());
        assertEquals(1, images.size(), "init containers, server and sidecar share one image: " + images);
        assertTrue(images.iterator().next().startsWith(mariadb ? "mariadb:11.4." : "mysql:9.7."), images.toString());
        Set<String> containers = template.getSpec().getContainers().stream()
                .map(Container::getName)
                .collect(Collectors.toSet());
        assertEquals(mariadb ? Set.of("mysql", "backup-server") : Set.of("mysql"), containers);
        assertEquals(
                List.of("init-config", "init-data"),
                template.getSpec().getInitContainers().stream()
                        .map(Container::getName)
                        .toList());
        if (mariadb) {
            assertSeedingTlsMounted(template);
        }
    }

    /**
     * Both ends of the MariaDB seeding transport read Secret mysql-tls where lib.sh's MYSQL_TLS_DIR points by default:
     * the backup-server sidecar and the init-data container of the replica it seeds.
     */
    private static void assertSeedingTlsMounted(PodTemplateSpec template) throws IOException {
        Matcher dflt = Pattern.compile("MYSQL_TLS_DIR=\"\\$\\{MYSQL_TLS_DIR:-([^}]+)}\"")
                .matcher(Files.readString(Repo.scripts().resolve("lib.sh")));
        assertTrue(dflt.find(), "lib.sh sets MYSQL_TLS_DIR's default");
        var tls = template.getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null
                        && "mysql-tls".equals(v.getSecret().getSecretName()))
                .toList();
        assertEquals(1, tls.size(), "one volume of Secret mysql-tls: " + tls);
        for (Container container : allContainers(template)) {
            if (!Set.of("init-data", "backup-server").contains(container.getName())) {
                continue;
            }
            assertTrue(
                    container.getVolumeMounts().stream()
                            .anyMatch(m -> m.getName().equals(tls.get(0).getName())
                                    && m.getMountPath().equals(dflt.group(1))
                                    && Boolean.TRUE.equals(m.getReadOnly())),
                    container.getName() + " mounts mysql-tls read-only at " + dflt.group(1));
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void storageClassIsAParameter(String overlay) throws IOException {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        assertFalse(rendered.text().toLowerCase().contains("rook"), "no Rook storage class");
        var claim = rendered.database().getSpec().getVolumeClaimTemplates().get(0);
        assertEquals("data", claim.getMetadata().getName());
        if (overlay.startsWith("prod")) {
            Properties params = new Properties();
            try (var in = Files.newBufferedReader(Repo.deploy().resolve("overlays/prod/params.env"))) {
                params.load(in);
            }
            assertEquals(params.getProperty("storageClassName"), claim.getSpec().getStorageClassName());
            assertEquals(
                    new Quantity(params.getProperty("storageSize")),
                    claim.getSpec().getResources().getRequests().get("storage"));
        } else {
            assertEquals(null, claim.getSpec().getStorageClassName(), overlay + " uses the cluster's default class");
        }
    }

    @Test
    void prodSpreadsPodsHasDisruptionBudgetsAndLargerVolumes() {
        Kustomize.Rendered prod = Kustomize.render("prod");
        Kustomize.Rendered dev = Kustomize.render("dev");
        var database =
                prod.database().getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity();
        assertEquals(
                "kubernetes.io/hostname",
                database.getRequiredDuringSchedulingIgnoredDuringExecution()
                        .get(0)
                        .getTopologyKey());
        assertNotNull(prod.proxy()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAffinity()
                .getPodAntiAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution()
                .get(0));
        assertEquals(Set.of("mysql", "mysql-proxy"), names(prod.all(PodDisruptionBudget.class)));
        assertEquals(
                Integer.valueOf(1),
                prod.one(PodDisruptionBudget.class, "mysql")
                        .getSpec()
                        .getMaxUnavailable()
                        .getIntVal(),
                "a drain takes one database pod at a time, so reads always keep a server");
        assertTrue(storage(prod).compareTo(storage(dev).multiply(10)) >= 0, "prod volumes are much larger");
        assertTrue(memory(prod).compareTo(memory(dev)) > 0, "prod servers get more memory");
        assertEquals(null, dev.database().getSpec().getTemplate().getSpec().getAffinity(), "dev runs on one node too");
    }

    @Test
    void thePodMonitorIsOnlyInItsOwnOverlayAndScrapesTheProxyPods() {
        for (String overlay : Kustomize.overlays()) {
            Kustomize.Rendered rendered = Kustomize.render(overlay);
            List<PodMonitor> monitors = rendered.all(PodMonitor.class);
            if (!overlay.equals("prod-podmonitor")) {
                assertTrue(
                        monitors.isEmpty(), overlay + " must apply on clusters without the Prometheus Operator CRDs");
                continue;
            }
            assertEquals(1, monitors.size());
            PodMonitor monitor = monitors.get(0);
            assertEquals(
                    Set.of("Deployment/mysql-proxy"),
                    selected(
                            rendered.podTemplates(),
                            monitor.getSpec().getSelector().getMatchLabels()));
            PodMonitor.Endpoint endpoint =
                    monitor.getSpec().getPodMetricsEndpoints().get(0);
            Container proxy =
                    Kustomize.Rendered.container(rendered.proxy().getSpec().getTemplate(), "mysql-proxy");
            assertTrue(
                    proxy.getPorts().stream().anyMatch(p -> p.getName().equals(endpoint.getPort())),
                    endpoint.getPort());
            assertEquals("admin", endpoint.getPort());
            assertEquals("/metrics", endpoint.getPath());
        }
    }

    /** The application.conf the ConfigMap ships passes the launcher's own validation, with the Deployment's environment. */
    @ParameterizedTest
    @MethodSource("overlays")
    void theProxyConfigurationPassesCheckConfig(String overlay, @TempDir Path dir) throws IOException {
        Kustomize.Rendered rendered = Kustomize.render(overlay);
        assumeTrue(
                Repo.isPackaged(),
                "proxy-app is not packaged (no " + Repo.packagedLib()
                        + "); `mvn verify` packages it before these tests, `mvn test` does not");
        // Every key of the ConfigMap, as the kubelet mounts it at /etc/mysql-proxy (application.conf includes
        // flavour.conf), with tls/ from the mysql-proxy-tls Secret: the paths in the file are the mount's, here dir.
        ConfigMap config = rendered.configMap("mysql-proxy-config");
        for (var entry : config.getData().entrySet()) {
            Files.writeString(dir.resolve(entry.getKey()), entry.getValue().replace(PROXY_CONFIG_MOUNT, dir + "/"));
        }
        TestTls.make(dir.resolve("secrets"), "default");
        Files.move(dir.resolve("secrets/mysql-proxy-tls"), dir.resolve("tls"));
        Path file = dir.resolve("application.conf");
        assertEquals(
                overlay.equals("mariadb")
                        ? Set.of("application.conf", "certificates.conf", "flavour.conf")
                        : Set.of("application.conf", "certificates.conf"),
                config.getData().keySet());

        Container proxy =
                Kustomize.Rendered.container(rendered.proxy().getSpec().getTemplate(), "mysql-proxy");
        Map<String, String> env = new HashMap<>(
                Dockerfile.read(Repo.path("Dockerfile")).finalStage().env());
        env.putAll(ContainerEnv.resolve(rendered, proxy, TestSecrets.SECRET));
        env.put("MYSQL_PROXY_HOME", Repo.path("proxy-app/target/mysql-proxy").toString());

        List<String> command = List.of(Repo.path("bin/mysql-proxy").toString(), "check-config", file.toString());
        Commands.Result result =
                Commands.run(command, dir, env, Duration.ofMinutes(2)).assertSuccess(command);
        assertTrue(
                result.output()
                        .contains("configuration OK: listen 0.0.0.0:3306, primary mysql-0.mysql:3306, "
                                + "replicas from Kubernetes service mysql, 1 user(s)"),
                result.output());

        if (overlay.equals("mariadb")) {
            return; // flavour.conf names the account (without a password), so the file alone is well-formed
        }
        // Without the Secret's variables the same file is refused: the credentials really come from the environment.
        Map<String, String> withoutSecret = new HashMap<>(env);
        withoutSecret.remove("MYSQL_PROXY_USER");
        withoutSecret.remove("MYSQL_PROXY_PASSWORD");
        Commands.Result refused = Commands.run(command, dir, withoutSecret, Duration.ofMinutes(2));
        assertEquals(2, refused.exitCode(), refused.output());
    }

    /** The proxy's settings as the ConfigMap ships them: application.conf over the proxy's reference.conf. */
    private static Config shippedProxyConfig(Kustomize.Rendered rendered) {
        String file = rendered.configMap("mysql-proxy-config").getData().get("application.conf");
        return ConfigFactory.parseString(file)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    /** The seconds of a container's {@code preStop: exec: sleep N}. */
    private static long preStopSleep(Container container) {
        assertNotNull(container.getLifecycle(), container.getName() + " has no preStop");
        List<String> command = container.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", command.get(0), container.getName() + " preStop " + command);
        return Long.parseLong(command.get(1));
    }

    private static boolean insideShellExpansion(String text, int start) {
        int i = start;
        while (i > 0 && (Character.isLetterOrDigit(text.charAt(i - 1)) || text.charAt(i - 1) == '_')) {
            i--;
        }
        return i > 0 && text.charAt(i - 1) == '{';
    }

    private static Quantity storage(Kustomize.Rendered rendered) {
        return rendered.database()
                .getSpec()
                .getVolumeClaimTemplates()
                .get(0)
                .getSpec()
                .getResources()
                .getRequests()
                .get("storage");
    }

    private static Quantity memory(Kustomize.Rendered rendered) {
        return Kustomize.Rendered.container(rendered.database().getSpec().getTemplate(), "mysql")
                .getResources()
                .getRequests()
                .get("memory");
    }

    private static Set<String> selected(Map<String, PodTemplateSpec> templates, Map<String, String> selector) {
        Set<String> matched = new TreeSet<>();
        templates.forEach((name, template) -> {
            if (template.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())) {
                matched.add(name);
            }
        });
        return matched;
    }

    private static List<Container> allContainers(PodTemplateSpec template) {
        List<Container> all = new ArrayList<>(template.getSpec().getInitContainers());
        all.addAll(template.getSpec().getContainers());
        return all;
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
    }

    private static Set<String> names(List<? extends HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getName()).collect(Collectors.toSet());
    }
}
