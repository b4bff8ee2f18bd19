import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import Foundation
import NIOCore
import Synchronization
import Testing

@Suite("nats-server is there when CI runs")
struct NATSPresenceTests {
    @Test("with CI=true a missing nats-server is a failure, not a skip")
    func presentInCI() {
        if Live.isCI {
            #expect(Live.serverPresent, "CI=true but nats-server is missing")
        } else if !Live.serverPresent {
            print("note: \(Live.skipReason); NATS tests are skipped outside CI")
        }
    }
}

@Suite("NATS client against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct ClientLiveTests {
    @Test("connects, publishes and receives in order, with headers")
    func pubSub() async throws {
        try await Live.withClient { client, _ in
            #expect(client.serverInfo?.version == "2.15.1")
            let subscription = try await client.subscribe(to: "orders.*")
            for index in 0..<100 {
                try client.publish(
                    "m\(index)",
                    to: "orders.\(index % 3)",
                    headers: index == 0 ? ["Trace": "t-1", "Multi": "a"] : nil
                )
            }
            let received = try await take(100, from: subscription)
            #expect(received.map(\.string) == (0..<100).map { "m\($0)" })
            #expect(received[0].headers?["Trace"] == "t-1")
            #expect(received[1].headers == nil)
            #expect(received[4].subject == "orders.1")
        }
    }

    @Test("request/reply through the shared inbox; no responders fails at once; timeouts are typed")
    func requestReply() async throws {
        try await Live.withClient { client, _ in
            let service = try await client.subscribe(to: "echo")
            let responder = Task {
                for await message in service {
                    guard let reply = message.replyTo else { continue }
                    try client.publish("echo: \(message.string)", to: reply)
                }
            }
            defer { responder.cancel() }
            for index in 0..<20 {
                let reply = try await client.request("hi \(index)", to: "echo")
                #expect(reply.string == "echo: hi \(index)")
            }
            let clock = ContinuousClock()
            let start = clock.now
            let noResponders = await #expect(throws: NATSError.self) {
                _ = try await client.request("x", to: "nobody.home", timeout: .seconds(5))
            }
            #expect(noResponders?.code == .noResponders)
            #expect(start.duration(to: clock.now) < .seconds(2))
            // A subscriber that never answers: the request times out.
            let silent = try await client.subscribe(to: "silent")
            let timeout = await #expect(throws: NATSError.self) {
                _ = try await client.request("x", to: "silent", timeout: .milliseconds(200))
            }
            #expect(timeout?.code == .timeout)
            silent.unsubscribe()
        }
    }

    @Test(
        "a handler subscription answers requests as they are read, in order; the max limit and unsubscribe end it; its sequence yields nothing"
    )
    func handlerSubscription() async throws {
        try await Live.withClient { client, server in
            let responder = try await NATSClient.connect(url: server.url)
            defer { responder.closeNow() }
            let seen = Mutex<[String]>([])
            let service = try await responder.subscribe(to: "svc.echo") { message in
                seen.withLock { $0.append(message.string) }
                if let reply = message.replyTo { try? responder.publish("re: \(message.string)", to: reply) }
            }
            let replies = try await client.requests(
                (0..<50).map { NATSClient.OutgoingRequest(ByteBuffer(string: "m\($0)"), to: "svc.echo") }
            )
            #expect(try replies.map { try $0.get().string } == (0..<50).map { "re: m\($0)" })
            #expect(seen.withLock { $0 } == (0..<50).map { "m\($0)" })
            #expect(service.deliveredCount == 50 && service.pendingCount == 0)
            service.unsubscribe()
            #expect(await service.next() == nil)
            // Once the responder's PONG is back, the server has processed its UNSUB.
            try await responder.flush()
            let gone = await #expect(throws: NATSError.self) {
                _ = try await client.request("after", to: "svc.echo", timeout: .seconds(5))
            }
            #expect(gone?.code == .noResponders)

            // max: 3 messages reach the handler, then the subscription ends.
            let counted = Mutex(0)
            let limited = try await responder.subscribe(to: "svc.once", max: 3) { _ in counted.withLock { $0 += 1 } }
            for index in 0..<10 { try client.publish("x\(index)", to: "svc.once") }
            try await client.flush()
            #expect(await limited.next() == nil)
            #expect(counted.withLock { $0 } == 3)
        }
    }

    @Test(
        "one timeout sweep per connection: a short request behind a long one times out at its own deadline, the long one is still answered"
    )
    func requestTimeoutSweep() async throws {
        try await Live.withClient { client, _ in
            let slow = try await client.subscribe(to: "sweep.slow")
            let silent = try await client.subscribe(to: "sweep.silent")
            // The long request's sweep is due in 10 s; the short one must not wait for it.
            async let long = client.request("long", to: "sweep.slow", timeout: .seconds(10))
            var held: NATSMessage?
            for await message in slow {
                held = message
                break
            }
            let clock = ContinuousClock()
            let start = clock.now
            let short = await #expect(throws: NATSError.self) {
                _ = try await client.request("short", to: "sweep.silent", timeout: .milliseconds(300))
            }
            #expect(short?.code == .timeout)
            #expect(start.duration(to: clock.now) < .seconds(3), "the short request waited for the long one's sweep")
            try client.publish("answered", to: try #require(held?.replyTo))
            #expect(try await long.string == "answered")
            // Every request after that still times out on its own.
            for _ in 0..<3 {
                let again = await #expect(throws: NATSError.self) {
                    _ = try await client.request("again", to: "sweep.silent", timeout: .milliseconds(100))
                }
                #expect(again?.code == .timeout)
            }
            slow.unsubscribe()
            silent.unsubscribe()
        }
    }

    @Test(
        "a caller that prefers the client's task executor is resumed on the connection's event loop; NATSOptions.eventLoop puts a second client on the same loop"
    )
    func taskExecutorPreference() async throws {
        try await Live.withClient { client, server in
            var options = NATSOptions(url: server.url)
            options.eventLoop = client.eventLoop
            let responder = try await NATSClient.connect(options)
            defer { responder.closeNow() }
            #expect(responder.eventLoop === client.eventLoop)
            let readOnLoop = Mutex<[Bool]>([])
            let service = try await responder.subscribe(to: "svc.loop") { message in
                readOnLoop.withLock { $0.append(client.eventLoop.inEventLoop) }
                if let reply = message.replyTo { try? responder.publish("re: \(message.string)", to: reply) }
            }
            defer { service.unsubscribe() }
            // Without a preference the caller's code runs on the shared pool, never on the loop.
            let reply = try await client.request("a", to: "svc.loop")
            #expect(reply.string == "re: a")
            #expect(!client.eventLoop.inEventLoop)
            // With it, the caller runs on the loop from the start and after every round trip (requests, a flush).
            let onLoop = try await withTaskExecutorPreference(client.taskExecutor) { () async throws -> [Bool] in
                var seen = [client.eventLoop.inEventLoop]
                for index in 0..<20 {
                    let reply = try await client.request("p\(index)", to: "svc.loop")
                    guard reply.string == "re: p\(index)" else { return [] }
                    seen.append(client.eventLoop.inEventLoop)
                }
                try await client.flush()
                seen.append(client.eventLoop.inEventLoop)
                return seen
            }
            #expect(onLoop.count == 22 && onLoop.allSatisfy { $0 })
            // The responder's handler ran on the very loop the requester uses.
            #expect(readOnLoop.withLock { $0 }.count == 21 && readOnLoop.withLock { $0 }.allSatisfy { $0 })
            #expect(!client.eventLoop.inEventLoop)
        }
    }

    @Test("queue group members share the messages; auto-unsubscribe stops after N")
    func queueGroupsAndAutoUnsubscribe() async throws {
        try await Live.withClient { client, _ in
            let first = try await client.subscribe(to: "work", queue: "workers")
            let second = try await client.subscribe(to: "work", queue: "workers")
            let limited = try await client.subscribe(to: "work", max: 5)
            for index in 0..<200 { try client.publish("\(index)", to: "work") }
            try await client.flush()
            let five = try await take(5, from: limited)
            #expect(five.count == 5)
            #expect(await limited.next() == nil, "the auto-unsubscribed subscription ends after 5")
            let total = try await withDeadline(10, "queue group totals") {
                var seen = Set<String>()
                while seen.count < 200 {
                    if first.pendingCount > 0, let message = await first.next() {
                        seen.insert(message.string)
                        continue
                    }
                    if second.pendingCount > 0, let message = await second.next() {
                        seen.insert(message.string)
                        continue
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
                return seen
            }
            #expect(total.count == 200)
            #expect(first.deliveredCount + second.deliveredCount == 200)
            #expect(first.deliveredCount > 0 && second.deliveredCount > 0)
        }
    }

    @Test("drain delivers what was already sent, then ends")
    func drainSubscription() async throws {
        try await Live.withClient { client, _ in
            let subscription = try await client.subscribe(to: "d")
            for index in 0..<50 { try client.publish("\(index)", to: "d") }
            try await client.flush()
            await subscription.drain()
            try client.publish("after", to: "d")
            let received = try await take(50, from: subscription)
            #expect(received.map(\.string) == (0..<50).map { "\($0)" })
            #expect(await subscription.next() == nil)
        }
    }

    @Test("oversize payloads and invalid subjects are clear errors; nothing is sent; the connection stays up")
    func badInput() async throws {
        try await Live.withClient { client, _ in
            let subscription = try await client.subscribe(to: ">")
            let big = [UInt8](repeating: 7, count: client.maxPayload + 1)
            let tooBig = #expect(throws: NATSError.self) { try client.publish(big, to: "big") }
            #expect(tooBig?.code == .payloadTooLarge)
            #expect(tooBig?.message.contains("\(client.maxPayload)") == true)
            for subject in ["", "a b", "a..b", "a.*", ">", "a.>"] {
                let error = #expect(throws: NATSError.self) { try client.publish("x", to: subject) }
                #expect(error?.code == .invalidSubject)
            }
            await #expect(throws: NATSError.self) { _ = try await client.subscribe(to: "a.>.b") }
            try client.publish("fine", to: "ok")
            let received = try await take(1, from: subscription)
            #expect(received.first?.subject == "ok")
            #expect(client.status == .connected(server: client.connectedServer!.description))
        }
    }

    @Test("a slow consumer's drops are counted and reported")
    func slowConsumer() async throws {
        let configure: (inout NATSOptions) -> Void = { $0.subscriptionPendingLimit = 10 }
        try await Live.withClient(configure: configure) { client, _ in
            let events = client.events()
            let subscription = try await client.subscribe(to: "flood")
            for index in 0..<100 { try client.publish("\(index)", to: "flood") }
            try await client.flush()
            try await waitFor("slow consumer event", in: events) {
                if case .slowConsumer = $0 { return true } else { return false }
            }
            #expect(subscription.droppedCount == 90)
            #expect(try await take(10, from: subscription).map(\.string) == (0..<10).map { "\($0)" })
        }
    }

    @Test("user and password: wrong ones fail with .authorization and are never printed; right ones work")
    func userPassword() async throws {
        try await Live.withServer(extraArguments: ["--user", "alice", "--pass", "s3cret-pw"]) { server in
            var wrong = NATSOptions(url: server.url)
            wrong.user = "alice"
            wrong.password = "wrong-pw"
            let error = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(wrong) }
            #expect(error?.code == .authorization)
            #expect(error.map { !"\($0)".contains("wrong-pw") } == true)

            let fromURL = try await NATSClient.connect(url: "nats://alice:s3cret-pw@127.0.0.1:\(server.clientPort)")
            #expect(!"\(fromURL.connectedServer!)".contains("s3cret"))
            await fromURL.close()

            var right = NATSOptions(url: server.url)
            right.user = "alice"
            right.password = "s3cret-pw"
            let client = try await NATSClient.connect(right)
            try await client.flush()
            await client.close()
        }
    }

    @Test("token auth and NKey auth against the server")
    func tokenAndNKey() async throws {
        try await Live.withServer(extraArguments: ["--auth", "tok-123"]) { server in
            let client = try await NATSClient.connect(url: "nats://tok-123@127.0.0.1:\(server.clientPort)")
            await client.close()
            var bad = NATSOptions(url: server.url)
            bad.token = "nope"
            let error = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(bad) }
            #expect(error?.code == .authorization)
        }
        let pair = NATSCredentials.KeyPair.generate()
        let configuration = "authorization { users = [ { nkey: \(pair.publicKey) } ] }"
        try await Live.withServer(configuration: configuration) { server in
            var options = NATSOptions(url: server.url)
            options.nkeySeed = pair.seed
            let client = try await NATSClient.connect(options)
            try await client.flush()
            await client.close()
            var other = NATSOptions(url: server.url)
            other.nkeySeed = NATSCredentials.KeyPair.generate().seed
            let error = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(other) }
            #expect(error?.code == .authorization)
        }
    }

    @Test(
        "SIGKILL and restart: reconnects by itself, subscriptions resume, buffered publishes go out, in-flight requests fail typed"
    )
    func killAndRestart() async throws {
        try await Live.withClient { client, server in
            let events = client.events()
            let subscription = try await client.subscribe(to: "survive")
            let queued = try await client.subscribe(to: "queued", queue: "q")
            try client.publish("before", to: "survive")
            #expect(try await take(1, from: subscription).first?.string == "before")

            let hanging = try await client.subscribe(to: "slow.service")
            let request = Task { try await client.request("x", to: "slow.service", timeout: .seconds(30)) }
            _ = try await take(1, from: hanging)

            server.kill9()
            let failure = await #expect(throws: NATSError.self) { _ = try await request.value }
            #expect(failure?.code == .disconnected)
            try await waitFor("disconnected", in: events) {
                if case .disconnected = $0 { return true } else { return false }
            }

            // Published while the server is down: buffered, sent after the reconnect.
            for index in 0..<10 { try client.publish("buffered \(index)", to: "survive") }
            try client.publish("to the queue", to: "queued")

            try await server.restart()
            try await waitFor("reconnected", in: events) {
                if case .reconnected = $0 { return true } else { return false }
            }
            let buffered = try await take(10, from: subscription)
            #expect(buffered.map(\.string) == (0..<10).map { "buffered \($0)" })
            #expect(try await take(1, from: queued).first?.string == "to the queue")
            try client.publish("after", to: "survive")
            #expect(try await take(1, from: subscription).first?.string == "after")
            #expect(client.statistics.reconnects == 1)
        }
    }

    @Test("a frozen server (SIGSTOP) is detected as stale; the client reconnects when it resumes")
    func staleConnection() async throws {
        let configure: (inout NATSOptions) -> Void = {
            $0.pingInterval = .milliseconds(200)
            $0.maxPingsOut = 2
        }
        try await Live.withClient(configure: configure) { client, server in
            let events = client.events()
            let subscription = try await client.subscribe(to: "alive")
            server.pause()
            try await waitFor("disconnect of the frozen server", in: events) {
                if case .disconnected = $0 { return true } else { return false }
            }
            server.resume()
            try await waitFor("reconnect after resume", in: events) {
                if case .reconnected = $0 { return true } else { return false }
            }
            try client.publish("back", to: "alive")
            #expect(try await take(1, from: subscription).first?.string == "back")
        }
    }

    @Test("while disconnected, publishes fill a bounded buffer; past it a clear .bufferFull error")
    func reconnectBufferLimit() async throws {
        let configure: (inout NATSOptions) -> Void = { $0.reconnectBufferSize = 4096 }
        try await Live.withClient(configure: configure) { client, server in
            let events = client.events()
            server.kill9()
            try await waitFor("disconnected", in: events) {
                if case .disconnected = $0 { return true } else { return false }
            }
            let chunk = [UInt8](repeating: 1, count: 1000)
            var accepted = 0
            var failure: NATSError?
            for _ in 0..<10 {
                do {
                    try client.publish(chunk, to: "buffered")
                    accepted += 1
                } catch let error as NATSError {
                    failure = error
                    break
                }
            }
            #expect(accepted == 4)
            #expect(failure?.code == .bufferFull)
            #expect(failure?.message.contains("4096") == true)
        }
    }

    @Test("close ends subscriptions and events; calls after close fail with .connectionClosed")
    func closeEndsEverything() async throws {
        try await Live.withServer { server in
            let client = try await NATSClient.connect(url: server.url)
            let subscription = try await client.subscribe(to: "x")
            let events = client.events()
            await client.close()
            #expect(await subscription.next() == nil)
            var seen: [ConnectionEvent] = []
            for await event in events { seen.append(event) }
            #expect(seen.last == .closed(reason: nil))
            let error = #expect(throws: NATSError.self) { try client.publish("x", to: "x") }
            #expect(error?.code == .connectionClosed)
        }
    }
}
