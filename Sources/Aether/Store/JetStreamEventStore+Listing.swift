import AetherNATS
import Synchronization

/// The parts of a stream's sorted subject index (`STREAM.INFO` with a subject filter, sorted by
/// the server, a fixed number of subjects per reply) read so far, so paging through a large
/// namespace costs one such read per part, not one per page.
struct SubjectIndexCache {
    struct Part {
        /// Where the part starts in the sorted index.
        var start: Int
        /// Tokens (the subject's last token) and their record counts, sorted.
        var rows: [(token: String, records: UInt64)]
        var total: Int
        var readAt: ContinuousClock.Instant
        /// The stream's messages and last sequence when the part was read: while they are the
        /// same, nothing was written or removed since, and the part is still exact.
        var stream: (messages: UInt64, lastSequence: UInt64)?
    }

    /// How long a part is used before it is read again (a first page reads afresh unless the
    /// stream is unchanged since).
    static let maxAge: Duration = .seconds(300)
    /// Parts kept at most (100,000 subjects each on nats-server 2.15).
    static let maxParts = 3

    /// Subjects per part, as the server reported it (nil until the first read).
    var partSize: Int?
    var parts: [Int: Part] = [:]

    func part(_ index: Int, now: ContinuousClock.Instant) -> Part? {
        guard let part = parts[index], part.readAt.duration(to: now) < Self.maxAge else { return nil }
        return part
    }

    mutating func keep(_ index: Int, _ part: Part) {
        parts[index] = part
        while parts.count > Self.maxParts, let oldest = parts.min(by: { $0.value.readAt < $1.value.readAt }) {
            parts[oldest.key] = nil
        }
    }
}

extension JetStreamEventStore {
    /// A namespace with at most this many subjects has its figures counted subject by subject
    /// (two index reads); a larger one gives the stream's state only.
    public static let countedFiguresLimit = 10_000

    public func actors() async throws -> [ActorVersion] {
        try await actorListing().actors
    }

    /// Every page, in order (see `actorPage`).
    public func actorListing() async throws -> ActorListing {
        var listing = ActorListing(actors: [])
        var cursor: ActorCursor?
        repeat {
            let page = try await actorPage(after: cursor, limit: JetStream.maxMultiLastSubjects, matching: nil)
            listing.actors += page.actors
            listing.undecodable += page.undecodable
            cursor = page.next
        } while cursor != nil
        listing.actors.sort { $0.actorID < $1.actorID }
        listing.undecodable.sort { $0.token < $1.token }
        return listing
    }

    public func actorPage(after cursor: ActorCursor?, limit: Int, matching: String?) async throws -> ActorPage {
        let limit = min(max(1, limit), JetStream.maxMultiLastSubjects)
        do {
            return try await readActorPage(after: cursor, limit: limit, matching: matching)
        } catch let error as NATSError {
            throw AetherError(error, context: "listing actors of \(namespace)")
        }
    }

    private var eventPrefix: String { "aether.store.\(streamName).e." }

    /// The part of the sorted subject index holding `position`, read when not kept (or when
    /// `fresh`).
    private func indexPart(holding position: Int, fresh: Bool = false) async throws -> SubjectIndexCache.Part {
        let now = ContinuousClock.now
        let known = subjectIndex.withLock { cache -> SubjectIndexCache.Part? in
            guard let size = cache.partSize else { return nil }
            return cache.part(position / size, now: now)
        }
        if let known {
            guard fresh else { return known }
            // Afresh, unless the stream is as it was when the part was read: one cheap
            // STREAM.INFO instead of reading the sorted index again (about a second at 1,000,000
            // subjects, most of it the server's).
            if let then = known.stream, let state = try? await js.streamInfo(streamName).state,
                state.messages == then.messages, state.lastSequence == then.lastSequence
            {
                return known
            }
        }
        let size = subjectIndex.withLock { $0.partSize }
        let start = size.map { position / $0 * $0 } ?? 0
        let page = try await js.streamSubjectsPage(streamName, filter: eventPrefix + ">", offset: start)
        let prefixCount = eventPrefix.count
        let part = SubjectIndexCache.Part(
            start: start,
            rows: page.subjects.map { (String($0.subject.dropFirst(prefixCount)), $0.messages) },
            total: page.total,
            readAt: .now,
            stream: page.stream
        )
        let partSize = max(1, page.limit)
        subjectIndex.withLock { cache in
            if cache.partSize != partSize { cache.parts = [:] }
            cache.partSize = partSize
            cache.keep(start / partSize, part)
        }
        // A first read at offset 0 tells the part size; a later position may lie in another part.
        if size == nil, position >= start + part.rows.count, position < part.total {
            return try await indexPart(holding: position)
        }
        return part
    }

    /// Forgets the subject index read so far: the next listing reads it again.
    public func forgetListing() {
        subjectIndex.withLock { $0.parts = [:] }
    }

    private func readActorPage(after cursor: ActorCursor?, limit: Int, matching: String?) async throws -> ActorPage {
        // Where to start: the first row after the cursor's token, found in the part its position
        // hint points to, or a neighbouring one when rows came or went since.
        // A listing from the start reads the index afresh; its later pages use what it read
        // (for up to `SubjectIndexCache.maxAge`), so paging a large namespace costs one index read
        // per part.
        var position = cursor?.position ?? 0
        var part = try await indexPart(holding: position, fresh: cursor == nil)
        if let cursor {
            for _ in 0..<4 {
                let index = part.rows.partitionPoint { $0.token <= cursor.token }
                if index == 0, part.start > 0, let first = part.rows.first, first.token > cursor.token {
                    part = try await indexPart(holding: part.start - 1)
                    continue
                }
                position = part.start + index
                if index == part.rows.count, position < part.total {
                    part = try await indexPart(holding: position)
                    continue
                }
                break
            }
        }
        let total = part.total
        // A search examines at most two parts per call, so each call stays bounded.
        let examineLimit = matching == nil ? Int.max : 2 * (subjectIndex.withLock { $0.partSize } ?? 100_000)
        var examined = 0
        // Each row kept with its decoded actor ID (nil: it names no actor), decoded once.
        var rows: [(token: String, records: UInt64, id: String?)] = []
        var lastToken = cursor?.token
        while position < total, rows.count < limit, examined < examineLimit {
            if position < part.start || position >= part.start + part.rows.count {
                part = try await indexPart(holding: position)
                guard position >= part.start, position < part.start + part.rows.count else { break }
            }
            let row = part.rows[position - part.start]
            position += 1
            examined += 1
            lastToken = row.token
            let decoded = ActorToken.decode(row.token)
            if ActorListingMatch.matches(matching, id: decoded, token: row.token) {
                let valid = decoded.flatMap { (try? Identifiers.validateActorID($0)) != nil ? $0 : nil }
                rows.append((row.token, row.records, valid))
            }
        }
        var page = ActorPage(actors: [], total: total, examined: min(position, total), next: nil)
        if position < total, let lastToken { page.next = ActorCursor(token: lastToken, position: position) }

        let subjects = rows.compactMap { $0.id == nil ? nil : eventPrefix + $0.token }
        let lasts = try await js.directGetLast(stream: streamName, subjects: subjects)
        for row in rows {
            let subject = eventPrefix + row.token
            guard let id = row.id else {
                page.undecodable.append(
                    UndecodableSubject(
                        token: row.token,
                        subject: subject,
                        records: row.records,
                        reason: UndecodableSubject.reason(forToken: row.token)
                    )
                )
                continue
            }
            // A subject purged since the index was read has no last message: it is no actor now.
            guard let message = lasts[subject] else { continue }
            page.actors.append(ActorVersion(actorID: id, version: try await resolveVersion(of: message, actorID: id)))
        }
        return page
    }

    /// From the stream's state (one request); the figures are counted subject by subject only
    /// for a namespace of at most ``countedFiguresLimit`` subjects.
    public func figures() async throws -> StoreFigures {
        do {
            let info = try await js.streamInfo(streamName)
            return try await figures(of: info)
        } catch let error as NATSError {
            throw AetherError(error, context: "reading the figures of stream \(streamName)")
        }
    }

    /// The figures of this store's stream, given its info (from `STREAM.INFO` or `STREAM.LIST`).
    /// - Parameter count: false to give the state only, whatever the size.
    public func figures(of info: StreamInfo, count: Bool = true) async throws -> StoreFigures {
        var figures = StoreFigures(
            namespace: namespace,
            actors: 0,
            events: 0,
            bytes: Int(info.state.bytes),
            stream: streamName
        )
        figures.records = Int(info.state.messages)
        figures.subjects = info.state.subjectCount
        guard count, (info.state.subjectCount ?? 0) <= Self.countedFiguresLimit else {
            figures.counted = false
            return figures
        }
        let base = "aether.store.\(streamName)."
        do {
            let eventSubjects = try await js.streamSubjects(streamName, filter: base + "e.>")
            let snapshotSubjects = try await js.streamSubjects(streamName, filter: base + "s.>")
            figures.snapshots = Int(snapshotSubjects.values.reduce(0, +))
            let indexSubjects = try await js.streamSubjects(streamName, filter: base + "c.>")
            figures.indexRecords = Int(indexSubjects.values.reduce(0, +))
            for (subject, count) in eventSubjects {
                if let actorID = ActorToken.decode(String(subject.dropFirst(base.count + 2))),
                    (try? Identifiers.validateActorID(actorID)) != nil
                {
                    figures.actors += 1
                    figures.events += Int(count)
                } else {
                    figures.undecodableSubjects += 1
                    figures.undecodableRecords += Int(count)
                }
            }
        } catch let error as NATSError {
            throw AetherError(error, context: "counting the subjects of stream \(streamName)")
        }
        // Records on subjects outside the event and snapshot layout (another writer's).
        let counted = figures.events + figures.undecodableRecords + figures.snapshots + figures.indexRecords
        figures.otherRecords = max(0, figures.records - counted)
        return figures
    }
}
