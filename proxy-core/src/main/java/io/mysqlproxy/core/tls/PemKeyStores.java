package io.mysqlproxy.core.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * PEM files as Java key stores, for clients that take only key stores (Connector/J, which the health
 * monitor uses): a trust store of the CA bundle, a key store of a certificate chain and its key.
 */
public final class PemKeyStores {

    private PemKeyStores() {}

    /** A PKCS12 trust store holding every certificate of the PEM bundle {@code caPem}. */
    public static KeyStore trustStore(Path caPem) throws IOException, GeneralSecurityException {
        List<X509Certificate> certificates = certificates(caPem);
        KeyStore store = empty();
        int i = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        return store;
    }

    /** A PKCS12 key store with the chain of {@code certificatePem} and the key of {@code keyPem}. */
    public static KeyStore keyStore(Path certificatePem, Path keyPem, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore store = empty();
        store.setKeyEntry(
                "client",
                privateKey(keyPem),
                password,
                certificates(certificatePem).toArray(Certificate[]::new));
        return store;
    }

    /**
     * Writes {@code store} to a new file only this user can read, deleted when the JVM exits; where
     * it is.
     */
    public static Path writeTemporary(KeyStore store, char[] password, String prefix)
            throws IOException, GeneralSecurityException {
        Path file = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? Files.createTempFile(
                        prefix,
                        ".p12",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(prefix, ".p12");
        file.toFile().deleteOnExit();
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
        return file;
    }

    private static KeyStore empty() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    /** Every certificate of a PEM file, whatever text surrounds them (as openssl writes bundles). */
    private static List<X509Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(pem);
                PEMParser parser = new PEMParser(reader)) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + pem);
        }
        return certificates;
    }

    /** An unencrypted PKCS#8 ("PRIVATE KEY") or traditional ("RSA/EC PRIVATE KEY") PEM key. */
    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        try (Reader reader = Files.newBufferedReader(pem);
                PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            // The key need not come first: `openssl ecparam -genkey` writes EC PARAMETERS before it.
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
            throw new GeneralSecurityException("no unencrypted private key in " + pem);
        }
    }
}
