import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import Foundation
import Testing

/// A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl.
struct TestCertificates {
    let directory: String
    var ca: String { "\(directory)/ca.pem" }
    var serverCert: String { "\(directory)/server.pem" }
    var serverKey: String { "\(directory)/server.key" }
    var clientCert: String { "\(directory)/client.pem" }
    var clientKey: String { "\(directory)/client.key" }

    static let opensslPresent = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    static func make() async throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "aether-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            toFile: "\(directory)/san.ext",
            atomically: true,
            encoding: .utf8
        )
        try await run(
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(directory)/ca.key", "-out",
                certificates.ca, "-days", "2", "-subj", "/CN=aether-test-ca",
            ],
            in: directory
        )
        for name in ["server", "client"] {
            try await run(
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(directory)/\(name).key", "-out",
                    "\(directory)/\(name).csr", "-subj", "/CN=\(name == "server" ? "localhost" : "aether-client")",
                ],
                in: directory
            )
            try await run(
                [
                    "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", certificates.ca, "-CAkey",
                    "\(directory)/ca.key", "-CAcreateserial", "-out", "\(directory)/\(name).pem", "-days", "2",
                    "-extfile", "\(directory)/san.ext",
                ],
                in: directory
            )
        }
        return certificates
    }

    private static func run(_ arguments: [String], in directory: String) async throws {
        do {
            try await ChildProcess.run("/usr/bin/openssl", arguments, directory: directory)
        } catch {
            throw NATSError(code: .tls, message: "openssl \(arguments.first ?? "") failed: \(error)")
        }
    }
}

@Suite(
    "TLS against nats-server 2.15.1",
    .enabled(if: Live.serverPresent && TestCertificates.opensslPresent, Live.skipReason)
)
struct TLSLiveTests {
    private func tlsServer(_ certificates: TestCertificates) -> String {
        """
        tls {
          cert_file: "\(certificates.serverCert)"
          key_file: "\(certificates.serverKey)"
          ca_file: "\(certificates.ca)"
          verify: true
          timeout: 2
        }
        """
    }

    @Test("custom CA and client certificate: connects and works")
    func mutualTLS() async throws {
        let certificates = try await TestCertificates.make()
        try await Live.withServer(configuration: tlsServer(certificates)) { server in
            var options = NATSOptions(url: "tls://127.0.0.1:\(server.clientPort)")
            options.tls = NATSTLSOptions(
                caFile: certificates.ca,
                certificateFile: certificates.clientCert,
                keyFile: certificates.clientKey
            )
            let client = try await NATSClient.connect(options)
            let subscription = try await client.subscribe(to: "secure")
            try client.publish("over tls", to: "secure")
            #expect(try await take(1, from: subscription).first?.string == "over tls")
            await client.close()
        }
    }

    @Test("no client certificate, or an unknown CA: a clear .tls error")
    func rejected() async throws {
        let certificates = try await TestCertificates.make()
        try await Live.withServer(configuration: tlsServer(certificates)) { server in
            var noClientCert = NATSOptions(url: "tls://127.0.0.1:\(server.clientPort)")
            noClientCert.tls = NATSTLSOptions(caFile: certificates.ca)
            noClientCert.reconnect.enabled = false
            let missing = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(noClientCert) }
            #expect(missing?.code == .tls, "\(String(describing: missing))")

            var unknownCA = NATSOptions(url: "tls://127.0.0.1:\(server.clientPort)")
            unknownCA.tls = NATSTLSOptions(certificateFile: certificates.clientCert, keyFile: certificates.clientKey)
            let untrusted = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(unknownCA) }
            #expect(untrusted?.code == .tls, "\(String(describing: untrusted))")
        }
    }

    @Test("TLS asked of a server without TLS: a clear .tls error")
    func tlsToPlainServer() async throws {
        try await Live.withServer { server in
            let error = await #expect(throws: NATSError.self) {
                _ = try await NATSClient.connect(url: "tls://127.0.0.1:\(server.clientPort)")
            }
            #expect(error?.code == .tls)
            #expect(error?.message.contains("does not offer TLS") == true)
        }
    }
}
