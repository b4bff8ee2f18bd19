import Aether

/// One difference between two states, by path (`items[2].sku`, `total`).
public struct FieldChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case added, removed, changed
    }

    public var path: String
    public var kind: Kind
    public var before: JSONValue?
    public var after: JSONValue?
}

/// Structural differences between JSON objects.
public enum StateDiff {
    /// Every leaf that was added, removed or changed from `before` to `after`, sorted by path.
    public static func changes(from before: JSONObject, to after: JSONObject) -> [FieldChange] {
        var changes: [FieldChange] = []
        diff(.object(before), .object(after), path: "", into: &changes)
        return changes.sorted { $0.path < $1.path }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private static func diff(_ before: JSONValue?, _ after: JSONValue?, path: String, into changes: inout [FieldChange])
    {
        switch (before, after) {
        case (.object(let a)?, .object(let b)?):
            for key in Set(a.keys).union(b.keys) { diff(a[key], b[key], path: join(path, key), into: &changes) }
        case (.array(let a)?, .array(let b)?):
            for index in 0..<max(a.count, b.count) {
                diff(
                    index < a.count ? a[index] : nil,
                    index < b.count ? b[index] : nil,
                    path: "\(path)[\(index)]",
                    into: &changes
                )
            }
        case (nil, let added?):
            changes.append(FieldChange(path: path, kind: .added, before: nil, after: added))
        case (let removed?, nil):
            changes.append(FieldChange(path: path, kind: .removed, before: removed, after: nil))
        case (let a?, let b?) where a != b:
            changes.append(FieldChange(path: path, kind: .changed, before: a, after: b))
        default:
            break
        }
    }

    /// The value at a path made by ``changes(from:to:)``, or nil.
    public static func value(at path: String, in state: JSONObject) -> JSONValue? {
        var current: JSONValue? = .object(state)
        for part in split(path) {
            switch part {
            case .key(let key): current = current?.objectValue?[key]
            case .index(let index):
                guard let array = current?.arrayValue, index < array.count else { return nil }
                current = array[index]
            }
        }
        return current
    }

    /// Every leaf path of a state with its value, in display order.
    public static func leaves(of state: JSONObject) -> [(path: String, value: JSONValue)] {
        var result: [(String, JSONValue)] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let object) where !object.isEmpty:
                for key in object.keys.sorted() { walk(object[key]!, join(path, key)) }
            case .array(let array) where !array.isEmpty:
                for (index, element) in array.enumerated() { walk(element, "\(path)[\(index)]") }
            default:
                result.append((path, value))
            }
        }
        walk(.object(state), "")
        return result.filter { !$0.0.isEmpty }
    }

    enum Part {
        case key(String)
        case index(Int)
    }

    static func split(_ path: String) -> [Part] {
        var parts: [Part] = []
        var current = ""
        var inIndex = false
        for character in path {
            switch character {
            case "." where !inIndex:
                if !current.isEmpty { parts.append(.key(current)) }
                current = ""
            case "[" where !inIndex:
                if !current.isEmpty { parts.append(.key(current)) }
                current = ""
                inIndex = true
            case "]" where inIndex:
                parts.append(.index(Int(current) ?? 0))
                current = ""
                inIndex = false
            default:
                current.append(character)
            }
        }
        if !current.isEmpty { parts.append(.key(current)) }
        return parts
    }
}
