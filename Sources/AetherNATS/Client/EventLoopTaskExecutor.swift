import NIOCore

/// A `TaskExecutor` that runs jobs on one NIO event loop, in the order they are enqueued.
///
/// A task with this executor as its preference runs its nonisolated async code on the loop's
/// thread. Work on the loop must not block: it delays every connection the loop serves. The
/// loop must outlive every task that prefers it: a job enqueued after its group has shut down
/// is dropped by NIO, and that task never resumes.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
