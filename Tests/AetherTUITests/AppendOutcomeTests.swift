import Aether
import AetherNATS
import Foundation
import Testing

@testable import AetherTUI

/// What a failed append tells the operator: "nothing written" only when that is known.
@Suite("A failed append's outcome")
struct AppendOutcomeTests {
    static func failure(
        _ code: AetherError.Code,
        cause: NATSError? = nil,
        details: AetherError.Details? = nil
    )
        -> AetherError
    {
        AetherError(code: code, message: "saving actor \"a\" in orders", details: details, cause: cause)
    }

    @Test("known not written: refused before sending, or refused by the server")
    func known() {
        let refusals: [AetherError] = [
            .versionConflict(actorID: "a", currentVersion: 3, attemptedVersion: 2),
            Self.failure(.invalidEvent),
            Self.failure(.payloadTooLarge),
            Self.failure(.unavailable, details: .nothingSent),
            AetherError(NATSError(code: .notConnected, message: "not connected"), context: "saving"),
            Self.failure(.unavailable, cause: NATSError(code: .noResponders, message: "no responders")),
            Self.failure(
                .backend,
                cause: NATSError(
                    code: .jetStream,
                    message: "maximum messages exceeded",
                    apiError: .init(code: 503, errCode: 10077, description: "maximum messages exceeded")
                )
            ),
        ]
        for error in refusals { #expect(DashboardApp.knownNotWritten(error), "\(error)") }
    }

    @Test("unknown: sent, and no answer came back")
    func unknown() {
        let unanswered: [any Error] = [
            Self.failure(.unavailable, cause: NATSError(code: .timeout, message: "timed out after 5.0 seconds")),
            Self.failure(.unavailable, cause: NATSError(code: .disconnected, message: "connection lost")),
            Self.failure(.unavailable),
            NATSError(code: .timeout, message: "timed out"),
        ]
        for error in unanswered { #expect(!DashboardApp.knownNotWritten(error), "\(error)") }
    }
}

@Suite("Where contexts and the config file are looked for")
struct HomeDirectoryTests {
    @Test("$HOME first, as the nats CLI reads it; the account's home when it is unset or empty")
    func home() {
        #expect(homeDirectory(["HOME": "/tmp/elsewhere"]) == "/tmp/elsewhere")
        #expect(homeDirectory([:]) == NSHomeDirectory())
        #expect(homeDirectory(["HOME": ""]) == NSHomeDirectory())
    }
}
