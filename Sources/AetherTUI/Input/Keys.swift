/// A key press (or mouse event) as the dashboard sees it, whatever the terminal.
public enum Key: Sendable, Hashable {
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace, delete
    case controlC
    /// Line editing as in a shell: `Ctrl-U` clears the line, `Ctrl-W` deletes the word before
    /// the cursor.
    case clearLine, deleteWord
    /// A mouse click at a cell.
    case click(x: Int, y: Int)
    case scrollUp, scrollDown

    public var label: String {
        switch self {
        case .character(" "): "space"
        case .character(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .controlC: "C-c"
        case .clearLine: "C-u"
        case .deleteWord: "C-w"
        case .click: "click"
        case .scrollUp: "wheel↑"
        case .scrollDown: "wheel↓"
        }
    }
}

/// What a key does, independent of which key it is.
public enum Command: String, Sendable, Hashable, CaseIterable {
    case quit, help, nextView, previousView
    case viewStreams, viewActors, viewCluster, viewBus
    case up, down, left, right, pageUp, pageDown, top, bottom
    case open, back, filter, pause
    case append, snapshot, drill, kill
    case nextNamespace, previousNamespace, jumpToVersion
    case export, commandLine, messages, trace

    /// The help text for this command.
    public var summary: String {
        switch self {
        case .quit: "quit"
        case .help: "this help"
        case .nextView: "next view"
        case .previousView: "previous view"
        case .viewStreams: "Streams view"
        case .viewActors: "Actors view"
        case .viewCluster: "Cluster view"
        case .viewBus: "Bus view"
        case .up: "move up"
        case .down: "move down"
        case .left: "left pane / older"
        case .right: "right pane / newer"
        case .pageUp: "page up"
        case .pageDown: "page down"
        case .top: "first"
        case .bottom: "last"
        case .open: "open (an actor, an event whole)"
        case .back: "back / close"
        case .filter: "filter"
        case .pause: "pause / resume the tail"
        case .append: "append an event"
        case .snapshot: "snapshot the actor"
        case .drill: "leader failover drill"
        case .kill: "kill a member (embedded demo)"
        case .nextNamespace: "next namespace"
        case .previousNamespace: "previous namespace"
        case .jumpToVersion: "jump to version"
        case .export: "export what is shown (JSON Lines)"
        case .commandLine: "command line (Tab completes)"
        case .messages: "message log (the last 100)"
        case .trace: "trace the event's request"
        }
    }
}

/// The key bindings; the help overlay is generated from this table.
public struct KeyMap: Sendable {
    public struct Binding: Sendable, Hashable {
        public var keys: [Key]
        public var command: Command
    }

    public var bindings: [Binding]

    public static let standard = KeyMap(bindings: [
        .init(keys: [.character("q"), .controlC], command: .quit),
        .init(keys: [.character("?")], command: .help),
        .init(keys: [.tab], command: .nextView),
        .init(keys: [.backTab], command: .previousView),
        .init(keys: [.character("1")], command: .viewStreams),
        .init(keys: [.character("2")], command: .viewActors),
        .init(keys: [.character("3")], command: .viewCluster),
        .init(keys: [.character("4")], command: .viewBus),
        .init(keys: [.up, .character("k"), .scrollUp], command: .up),
        .init(keys: [.down, .character("j"), .scrollDown], command: .down),
        .init(keys: [.left, .character("h")], command: .left),
        .init(keys: [.right, .character("l")], command: .right),
        .init(keys: [.pageUp], command: .pageUp),
        .init(keys: [.pageDown], command: .pageDown),
        .init(keys: [.home, .character("g")], command: .top),
        .init(keys: [.end, .character("G")], command: .bottom),
        .init(keys: [.enter], command: .open),
        .init(keys: [.escape], command: .back),
        .init(keys: [.character("/")], command: .filter),
        .init(keys: [.character(" ")], command: .pause),
        .init(keys: [.character("a")], command: .append),
        .init(keys: [.character("s")], command: .snapshot),
        .init(keys: [.character("f")], command: .drill),
        .init(keys: [.character("K")], command: .kill),
        .init(keys: [.character("]")], command: .nextNamespace),
        .init(keys: [.character("[")], command: .previousNamespace),
        .init(keys: [.character("v")], command: .jumpToVersion),
        .init(keys: [.character("e")], command: .export),
        .init(keys: [.character(":")], command: .commandLine),
        .init(keys: [.character("m")], command: .messages),
        .init(keys: [.character("t")], command: .trace),
    ])

    public func command(for key: Key) -> Command? {
        bindings.first { $0.keys.contains(key) }?.command
    }

    /// Help lines: keys, then what they do.
    public var helpLines: [(keys: String, summary: String)] {
        bindings.map(Self.line) + Self.fixedLines
    }

    /// Line editing is the same in every text field, and not a command to bind.
    static let editingLine = (keys: "C-u C-w", summary: "in text fields: clear, delete a word")
    /// The trace view's own keys (not commands to bind either).
    static let traceLine = (keys: "S r", summary: "trace view: scan, look up again")
    static let fixedLines = [editingLine, traceLine]

    /// The help's lines in `view`: the keys of that view first, then the ones that work in
    /// every view, each group in the key map's order.
    public func helpLines(for view: ViewID) -> [(keys: String, summary: String)] {
        let own = bindings.filter { $0.command.views.contains(view) }
        let rest = bindings.filter { !$0.command.views.contains(view) }
        return (own + rest).map(Self.line) + Self.fixedLines
    }

    private static func line(_ binding: Binding) -> (keys: String, summary: String) {
        (binding.keys.map(\.label).joined(separator: " "), binding.command.summary)
    }

    /// The README's key table: every binding, its keys, what it does and the views it is for.
    public var markdownTable: String {
        var rows = ["| keys | does | for |", "| --- | --- | --- |"]
        for binding in bindings {
            let keys = binding.keys.map { "`\($0.label)`" }.joined(separator: " ")
            let views =
                binding.command.views.isEmpty
                ? "every view"
                : ViewID.allCases.filter(binding.command.views.contains).map(\.title).joined(separator: ", ")
            rows.append("| \(keys) | \(binding.command.summary) | \(views) |")
        }
        return rows.joined(separator: "\n")
    }
}

extension Command {
    /// The views a command is for: in their help its keys come first. Empty for the keys meant
    /// for every view (quitting, help, switching views, moving, the drill).
    public var views: Set<ViewID> {
        switch self {
        case .quit, .help, .nextView, .previousView, .viewStreams, .viewActors, .viewCluster, .viewBus:
            []
        case .commandLine, .messages: []
        case .export, .trace: [.streams, .actors]
        case .up, .down, .pageUp, .pageDown, .top, .bottom, .drill: []
        case .left, .right, .back, .snapshot, .nextNamespace, .previousNamespace, .jumpToVersion: [.actors]
        case .open, .filter, .append: [.streams, .actors]
        case .pause: [.streams]
        case .kill: [.cluster]
        }
    }
}

extension Key {
    /// A key named in a config file: one character (`a`, `A`, `:`), or a name (`Enter`, `Esc`,
    /// `Tab`, `S-Tab`, `Up`, `Down`, `Left`, `Right`, `PgUp`, `PgDn`, `Home`, `End`, `Bksp`,
    /// `Del`, `C-c`, `space`), any case; the help's labels (`↑`, `wheel↓`) are accepted too.
    public init?(name: String) {
        if name.count == 1, let character = name.first {
            switch character {
            case "↑": self = .up
            case "↓": self = .down
            case "←": self = .left
            case "→": self = .right
            default: self = .character(character)
            }
            return
        }
        let named: [String: Key] = [
            "up": .up, "down": .down, "left": .left, "right": .right,
            "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown,
            "home": .home, "end": .end, "tab": .tab, "s-tab": .backTab, "shift-tab": .backTab,
            "backtab": .backTab, "enter": .enter, "return": .enter, "esc": .escape, "escape": .escape,
            "bksp": .backspace, "backspace": .backspace, "del": .delete, "delete": .delete,
            "c-c": .controlC, "ctrl-c": .controlC, "c-u": .clearLine, "ctrl-u": .clearLine,
            "c-w": .deleteWord, "ctrl-w": .deleteWord, "space": .character(" "),
            "wheel↑": .scrollUp, "wheel↓": .scrollDown,
        ]
        guard let key = named[name.lowercased()] else { return nil }
        self = key
    }
}

extension KeyMap {
    /// A key bound to two commands.
    public struct Conflict: Sendable, Equatable {
        public var key: Key
        public var commands: [Command]
    }

    /// This map with `command`'s keys replaced by `keys`.
    public func remapping(_ command: Command, to keys: [Key]) -> KeyMap {
        var copy = self
        if let index = copy.bindings.firstIndex(where: { $0.command == command }) {
            copy.bindings[index].keys = keys
        } else {
            copy.bindings.append(Binding(keys: keys, command: command))
        }
        return copy
    }

    /// Keys bound to more than one command, in the map's order.
    public var conflicts: [Conflict] {
        var owners: [Key: [Command]] = [:]
        var order: [Key] = []
        for binding in bindings {
            for key in binding.keys {
                if owners[key] == nil { order.append(key) }
                if owners[key]?.contains(binding.command) != true { owners[key, default: []].append(binding.command) }
            }
        }
        return order.compactMap { key in
            owners[key]!.count > 1 ? Conflict(key: key, commands: owners[key]!) : nil
        }
    }

    /// The first key bound to `command`, as the help writes it (for hints: a remapped key shows).
    public func label(of command: Command) -> String? {
        bindings.first { $0.command == command }?.keys.first?.label
    }
}

extension Key {
    /// What an editing key makes of a line of text (typing, `Bksp`, `Ctrl-U`, `Ctrl-W`); nil
    /// for any other key.
    public func edit(_ text: String) -> String? {
        switch self {
        case .character(let character): return text + String(character)
        case .backspace, .delete: return String(text.dropLast())
        case .clearLine: return ""
        case .deleteWord:
            // As a shell does: the spaces before the cursor, then the word before them.
            var rest = Substring(text)
            while rest.last?.isWhitespace == true { rest.removeLast() }
            while let last = rest.last, !last.isWhitespace { rest.removeLast() }
            return String(rest)
        default: return nil
        }
    }
}
