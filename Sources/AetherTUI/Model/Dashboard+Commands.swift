import Aether
import Foundation

/// The `:` command line (as k9s's): a word, then its argument; Tab completes, Enter runs, a
/// refused line stays as typed with its error under it.
extension Dashboard {
    /// The commands, with the argument each takes and what it does (the help and completion
    /// read this table).
    public static let lineCommands: [(name: String, argument: String, summary: String)] = [
        ("ns", "NAMESPACE", "list a namespace's actors"),
        ("actor", "NAMESPACE/ID", "open an actor"),
        ("v", "VERSION", "jump to a version of the opened actor"),
        ("streams", "", "Streams view"),
        ("actors", "", "Actors view"),
        ("cluster", "", "Cluster view"),
        ("bus", "", "Bus view"),
        ("filter", "ns=… type=… actor=… text=…", "filter the live tail (re:… regex, !… not)"),
        ("export", "FILE", "export what the view shows to FILE"),
        ("trace", "CORRELATION-ID", "every event of a request, across namespaces"),
        ("messages", "", "the message log"),
        ("help", "", "the keys"),
        ("q", "", "quit"),
    ]

    mutating func handleInCommandLine(_ key: Key) -> [Effect] {
        guard case .command(var line) = overlay else { return [] }
        switch key {
        case .escape, .controlC:
            overlay = nil
            return []
        case .enter:
            // A command that runs replaces what the line was opened over.
            let under = beneath
            beneath = nil
            let (effects, error) = run(line.text)
            if let error {
                beneath = under
                line.error = error
                overlay = .command(line)
            } else if case .command = overlay {
                overlay = nil
            }
            return effects
        case .tab:
            let options = completions(of: line.text)
            line.completions = options
            if options.count == 1 {
                line.text = options[0]
            } else if let common = Self.commonPrefix(options), common.count > line.text.count {
                line.text = common
            }
            line.error = nil
            overlay = .command(line)
            return []
        case .backspace where line.text.isEmpty, .delete where line.text.isEmpty:
            overlay = nil
            return []
        default:
            guard let text = key.edit(line.text) else { return [] }
            line.text = text
        }
        line.error = nil
        line.completions = []
        overlay = .command(line)
        return []
    }

    /// Whole lines Tab could make of `text`: a command's name, or a command with its argument
    /// completed from what the dashboard knows (namespaces, listed actors, views).
    public func completions(of text: String) -> [String] {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 {
            return Self.lineCommands.filter { $0.name.hasPrefix(parts[0]) }.map { command in
                command.argument.isEmpty ? command.name : command.name + " "
            }
        }
        let argument = parts[1]
        switch parts[0] {
        case "ns":
            return namespaces.filter { $0.hasPrefix(argument) }.map { "ns \($0)" }
        case "actor":
            guard let slash = argument.firstIndex(of: "/") else {
                return namespaces.filter { $0.hasPrefix(argument) }.map { "actor \($0)/" }
            }
            let namespace = String(argument[..<slash])
            let prefix = String(argument[argument.index(after: slash)...])
            guard namespace == actorNamespace else { return [] }
            return actors.map(\.actorID).filter { $0.hasPrefix(prefix) }.prefix(50).map { "actor \(namespace)/\($0)" }
        case "filter":
            let words = argument.split(separator: " ", omittingEmptySubsequences: false)
            let last = String(words.last ?? "")
            let head = words.dropLast().joined(separator: " ")
            return ["ns=", "type=", "actor=", "text="].filter { $0.hasPrefix(last) && last != $0 }.map {
                "filter " + (head.isEmpty ? "" : head + " ") + $0
            }
        default:
            return []
        }
    }

    static func commonPrefix(_ options: [String]) -> String? {
        guard var prefix = options.first else { return nil }
        for option in options.dropFirst() {
            while !option.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    /// Runs a command line; an error keeps the line open.
    mutating func run(_ text: String) -> (effects: [Effect], error: String?) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        guard let name = parts.first else { return ([], nil) }
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        func needs(_ what: String) -> (effects: [Effect], error: String?) {
            ([], ":\(name) needs \(what)")
        }
        switch name {
        case "q", "quit":
            return ([.quit], nil)
        case "help":
            helpOffset = 0
            overlay = .help
        case "messages":
            openMessages()
        case "streams", "actors", "cluster", "bus":
            overlay = nil
            return (switchView(to: ViewID(name: name)!), nil)
        case "ns":
            guard !argument.isEmpty else { return needs("a namespace: :ns NAME") }
            do { try Identifiers.validateNamespace(argument) } catch { return ([], error.message) }
            guard namespaces.contains(argument) else {
                return (
                    [],
                    "no namespace \(Identifiers.quoted(argument)) (known: \(namespaces.prefix(5).joined(separator: ", ")))"
                )
            }
            overlay = nil
            actorNamespace = argument
            actors = []
            undecodableSubjects = []
            actorSelection = 0
            actorNext = nil
            detail = nil
            view = .actors
            return (listActors(argument), nil)
        case "actor":
            guard let slash = argument.firstIndex(of: "/") else {
                return needs("a namespace and an actor: :actor NAMESPACE/ID")
            }
            let namespace = String(argument[..<slash])
            let actorID = String(argument[argument.index(after: slash)...])
            do {
                try Identifiers.validateNamespace(namespace)
                try Identifiers.validateActorID(actorID)
            } catch {
                return ([], error.message)
            }
            overlay = nil
            view = .actors
            var effects: [Effect] = []
            if actorNamespace != namespace {
                actorNamespace = namespace
                actors = []
                actorSelection = 0
                effects = listActors(namespace)
            }
            return ([.openExact(namespace: namespace, actorID: actorID)] + effects, nil)
        case "v":
            guard detail != nil else { return ([], ":v needs an opened actor (open one with :actor NS/ID)") }
            guard let version = Int64(argument), version > 0 else {
                return needs("a version, a whole number above 0: :v 12")
            }
            overlay = nil
            var form = Form(title: "", purpose: .jumpToVersion, fields: [.init(label: "version", text: "\(version)")])
            form.focus = 0
            return (submit(form), nil)
        case "filter":
            var next = TailFilter()
            for word in argument.split(separator: " ") {
                guard let equals = word.firstIndex(of: "=") else {
                    return (
                        [], "filter term \(Identifiers.quoted(String(word))) has no =: use ns=, type=, actor= or text="
                    )
                }
                let value = String(word[word.index(after: equals)...])
                switch word[..<equals] {
                case "ns", "namespace": next.namespace = value
                case "type": next.eventType = value
                case "actor": next.actor = value
                case "text": next.text = value
                default:
                    return (
                        [],
                        "unknown filter \(Identifiers.quoted(String(word[..<equals]))): use ns=, type=, actor= or text="
                    )
                }
            }
            if let error = next.error { return ([], error) }
            overlay = nil
            filter = next
            tailCursor = 0
            view = .streams
        case "trace":
            if argument.isEmpty { return (openTrace(), nil) }
            overlay = .trace(TraceView(correlationID: argument, origin: nil))
            return ([.trace(correlationID: argument)], nil)
        case "export":
            guard !argument.isEmpty else { return needs("a file: :export FILE") }
            overlay = nil
            return (exportHere(to: argument), nil)
        default:
            let known = Self.lineCommands.map(\.name)
            let near = known.filter { $0.hasPrefix(String(name.prefix(1))) }
            return (
                [],
                "unknown command :\(name)" + (near.isEmpty ? "" : " (did you mean :\(near.joined(separator: ", :"))?)")
            )
        }
        return ([], nil)
    }
}
