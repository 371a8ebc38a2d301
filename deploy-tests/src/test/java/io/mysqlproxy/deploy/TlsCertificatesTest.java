package io.mysqlproxy.deploy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TLS Secrets of deploy/ (mysql-tls for the database pods, mysql-proxy-tls for the proxy), made either by
 * components/cert-manager or by deploy/scripts/make-tls-secrets.sh, and where the pods find them: both ways give
 * the same Secret names, keys and certificate names, and every overlay mounts them where the scripts and
 * application.conf look.
 */
class TlsCertificatesTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final Set<String> SECRET_KEYS = Set.of("ca.crt", "tls.crt", "tls.key");

    /** The names each certificate must carry in namespace {@code ns} (DNS names, then IP addresses). */
    private static Map<String, Set<String>> expectedNames(String ns) {
        return Map.of(
                "mysql-tls",
                Set.of(
                        "mysql",
                        "*.mysql",
                        "*.mysql." + ns + ".svc",
                        "*.mysql." + ns + ".svc.cluster.local",
                        "localhost",
                        "127.0.0.1"),
                "mysql-proxy-tls",
                Set.of(
                        "mysql-proxy",
                        "mysql-proxy." + ns,
                        "mysql-proxy." + ns + ".svc",
                        "mysql-proxy." + ns + ".svc.cluster.local",
                        "localhost",
                        "127.0.0.1"));
    }

    static List<String> overlays() {
        return Kustomize.overlays();
    }

    @Test
    void theScriptMakesBothSecretsSignedByOneCa(@TempDir Path dir) throws Exception {
        TestTls tls = TestTls.make(dir, "shop");
        Map<String, Secret> secrets = new TreeMap<>();
        KubernetesSerialization serialization = new KubernetesSerialization();
        for (String document : tls.secretsYaml().split("(?m)^---\\s*$")) {
            if (!document.isBlank()) {
                Secret secret = serialization.unmarshal(document, Secret.class);
                StrictModel.assertNoUnknownFields(
                        secret, "Secret " + secret.getMetadata().getName());
                secrets.put(secret.getMetadata().getName(), secret);
            }
        }
        assertEquals(Set.of("mysql-tls", "mysql-proxy-tls"), secrets.keySet());
        X509Certificate ca = TestTls.certificate(tls.ca());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
        ca.verify(ca.getPublicKey());
        for (Secret secret : secrets.values()) {
            String name = secret.getMetadata().getName();
            assertEquals("shop", secret.getMetadata().getNamespace());
            assertEquals("kubernetes.io/tls", secret.getType(), "as cert-manager writes it");
            assertEquals(SECRET_KEYS, secret.getData().keySet(), name);
            Path mounted = dir.resolve(name);
            for (String key : SECRET_KEYS) {
                assertEquals(
                        Files.readString(mounted.resolve(key)),
                        new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8),
                        name + " " + key + " is the file the script left");
            }
            assertEquals(Files.readString(tls.ca()), Files.readString(mounted.resolve("ca.crt")));
            X509Certificate certificate = TestTls.certificate(mounted.resolve("tls.crt"));
            certificate.verify(ca.getPublicKey());
            certificate.checkValidity();
            assertEquals(-1, certificate.getBasicConstraints(), name + " is no CA");
            assertEquals(expectedNames("shop").get(name), names(certificate), name);
            Set<String> usages = Set.copyOf(certificate.getExtendedKeyUsage());
            // The database pods' certificate is also the seeding transport's client certificate.
            assertEquals(
                    name.equals("mysql-tls") ? Set.of(SERVER_AUTH, CLIENT_AUTH) : Set.of(SERVER_AUTH), usages, name);
            assertKeyMatches(mounted.resolve("tls.key"), certificate);
        }
        Set<String> modes = Files.getPosixFilePermissions(dir.resolve("ca.key")).stream()
                .map(Object::toString)
                .collect(Collectors.toSet());
        assertEquals(Set.of("OWNER_READ", "OWNER_WRITE"), modes, "the CA key is private to its owner");
    }

    @Test
    void theCertManagerComponentIssuesTheSameSecretsFromItsOwnCa() throws IOException {
        Kustomize.Rendered rendered = Kustomize.render("prod-cert-manager");
        Map<String, CertManager.Issuer> issuers = rendered.all(CertManager.Issuer.class).stream()
                .collect(Collectors.toMap(i -> i.getMetadata().getName(), i -> i));
        Map<String, CertManager.Certificate> certificates = rendered.all(CertManager.Certificate.class).stream()
                .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c));
        assertEquals(Set.of("mysql-selfsigned", "mysql-ca"), issuers.keySet());
        assertEquals(Set.of("mysql-ca", "mysql-tls", "mysql-proxy-tls"), certificates.keySet());

        // self-signed Issuer -> CA Certificate (Secret mysql-ca) -> CA Issuer -> the pods' certificates.
        assertNotNull(issuers.get("mysql-selfsigned").getSpec().getSelfSigned());
        CertManager.CertificateSpec ca = certificates.get("mysql-ca").getSpec();
        assertEquals(Boolean.TRUE, ca.getIsCA());
        assertEquals("mysql-selfsigned", ca.getIssuerRef().getName());
        assertEquals(
                ca.getSecretName(), issuers.get("mysql-ca").getSpec().getCa().getSecretName());

        Properties params = new Properties();
        try (var in = Files.newBufferedReader(Repo.deploy().resolve("components/cert-manager/params.env"))) {
            params.load(in);
        }
        String namespace = params.getProperty("namespace");
        for (String name : List.of("mysql-tls", "mysql-proxy-tls")) {
            CertManager.CertificateSpec spec = certificates.get(name).getSpec();
            assertEquals(name, spec.getSecretName(), "the Secret the pods mount");
            assertEquals("Issuer", spec.getIssuerRef().getKind());
            assertEquals("mysql-ca", spec.getIssuerRef().getName());
            Set<String> names = new TreeSet<>(spec.getDnsNames());
            names.addAll(spec.getIpAddresses());
            assertEquals(expectedNames(namespace).get(name), names, name + ": the script's names, for " + namespace);
            assertTrue(spec.getUsages().contains("server auth"), name);
            assertEquals(name.equals("mysql-tls"), spec.getUsages().contains("client auth"), name);
        }
        // Only this overlay needs cert-manager's CRDs.
        for (String overlay : Kustomize.overlays()) {
            if (!overlay.equals("prod-cert-manager")) {
                assertTrue(
                        Kustomize.render(overlay)
                                .all(CertManager.Certificate.class)
                                .isEmpty(),
                        overlay);
            }
        }
    }

    /**
     * The database pods mount mysql-tls where the scripts look for it by default (lib.sh's MYSQL_TLS_DIR), readable
     * by the servers' group only; the proxy mounts mysql-proxy-tls beside application.conf, whose TLS paths point
     * into it.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void everyOverlayMountsTheSecretsWhereTheyAreRead(String overlay, @TempDir Path dir) throws IOException {
        Kustomize.Rendered rendered = Kustomize.render(overlay);

        PodTemplateSpec database = rendered.database().getSpec().getTemplate();
        Volume tls = volume(database, "tls");
        assertNotNull(tls.getSecret(), overlay + ": the database's tls volume is a Secret");
        assertEquals("mysql-tls", tls.getSecret().getSecretName());
        assertEquals(Integer.valueOf(0440), tls.getSecret().getDefaultMode(), "owner and group read only");
        assertEquals(
                database.getSpec().getSecurityContext().getRunAsGroup(),
                database.getSpec().getSecurityContext().getFsGroup(),
                "the mounted key belongs to the servers' group");
        Matcher tlsDir = Pattern.compile("MYSQL_TLS_DIR=\"\\$\\{MYSQL_TLS_DIR:-([^}]+)}\"")
                .matcher(Files.readString(Repo.scripts().resolve("lib.sh")));
        assertTrue(tlsDir.find(), "lib.sh defaults MYSQL_TLS_DIR");
        Set<String> withTls = new TreeSet<>();
        for (Container container : allContainers(database)) {
            for (VolumeMount mount : container.getVolumeMounts()) {
                if (mount.getName().equals("tls")) {
                    assertEquals(tlsDir.group(1), mount.getMountPath(), container.getName());
                    assertEquals(Boolean.TRUE, mount.getReadOnly(), container.getName());
                    withTls.add(container.getName());
                }
            }
            assertFalse(
                    container.getEnv().stream().anyMatch(v -> v.getName().equals("MYSQL_TLS_DIR")),
                    "the pods use the default");
        }
        Set<String> expected = new TreeSet<>(Set.of("init-config", "init-data", "mysql"));
        if (overlay.equals("mariadb")) {
            expected.add("backup-server"); // its seeding transport presents the pod's certificate
        }
        assertEquals(expected, withTls, overlay + ": the containers that read the certificate");

        PodTemplateSpec proxy = rendered.proxy().getSpec().getTemplate();
        Container container = Kustomize.Rendered.container(proxy, "mysql-proxy");
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> m.getName().equals("config"))
                .findFirst()
                .orElseThrow();
        Volume config = volume(proxy, "config");
        assertNotNull(config.getProjected(), "application.conf and the certificate in one volume");
        assertEquals(Integer.valueOf(0440), config.getProjected().getDefaultMode());
        assertEquals(
                proxy.getSpec().getSecurityContext().getRunAsGroup(),
                proxy.getSpec().getSecurityContext().getFsGroup(),
                "the proxy's group reads the key");
        Map<String, String> files = new TreeMap<>(); // path in the volume -> "ConfigMap/key" or "Secret name/key"
        for (VolumeProjection source : config.getProjected().getSources()) {
            if (source.getConfigMap() != null) {
                rendered.configMapNamed(source.getConfigMap().getName())
                        .getData()
                        .keySet()
                        .forEach(key -> files.put(key, "ConfigMap/" + key));
            } else {
                assertNotNull(source.getSecret(), "only a ConfigMap and a Secret: " + source);
                for (KeyToPath item : source.getSecret().getItems()) {
                    files.put(item.getPath(), source.getSecret().getName() + "/" + item.getKey());
                }
            }
        }
        String root = mount.getMountPath() + "/";
        assertEquals("ConfigMap/application.conf", files.get("application.conf"));
        // As the proxy reads it: application.conf with what it includes from the same directory.
        for (var entry : rendered.configMap("mysql-proxy-config").getData().entrySet()) {
            Files.writeString(dir.resolve(entry.getKey()), entry.getValue());
        }
        Config shipped = ConfigFactory.parseFile(dir.resolve("application.conf").toFile())
                .resolve();
        Map<String, String> expectedFiles = Map.of(
                "client.tls.certificate", "mysql-proxy-tls/tls.crt",
                "client.tls.private-key", "mysql-proxy-tls/tls.key",
                "backends.tls.ca", "mysql-proxy-tls/ca.crt");
        expectedFiles.forEach((key, secretKey) -> {
            String path = shipped.getString("mysql-proxy." + key);
            assertTrue(path.startsWith(root), key + " " + path + " is under the mount " + root);
            assertEquals(secretKey, files.get(path.substring(root.length())), key + " " + path);
        });
        assertEquals("verify-ca", shipped.getString("mysql-proxy.backends.tls.mode"));
    }

    /** The private key signs what the certificate's public key verifies. */
    private static void assertKeyMatches(Path keyFile, X509Certificate certificate) throws Exception {
        String pem = Files.readString(keyFile);
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8, which MySQL, MariaDB and Java all read");
        byte[] der = Base64.getMimeDecoder()
                .decode(pem.replaceAll("-----[A-Z ]+-----", "").strip());
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] data = "mysql-proxy".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        assertTrue(verifier.verify(signature), keyFile + " belongs to its certificate");
    }

    private static Set<String> names(X509Certificate certificate) throws GeneralSecurityException {
        Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
        assertNotNull(alternatives, "no subjectAltName");
        return alternatives.stream().map(n -> n.get(1).toString()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Volume volume(PodTemplateSpec template, String name) {
        return template.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static List<Container> allContainers(PodTemplateSpec template) {
        List<Container> all = new ArrayList<>(template.getSpec().getInitContainers());
        all.addAll(template.getSpec().getContainers());
        return all;
    }
}
