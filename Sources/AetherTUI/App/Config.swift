import Aether
import AetherNATS
import Foundation
import Yams

/// aether-top's config file (YAML, read with Yams): key remaps, the start view, refresh
/// intervals, and settings per context. Every error names the file and the line; a file with
/// one is refused whole, so the dashboard never starts half-configured.
///
/// ```yaml
/// view: actors
/// refresh: { cluster: 250ms, figures: 2s }
/// keys:
///   append: [A, "+"]
/// contexts:
///   prod-eu:                  # a nats CLI context name, or a server URL
///     production: true
///     label: PROD EU
///     color: red
///   "nats://localhost:4222":
///     read-only: true
/// ```
public struct AetherTopConfig: Sendable {
    /// Settings for one context.
    public struct Context: Sendable, Equatable {
        public var readOnly = false
        public var production = false
        public var label: String?
        public var color: Color?
        /// The line the context starts on.
        public var line = 0
    }

    public var path: String
    /// Whether the file exists (without one, the defaults).
    public var exists = false
    public var keyMap = KeyMap.standard
    /// The commands the file remapped.
    public var remapped: [Command] = []
    public var view: ViewID?
    public var refresh = DashboardSettings.Refresh()
    /// By context name or server URL, in the file's order.
    public var contexts: [(key: String, context: Context)] = []

    /// The config file's place: `$XDG_CONFIG_HOME/aether-top/config.yaml`, by default
    /// `~/.config/aether-top/config.yaml`.
    public static func defaultPath(environment: [String: String], home: String) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        return base + "/aether-top/config.yaml"
    }

    /// A config file's error: the file, the line (0 when it is about the whole file) and what is
    /// wrong.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var line: Int
        public var message: String

        public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
    }

    /// Reads the file at `path`; a missing file is the defaults.
    /// - Throws: ``Failure`` for a file that cannot be read or used.
    public static func load(path: String) throws(Failure) -> AetherTopConfig {
        var config = AetherTopConfig(path: path)
        guard FileManager.default.fileExists(atPath: path) else { return config }
        config.exists = true
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(path: path, line: 0, message: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(path: path, line: 0, message: "is not UTF-8 text")
        }
        try config.parse(text)
        return config
    }

    /// Parses YAML text into this config (path names the file in errors).
    mutating func parse(_ text: String) throws(Failure) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntax(error, path: path)
        } catch {
            throw Failure(path: path, line: 0, message: "is not valid YAML: \(error)")
        }
        guard let root else { return }
        guard let top = root.mapping else {
            throw fail(root, "must be a mapping of settings (view, refresh, keys, contexts)")
        }
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "view":
                guard let name = value.string, let chosen = ViewID(name: name) else {
                    throw fail(value, "view must be streams, actors, cluster or bus, not \(Self.shown(value))")
                }
                view = chosen
            case "refresh":
                guard let mapping = value.mapping else {
                    throw fail(value, "refresh must be a mapping: cluster, figures")
                }
                for (nameNode, interval) in mapping {
                    let duration = try self.duration(interval, name: "refresh.\(nameNode.string ?? "")")
                    switch nameNode.string {
                    case "cluster": refresh.cluster = duration
                    case "figures": refresh.figures = duration
                    default:
                        throw fail(
                            nameNode,
                            "unknown refresh interval \(Self.shown(nameNode)) (known: cluster, figures)"
                        )
                    }
                }
            case "keys":
                try parseKeys(value)
            case "contexts":
                guard let mapping = value.mapping else {
                    throw fail(value, "contexts must be a mapping of context names or server URLs to settings")
                }
                for (nameNode, settings) in mapping {
                    contexts.append((nameNode.string ?? "", try parseContext(settings, name: nameNode)))
                }
            default:
                throw fail(keyNode, "unknown setting \(Self.shown(keyNode)) (known: view, refresh, keys, contexts)")
            }
        }
    }

    private mutating func parseKeys(_ value: Node) throws(Failure) {
        guard let mapping = value.mapping else {
            throw fail(value, "keys must be a mapping of actions to a key or a list of keys")
        }
        var lineOf: [Command: Int] = [:]
        for (nameNode, keysNode) in mapping {
            let name = nameNode.string ?? ""
            guard let command = Self.command(named: name) else {
                throw fail(
                    nameNode,
                    "unknown action \(Self.shown(nameNode)) (known: \(Command.allCases.map(Self.configName).joined(separator: ", ")))"
                )
            }
            let names: [Node] = keysNode.sequence.map { Array($0) } ?? [keysNode]
            guard !names.isEmpty else { throw fail(keysNode, "\(name) needs at least one key") }
            var keys: [Key] = []
            for keyNode in names {
                guard let text = keyNode.string, let key = Key(name: text) else {
                    throw fail(
                        keyNode,
                        "\(Self.shown(keyNode)) is not a key: one character, or Enter, Esc, Tab, S-Tab, Up, Down, Left, Right, PgUp, PgDn, Home, End, Bksp, Del, C-c, space"
                    )
                }
                if !keys.contains(key) { keys.append(key) }
            }
            keyMap = keyMap.remapping(command, to: keys)
            remapped.append(command)
            lineOf[command] = nameNode.mark?.line ?? 0
        }
        // A key bound to two actions is refused, naming the line of the remap that made it.
        if let conflict = keyMap.conflicts.first {
            let lines = conflict.commands.compactMap { lineOf[$0] }
            let names = conflict.commands.map { command in
                lineOf[command].map { "\(Self.configName(command)) (line \($0))" }
                    ?? "\(Self.configName(command)) (the default)"
            }
            throw Failure(
                path: path,
                line: lines.max() ?? 0,
                message: "key \(conflict.key.label) is bound to \(names.joined(separator: " and ")): remap one of them"
            )
        }
    }

    private func parseContext(_ value: Node, name: Node) throws(Failure) -> Context {
        guard let mapping = value.mapping else {
            throw fail(value, "context \(Self.shown(name)) must be a mapping: read-only, production, label, color")
        }
        var context = Context(line: name.mark?.line ?? 0)
        for (keyNode, setting) in mapping {
            switch keyNode.string {
            case "read-only":
                guard let flag = setting.bool else { throw fail(setting, "read-only must be true or false") }
                context.readOnly = flag
            case "production":
                guard let flag = setting.bool else { throw fail(setting, "production must be true or false") }
                context.production = flag
            case "label":
                guard let label = setting.string, !label.isEmpty else { throw fail(setting, "label must be text") }
                context.label = label
            case "color", "colour":
                guard let text = setting.string, let color = Color.named(text) else {
                    throw fail(
                        setting,
                        "\(Self.shown(setting)) is not a colour: \(Color.allCases.map(\.name).joined(separator: ", "))"
                    )
                }
                context.color = color
            default:
                throw fail(
                    keyNode,
                    "unknown context setting \(Self.shown(keyNode)) (known: read-only, production, label, color)"
                )
            }
        }
        return context
    }

    private func duration(_ node: Node, name: String) throws(Failure) -> Duration {
        let text = (node.string ?? "").trimmingCharacters(in: .whitespaces)
        let (number, unit): (Substring, Int64) =
            text.hasSuffix("ms") ? (text.dropLast(2), 1) : text.hasSuffix("s") ? (text.dropLast(1), 1000) : ("", 0)
        guard unit > 0, let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw fail(node, "\(name) must be a duration such as 250ms or 2s, not \(Self.shown(node))")
        }
        let milliseconds = Int64((value * Double(unit)).rounded())
        guard (50...60_000).contains(milliseconds) else {
            throw fail(node, "\(name) must be between 50ms and 60s, not \(Self.shown(node))")
        }
        return .milliseconds(milliseconds)
    }

    private func fail(_ node: Node, _ message: String) -> Failure {
        Failure(path: path, line: node.mark?.line ?? 0, message: message)
    }

    private static func syntax(_ error: YamlError, path: String) -> Failure {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            Failure(path: path, line: mark.line, message: "is not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            Failure(
                path: path,
                line: context.mark.line,
                message: "repeats \(duplicates.joined(separator: ", ")) in one mapping"
            )
        default:
            Failure(path: path, line: 0, message: "is not valid YAML: \(error)")
        }
    }

    private static func shown(_ node: Node) -> String {
        Identifiers.quoted(node.string ?? "\(node)")
    }

    /// An action's name in the file: the command's name in kebab case (`jump-to-version`).
    public static func configName(_ command: Command) -> String {
        var name = ""
        for character in command.rawValue {
            if character.isUppercase {
                name += "-" + character.lowercased()
            } else {
                name.append(character)
            }
        }
        return name
    }

    static func command(named name: String) -> Command? {
        Command.allCases.first { configName($0) == name || $0.rawValue == name }
    }

    /// The context that applies: the one named as the nats context, else the first whose key
    /// is one of the server URLs (credentials stripped), else `embedded` for the demo.
    public func context(named contextName: String?, servers: [String]) -> (key: String, context: Context)? {
        if let contextName, let found = contexts.first(where: { $0.key == contextName }) { return found }
        let stripped = servers.map(ConnectionSettings.withoutCredentials)
        if let found = contexts.first(where: { stripped.contains(ConnectionSettings.withoutCredentials($0.key)) }) {
            return found
        }
        if servers.isEmpty, let found = contexts.first(where: { $0.key == "embedded" }) { return found }
        return nil
    }

    /// The effective settings, as `aether-top config` prints them (YAML).
    public func describe(active: (key: String, context: Context)?) -> String {
        var lines = [
            "# \(path) (\(exists ? "read" : "not found: defaults"))",
            "view: \((view ?? .streams).title.lowercased())",
            "refresh:",
            "  cluster: \(Self.milliseconds(refresh.cluster))ms",
            "  figures: \(Self.milliseconds(refresh.figures))ms",
            "keys:",
        ]
        for binding in keyMap.bindings {
            let keys = binding.keys.map { "\"\(Self.yamlEscaped($0.configLabel))\"" }.joined(separator: ", ")
            let note = remapped.contains(binding.command) ? "  # remapped" : ""
            lines.append("  \(Self.configName(binding.command)): [\(keys)]\(note)")
        }
        lines.append(contexts.isEmpty ? "contexts: {}" : "contexts:")
        for (key, context) in contexts {
            // A context keyed by a URL with a password in it: the password is never printed.
            lines.append("  \"\(Self.yamlEscaped(ServerURL.redact(key)))\":\(active?.key == key ? "  # in use" : "")")
            lines.append("    read-only: \(context.readOnly)")
            lines.append("    production: \(context.production)")
            if let label = context.label { lines.append("    label: \"\(Self.yamlEscaped(label))\"") }
            if let color = context.color { lines.append("    color: \(color.name)") }
        }
        lines.append("# context in use: \(active.map { Identifiers.quoted(ServerURL.redact($0.key)) } ?? "none")")
        return lines.joined(separator: "\n")
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private static func yamlEscaped(_ text: String) -> String {
        DisplayText.visible(text).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"",
            with: "\\\""
        )
    }
}

extension Key {
    /// The key's name as the config file takes it (`Up`, not `↑`).
    var configLabel: String {
        switch self {
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        default: label
        }
    }
}

extension Color {
    public var name: String { "\(self)" }

    static func named(_ text: String) -> Color? {
        allCases.first { $0.name == text.lowercased() }
    }
}
