import AetherNATS
import NIOCore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Cluster {
    /// What nodes say to each other on the discovery subject.
    ///
    /// Wire form (JSON): `{"type":"heartbeat","node":{NodeInfo}}`,
    /// `{"type":"leave","node_id":"…"}`, `{"type":"resign","node_id":"…"}` or
    /// `{"type":"roll_call","node_id":"…"}`.
    public enum DiscoveryMessage: Sendable, Hashable, Codable {
        case heartbeat(NodeInfo)
        case leave(String)
        /// Asks the named node to resign leadership (an operator's failover drill).
        case resign(String)
        /// An observer that has just started, named, asks every member for a heartbeat now
        /// (each answers at most once per ``Cluster/Node/rollCallAnswerGap``), so it need not
        /// wait out the members' heartbeat interval to know them.
        case rollCall(String)

        enum CodingKeys: String, CodingKey {
            case type
            case node
            case nodeID = "node_id"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "heartbeat": self = .heartbeat(try container.decode(NodeInfo.self, forKey: .node))
            case "leave": self = .leave(try container.decode(String.self, forKey: .nodeID))
            case "resign": self = .resign(try container.decode(String.self, forKey: .nodeID))
            case "roll_call": self = .rollCall(try container.decode(String.self, forKey: .nodeID))
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .type,
                    in: container,
                    debugDescription: "unknown discovery message type \(Identifiers.quoted(other))"
                )
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .heartbeat(let info):
                try container.encode("heartbeat", forKey: .type)
                try container.encode(info, forKey: .node)
            case .leave(let id):
                try container.encode("leave", forKey: .type)
                try container.encode(id, forKey: .nodeID)
            case .resign(let id):
                try container.encode("resign", forKey: .type)
                try container.encode(id, forKey: .nodeID)
            case .rollCall(let id):
                try container.encode("roll_call", forKey: .type)
                try container.encode(id, forKey: .nodeID)
            }
        }

        public func jsonBytes() -> [UInt8] {
            // Encoding these plain value types cannot fail.
            Array((try? JSONEncoder().encode(self)) ?? Data())
        }

        public init(jsonBytes: some Collection<UInt8>) throws {
            self = try JSONDecoder().decode(DiscoveryMessage.self, from: Data(jsonBytes))
        }
    }

    /// How nodes find each other: a broadcast every node hears, itself included.
    public protocol DiscoveryTransport: Sendable {
        /// Broadcasts a message to every node.
        func publish(_ message: DiscoveryMessage) async throws
        /// Every message published from now on, in order per publisher, until the task
        /// iterating it is cancelled. Undecodable messages are skipped.
        func messages() async throws -> AsyncStream<DiscoveryMessage>
    }

    /// Discovery within one process: for the embedded demo and unit tests.
    public final class InMemoryDiscovery: DiscoveryTransport {
        private let listeners = Mutex<[UInt64: AsyncStream<DiscoveryMessage>.Continuation]>([:])
        private let nextID = Atomic<UInt64>(0)

        public init() {}

        public func publish(_ message: DiscoveryMessage) async throws {
            for listener in listeners.withLock({ Array($0.values) }) { listener.yield(message) }
        }

        public func messages() async throws -> AsyncStream<DiscoveryMessage> {
            let id = nextID.add(1, ordering: .relaxed).newValue
            let (stream, continuation) = AsyncStream.makeStream(
                of: DiscoveryMessage.self,
                bufferingPolicy: .bufferingNewest(1024)
            )
            continuation.onTermination = { [weak self] _ in _ = self?.listeners.withLock { $0.removeValue(forKey: id) }
            }
            listeners.withLock { $0[id] = continuation }
            return stream
        }
    }

    /// Discovery over core NATS on `aether.discovery` (as the original).
    public final class NATSDiscovery: DiscoveryTransport {
        public let client: NATSClient
        public let subject: String
        private let undecodable = Atomic<Int>(0)

        public init(client: NATSClient, subject: String = "aether.discovery") {
            self.client = client
            self.subject = subject
        }

        /// Messages received that were not discovery messages (other clients' traffic).
        public var undecodableCount: Int { undecodable.load(ordering: .relaxed) }

        public func publish(_ message: DiscoveryMessage) async throws {
            do {
                try client.publish(message.jsonBytes(), to: subject)
            } catch {
                throw AetherError(error, context: "publishing on \(subject)")
            }
        }

        public func messages() async throws -> AsyncStream<DiscoveryMessage> {
            let subscription: NATSSubscription
            do {
                subscription = try await client.subscribe(to: subject)
            } catch let error as NATSError {
                throw AetherError(error, context: "subscribing to \(subject)")
            }
            return AsyncStream { [self] () async -> DiscoveryMessage? in
                while let message = await subscription.next() {
                    if let decoded = try? DiscoveryMessage(jsonBytes: message.payload.readableBytesView) {
                        return decoded
                    }
                    undecodable.add(1, ordering: .relaxed)
                }
                return nil
            } onCancel: {
                subscription.unsubscribe()
            }
        }
    }
}
