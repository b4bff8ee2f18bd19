import AetherNATSTesting
import AetherTestSupport
import Crypto
import Foundation
import Testing

@testable import AetherNATS

/// NATS JWTs for tests: an operator signs an account, the account signs a user.
private struct JWTIssuer {
    let key = Curve25519.Signing.PrivateKey()
    let prefix: UInt8

    var publicKey: String {
        let payload = [prefix] + Array(key.publicKey.rawRepresentation)
        let checksum = CRC16.xmodem(payload)
        return Base32.encode(payload + [UInt8(checksum & 0xFF), UInt8(checksum >> 8)])
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A signed JWT with `claims` (`iss` is this issuer).
    func sign(subject: String, name: String, nats: [String: Any]) throws -> String {
        let header = #"{"typ":"JWT","alg":"ed25519-nkey"}"#
        let claims: [String: Any] = [
            "jti": UUID().uuidString.replacingOccurrences(of: "-", with: ""),
            "iat": Int(Date().timeIntervalSince1970),
            "iss": publicKey,
            "name": name,
            "sub": subject,
            "nats": nats,
        ]
        let body = try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(body)
        let signature = try key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(Data(signature))
    }
}

@Suite("Credentials files against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct CredsLiveTests {
    @Test("a .creds file (user JWT + NKey seed) logs in; a user signed by another account does not")
    func credsLogin() async throws {
        let operatorKey = JWTIssuer(prefix: 14 << 3)
        let account = JWTIssuer(prefix: 0)
        let user = NATSCredentials.KeyPair.generate()
        let operatorJWT = try operatorKey.sign(
            subject: operatorKey.publicKey,
            name: "op",
            nats: ["type": "operator", "version": 2]
        )
        let unlimited: [String: Any] = [
            "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": true, "conn": -1,
            "leaf": -1,
        ]
        let accountJWT = try operatorKey.sign(
            subject: account.publicKey,
            name: "acc",
            nats: ["type": "account", "version": 2, "limits": unlimited]
        )
        let userJWT = try account.sign(
            subject: user.publicKey,
            name: "alice",
            nats: ["type": "user", "version": 2, "subs": -1, "data": -1, "payload": -1]
        )
        let configuration = """
            operator: \(operatorJWT)
            resolver: MEMORY
            resolver_preload: {
              \(account.publicKey): \(accountJWT)
            }
            """
        let directory = NSTemporaryDirectory() + "aether-creds-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let credsPath = "\(directory)/alice.creds"
        try """
        -----BEGIN NATS USER JWT-----
        \(userJWT)
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.

        -----BEGIN USER NKEY SEED-----
        \(user.seed)
        ------END USER NKEY SEED------
        """.write(toFile: credsPath, atomically: true, encoding: .utf8)

        try await Live.withServer(jetStream: false, configuration: configuration) { server in
            var options = NATSOptions(url: server.url)
            options.credentialsFile = credsPath
            let client = try await NATSClient.connect(options)
            let subscription = try await client.subscribe(to: "who")
            try client.publish("alice", to: "who")
            #expect(try await take(1, from: subscription).first?.string == "alice")
            await client.close()

            // A user JWT from an account the server does not know.
            let stranger = JWTIssuer(prefix: 0)
            let strangerJWT = try stranger.sign(
                subject: user.publicKey,
                name: "mallory",
                nats: ["type": "user", "version": 2]
            )
            let badPath = "\(directory)/mallory.creds"
            try
                "-----BEGIN NATS USER JWT-----\n\(strangerJWT)\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\n\(user.seed)\n------END USER NKEY SEED------\n"
                .write(toFile: badPath, atomically: true, encoding: .utf8)
            var bad = NATSOptions(url: server.url)
            bad.credentialsFile = badPath
            let error = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(bad) }
            #expect(error?.code == .authorization)
            #expect(error.map { !"\($0)".contains(user.seed) } == true)
        }

        var missing = NATSOptions(url: "nats://127.0.0.1:1")
        missing.credentialsFile = "\(directory)/nope.creds"
        missing.reconnect.enabled = false
        await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(missing) }
    }
}
