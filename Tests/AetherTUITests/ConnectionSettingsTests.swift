import Aether
import AetherNATS
import Foundation
import Testing

@testable import AetherTUI

@Suite("Connection settings: flags, environment and nats CLI contexts")
struct ConnectionSettingsTests {
    func home() throws -> String {
        let home = NSTemporaryDirectory() + "aether-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: home + "/.config/nats/context",
            withIntermediateDirectories: true
        )
        return home
    }

    @Test("no server anywhere: the embedded demo")
    func embedded() throws {
        #expect(try ConnectionSettings().options(environment: [:], home: try home()) == nil)
    }

    @Test("a comma-separated seed list works in --server, NATS_URL and contexts")
    func seedLists() throws {
        let home = try home()
        try #"{"url":"nats://c1:4222,nats://c2:4222"}"#.write(
            toFile: home + "/.config/nats/context/cluster.json",
            atomically: true,
            encoding: .utf8
        )
        #expect(
            try ConnectionSettings(server: "nats://127.0.0.1:16101, nats://127.0.0.1:16102").options(
                environment: [:],
                home: home
            )?.servers == ["nats://127.0.0.1:16101", "nats://127.0.0.1:16102"]
        )
        #expect(
            try ConnectionSettings().options(environment: ["NATS_URL": "nats://a:1,nats://b:2"], home: home)?.servers
                == ["nats://a:1", "nats://b:2"]
        )
        #expect(
            try ConnectionSettings(context: "cluster").options(environment: [:], home: home)?.servers
                == ["nats://c1:4222", "nats://c2:4222"]
        )
    }

    @Test("--server beats NATS_URL, which beats the selected context")
    func precedence() throws {
        let home = try home()
        try #"{"url":"nats://ctx:4222"}"#.write(
            toFile: home + "/.config/nats/context/prod.json",
            atomically: true,
            encoding: .utf8
        )
        try "prod\n".write(toFile: home + "/.config/nats/context.txt", atomically: true, encoding: .utf8)
        #expect(try ConnectionSettings().options(environment: [:], home: home)?.servers == ["nats://ctx:4222"])
        #expect(
            try ConnectionSettings().options(environment: ["NATS_URL": "nats://env:4222"], home: home)?.servers
                == ["nats://env:4222"]
        )
        #expect(
            try ConnectionSettings(server: "nats://flag:4222").options(
                environment: ["NATS_URL": "nats://env:4222"],
                home: home
            )?
            .servers == ["nats://flag:4222"]
        )
    }

    @Test("a context's user, password, creds and CA are used; NATS_CONTEXT picks one")
    func contextFields() throws {
        let home = try home()
        // The creds file is read before connecting: a usable one.
        let creds = home + "/x.creds"
        try """
        -----BEGIN NATS USER JWT-----
        eyJhbGciOiJlZDI1NTE5In0.payload.sig
        ------END NATS USER JWT------

        -----BEGIN USER NKEY SEED-----
        \(NATSCredentials.KeyPair.generate().seed)
        ------END USER NKEY SEED------
        """.write(toFile: creds, atomically: true, encoding: .utf8)
        try #"{"url":"nats://c:4222","user":"ops","password":"s3cret","creds":"\#(creds)","ca":"/ca.pem"}"#
            .write(toFile: home + "/.config/nats/context/lab.json", atomically: true, encoding: .utf8)
        let options = try #require(try ConnectionSettings().options(environment: ["NATS_CONTEXT": "lab"], home: home))
        #expect(options.user == "ops")
        #expect(options.password == "s3cret")
        #expect(options.credentialsFile == creds)
        // One that is not usable is an error naming the file, before any connection.
        try "no blocks".write(toFile: creds, atomically: true, encoding: .utf8)
        let refused = #expect(throws: AetherError.self) {
            try ConnectionSettings().options(environment: ["NATS_CONTEXT": "lab"], home: home)
        }
        #expect(refused?.message.contains("no NATS USER JWT block") == true)
        #expect(options.tls?.caFile == "/ca.pem")
    }

    @Test("a missing or malformed context, or a hostile context name, is a clear error")
    func badContexts() throws {
        let home = try home()
        try "{not json".write(toFile: home + "/.config/nats/context/broken.json", atomically: true, encoding: .utf8)
        #expect(throws: AetherError.self) {
            try ConnectionSettings(context: "nope").options(environment: [:], home: home)
        }
        #expect(throws: AetherError.self) {
            try ConnectionSettings(context: "broken").options(environment: [:], home: home)
        }
        #expect(throws: AetherError.self) {
            try ConnectionSettings(context: "../../etc/passwd").options(environment: [:], home: home)
        }
    }

    @Test("credentials in a URL never reach the status line's label")
    func redaction() {
        #expect(!ServerURL.redact("nats://ops:s3cret@host:4222").contains("s3cret"))
    }
}
