import AetherNATS

/// The one place NATS errors become Aether errors: the stores, the bus and the cluster code
/// all go through it, so one NATS failure reads the same wherever it surfaces.
extension AetherError {
    /// `context` says what was being done ("saving actor \"a\" in orders"); the NATS error is kept
    /// as the cause.
    ///
    /// | NATS | Aether |
    /// | --- | --- |
    /// | no responders, timeout, disconnected, not connected, closed, draining, cannot connect | `.unavailable` |
    /// | payload too large | `.payloadTooLarge` |
    /// | not found | `.notFound` |
    /// | anything else | `.backend` |
    public init(_ error: NATSError, context: String) {
        let code: Code
        switch error.code {
        case .noResponders, .timeout, .disconnected, .notConnected, .connectionClosed, .connectionFailed, .draining:
            code = .unavailable
        case .payloadTooLarge:
            code = .payloadTooLarge
        case .notFound:
            code = .notFound
        default:
            code = .backend
        }
        self.init(
            code: code,
            message: "\(context): \(error.message)",
            details: error.code == .notConnected ? .nothingSent : nil,
            cause: error
        )
    }
}

extension NATSError: MessageBearingError {}
