import Foundation
import Histogram

/// Measures one operation: a warm-up, then `iterations` timed calls, each recorded in
/// nanoseconds into an HDR histogram.
struct LatencyResult {
    var name: String
    var histogram: Histogram<UInt64>
    var total: Duration
    var operations: Int
    /// The process's context switches (voluntary and involuntary, every thread: `getrusage`)
    /// during the timed calls, per call: each voluntary one is a thread that blocked and had to
    /// be woken again.
    var contextSwitchesPerOperation: Double = 0

    var line: String {
        let p50 = histogram.valueAtPercentile(50)
        let p99 = histogram.valueAtPercentile(99)
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        let rate = Double(operations) / seconds
        return
            "\(name.padding(48))  p50 \(format(p50))  p99 \(format(p99))  max \(format(histogram.max))  \(formatRate(rate))"
    }
}

/// Times each call of `body` separately.
func measureLatency(
    _ name: String,
    iterations: Int,
    warmup: Int = 1000,
    _ body: (Int) async throws -> Void
) async rethrows -> LatencyResult {
    for index in 0..<warmup { try await body(index) }
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    let clock = ContinuousClock()
    let switchesBefore = processContextSwitches()
    let start = clock.now
    for index in 0..<iterations {
        let before = clock.now
        try await body(warmup + index)
        let elapsed = before.duration(to: clock.now)
        histogram.record(UInt64(max(0, elapsed.nanoseconds)))
    }
    let total = start.duration(to: clock.now)
    let switches = processContextSwitches() - switchesBefore
    return LatencyResult(
        name: name,
        histogram: histogram,
        total: total,
        operations: iterations,
        contextSwitchesPerOperation: Double(switches) / Double(max(1, iterations))
    )
}

/// Context switches of every thread of this process so far, voluntary and involuntary.
func processContextSwitches() -> Int {
    var usage = rusage()
    guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
    return usage.ru_nvcsw + usage.ru_nivcsw
}

/// Operations per second of `operations` operations done by `body` in one go.
func measureRate(operations: Int, _ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let elapsed = start.duration(to: clock.now)
    return Double(operations) / (Double(elapsed.nanoseconds) / 1e9)
}

/// Times `operations` operations done by `body` in one go; reports throughput.
func measureThroughput(_ name: String, operations: Int, _ body: () async throws -> Void) async rethrows -> String {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let elapsed = start.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return
        "\(name.padding(48))  \(operations) ops in \(String(format3(seconds)))s  \(formatRate(Double(operations) / seconds))"
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

func format(_ nanos: UInt64) -> String {
    let text: String
    if nanos < 1_000 {
        text = "\(nanos) ns"
    } else if nanos < 1_000_000 {
        text = "\(format3(Double(nanos) / 1_000)) µs"
    } else {
        text = "\(format3(Double(nanos) / 1_000_000)) ms"
    }
    return text.padding(10)
}

func formatRate(_ perSecond: Double) -> String {
    if perSecond >= 1_000_000 { return "\(format3(perSecond / 1_000_000))M ops/s" }
    if perSecond >= 1_000 { return "\(format3(perSecond / 1_000))k ops/s" }
    return "\(format3(perSecond)) ops/s"
}

func format3(_ value: Double) -> String {
    let scaled = (value * 100).rounded() / 100
    return "\(scaled)"
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
