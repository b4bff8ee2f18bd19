import Aether

/// The reducers a dashboard replays state with, by namespace, and what they are.
///
/// The stock `aether-top` has no application reducers: on NATS it replays with a generic
/// merge-patch of each event's `data` and says so wherever it shows state. An application that
/// embeds the dashboard (`AetherTop.main(reducers:)`) brings its own; the demo's apply to the
/// embedded demo, and on NATS only when asked (`--reducers demo`).
public struct ReducerCatalog: Sendable {
    public var reducers: [String: Reducer]
    /// Whose reducers these are: "application", "demo".
    public var origin: String

    public init(reducers: [String: Reducer], origin: String = "application") {
        self.reducers = reducers
        self.origin = origin
    }

    /// No reducers: every namespace replays with the generic merge-patch.
    public static let generic = ReducerCatalog(reducers: [:], origin: "application")

    /// The demo workload's reducers (orders, payments, inventory).
    public static let demo = ReducerCatalog(
        reducers: Dictionary(uniqueKeysWithValues: DemoDomain.namespaces.map { ($0, DemoDomain.reducer(for: $0)) }),
        origin: "demo"
    )

    public var isGeneric: Bool { reducers.isEmpty }

    /// The reducer for a namespace, and how a state it makes is labelled on screen.
    public func reducer(for namespace: String) -> (reducer: Reducer, label: String, generic: Bool) {
        if let reducer = reducers[namespace] { return (reducer, "\(origin) reducer", false) }
        return (.mergePatch, "generic merge-patch", true)
    }
}
