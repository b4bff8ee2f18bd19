import Aether
import AetherTestSupport
import Foundation
import Testing

@testable import AetherTUI

/// The dashboard shell's timers on a manual clock: frames follow changes, at most one per 50 ms
/// (10 ms after a key), and a frame that is too early says exactly how long to wait.
@Suite("Dashboard shell on a manual clock")
struct DashboardAppClockTests {
    @Test("frame pacing: the first change draws at once; the next waits out the rest of 50 ms; no change, no frame")
    func framePacing() async throws {
        let clock = ManualClock()
        let deployment = try EmbeddedDeployment(clock: clock.nodeClock)
        let app = DashboardApp(deployment: deployment, settings: DashboardSettings(), clock: clock.nodeClock)

        #expect(await app.frameIfDue() == nil)
        #expect(await app.framesBuilt == 1, "the first frame is drawn at once")
        #expect(await app.frameIfDue() == nil)
        #expect(await app.framesBuilt == 1, "nothing changed: no frame")

        await app.send(.tick(.now()))
        #expect(await app.frameIfDue() == .milliseconds(50))
        clock.advance(by: .milliseconds(20))
        #expect(await app.frameIfDue() == .milliseconds(30))
        #expect(await app.framesBuilt == 1)
        clock.advance(by: .milliseconds(30))
        #expect(await app.frameIfDue() == nil)
        #expect(await app.framesBuilt == 2)

        // After a key, 10 ms is enough.
        await app.send(.tick(.now()))
        clock.advance(by: .milliseconds(4))
        await app.frameAfterKey()
        #expect(await app.framesBuilt == 2)
        #expect(await app.frameIfDue(minimumGap: .milliseconds(10)) == .milliseconds(6))
        clock.advance(by: .milliseconds(6))
        await app.frameAfterKey()
        #expect(await app.framesBuilt == 3)
        await deployment.shutdown()
    }

    @Test("the feeds' cadences follow the clock: ticks and cluster views every 250 ms of it, and none while it stands")
    func feedCadence() async throws {
        let clock = ManualClock()
        let deployment = try EmbeddedDeployment(clock: clock.nodeClock)
        let app = DashboardApp(deployment: deployment, settings: DashboardSettings(), clock: clock.nodeClock)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await app.runFeeds() }
            await clock.settle()
            let standing = await app.model.now
            await clock.settle()
            #expect(await app.model.now == standing, "a tick came while the clock stood still")
            for _ in 0..<4 {
                clock.advance(by: .milliseconds(250))
                await clock.settle()
            }
            #expect(await app.model.now != standing)
            group.cancelAll()
        }
        await deployment.shutdown()
    }
}
