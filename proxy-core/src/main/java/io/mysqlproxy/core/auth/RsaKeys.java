package io.mysqlproxy.core.auth;

import io.mysqlproxy.core.config.InvalidConfigException;
import io.mysqlproxy.core.config.ProxyConfig;
import io.mysqlproxy.protocol.auth.RsaPasswordCipher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** The RSA key pair for caching_sha2_password's full authentication without TLS. */
public record RsaKeys(PrivateKey privateKey, PublicKey publicKey, String publicKeyPem) {

    public static RsaKeys load(ProxyConfig.RsaKeys config) {
        if (config.privateKey().isEmpty()) {
            return generate();
        }
        PrivateKey privateKey = readPrivateKey(config.privateKey().get());
        PublicKey publicKey;
        try {
            publicKey = RsaPasswordCipher.fromPem(
                    Files.readString(config.publicKey().orElseThrow()));
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException("mysql-proxy.client.rsa.public-key", e.getMessage(), e);
        }
        return new RsaKeys(privateKey, publicKey, RsaPasswordCipher.toPem(publicKey));
    }

    public static RsaKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            return new RsaKeys(pair.getPrivate(), pair.getPublic(), RsaPasswordCipher.toPem(pair.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key generation is unavailable", e);
        }
    }

    private static PrivateKey readPrivateKey(Path file) {
        try {
            String body = Files.readString(file)
                    .replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "")
                    .replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new InvalidConfigException(
                    "mysql-proxy.client.rsa.private-key",
                    "not a PKCS#8 RSA private key in PEM form: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public String toString() {
        return "RsaKeys[public=" + publicKey.getAlgorithm() + "]";
    }
}
