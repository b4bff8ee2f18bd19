/// What a terminal reports.
public enum TerminalInput: Sendable, Hashable {
    case key(Key)
    case resize(width: Int, height: Int)
    /// Text the terminal delivered as one paste (bracketed paste): never read as keys, so a
    /// pasted `y` confirms nothing and a pasted newline submits nothing. Line ends are `\n`.
    case paste(String)
}

/// A terminal the dashboard draws on and reads keys from.
///
/// Backends are used from one thread only (the terminal thread); nothing crosses threads but
/// inputs and finished canvases.
public protocol TerminalBackend {
    /// Takes over the terminal; returns its size.
    mutating func start() throws -> (width: Int, height: Int)
    /// The next input, waiting up to `timeoutMilliseconds`; nil when none came.
    mutating func poll(timeoutMilliseconds: Int32) -> TerminalInput?
    /// Shows a frame.
    mutating func present(_ canvas: Canvas)
    /// Gives the terminal back as it was. Safe to call more than once.
    mutating func stop()
}

/// A terminal with no screen: scripted inputs, recorded frames. For tests and `--once`.
public struct HeadlessTerminal: TerminalBackend {
    public var width: Int
    public var height: Int
    public var script: [TerminalInput]
    public private(set) var frames: [Canvas] = []
    public private(set) var stopped = false

    public init(width: Int = 80, height: Int = 24, script: [TerminalInput] = []) {
        self.width = width
        self.height = height
        self.script = script
    }

    public mutating func start() throws -> (width: Int, height: Int) { (width, height) }

    public mutating func poll(timeoutMilliseconds: Int32) -> TerminalInput? {
        guard !script.isEmpty else { return nil }
        let next = script.removeFirst()
        if case .resize(let w, let h) = next {
            width = w
            height = h
        }
        return next
    }

    public mutating func present(_ canvas: Canvas) { frames.append(canvas) }

    public mutating func stop() { stopped = true }

    public var lastFrame: String? { frames.last?.text }
}
