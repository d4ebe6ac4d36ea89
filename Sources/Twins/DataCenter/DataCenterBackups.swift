import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// One job of the twin's backup and restore API (`/rest/api/backup-restore`).
struct DCBackupJob: Sendable {
    var id: Int
    var state: String
    var created: Date
    var started: Date?
    var finished: Date?
    var cancelled: Date?
    var cancelledBy: String?
    var owner: String
    var fileName: String?
    var file: URL?
    var error: String?
    var skipAttachments: Bool
    var keepPermanently: Bool
    var prefix: String
}

/// The site backup jobs of the Data Center twin. A job writes the export the twin serves
/// as a backup zip (the layout of Confluence's backup job) on a task of its own; one site
/// backup runs at a time, as in Confluence. The file is what the twin was loaded from:
/// changes made later through `/__twin/` are not in it.
final class DCBackupJobs: Sendable {
    private struct State {
        var jobs: [DCBackupJob] = []
        var nextID = 1
    }

    private let state = Mutex(State())
    let folder: URL
    /// Writes the backup zip (destination, include attachments).
    let write: @Sendable (URL, Bool) throws -> Void

    init(folder: URL, write: @escaping @Sendable (URL, Bool) throws -> Void) {
        self.folder = folder
        self.write = write
    }

    static let active: Set<String> = ["QUEUED", "PROCESSING", "COMPLETING"]

    /// `POST /rest/api/backup-restore/backup/site`.
    func startSiteBackup(_ request: TwinRequest, owner: String) throws -> JSONValue {
        let settings = request.body.isEmpty ? JSONValue.object([:]) : try Self.parse(request.body)
        let skip = settings["skipAttachments"]?.bool ?? false
        let keep = settings["keepPermanently"]?.bool ?? false
        let prefix = settings["fileNamePrefix"]?.string ?? "backup"
        guard prefix.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !prefix.isEmpty else {
            throw APIFailure(status: 400, message: "fileNamePrefix may hold letters, digits, '-', '_' and '.' only.")
        }
        let job: DCBackupJob = try state.withLock { state in
            if state.jobs.contains(where: { Self.active.contains($0.state) }) {
                throw APIFailure(status: 409, message: "A site backup job is already queued or in progress.")
            }
            defer { state.nextID += 1 }
            let job = DCBackupJob(
                id: state.nextID, state: "QUEUED", created: Date(), owner: owner, skipAttachments: skip,
                keepPermanently: keep, prefix: prefix)
            state.jobs.append(job)
            return job
        }
        let id = job.id
        Task.detached { [self] in self.run(id) }
        return Self.json(job)
    }

    private func run(_ id: Int) {
        let settings: (skip: Bool, prefix: String)? = state.withLock { state in
            guard let index = state.jobs.firstIndex(where: { $0.id == id }), state.jobs[index].state == "QUEUED"
            else { return nil }
            state.jobs[index].state = "PROCESSING"
            state.jobs[index].started = Date()
            return (state.jobs[index].skipAttachments, state.jobs[index].prefix)
        }
        guard let settings else { return }
        let stamp = DCDates.format(Date()).prefix(19).replacingOccurrences(of: ":", with: "")
        let name = "\(settings.prefix)-\(stamp)-\(id).zip"
        let file = folder.appendingPathComponent(name)
        var failure: String?
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try write(file, !settings.skip)
        } catch {
            failure = "\(error)"
        }
        state.withLock { state in
            guard let index = state.jobs.firstIndex(where: { $0.id == id }) else { return }
            state.jobs[index].finished = Date()
            if state.jobs[index].state == "CANCELLING" {
                state.jobs[index].state = "CANCELLED"
                try? FileManager.default.removeItem(at: file)
            } else if let failure {
                state.jobs[index].state = "FAILED"
                state.jobs[index].error = failure
            } else {
                state.jobs[index].state = "FINISHED"
                state.jobs[index].fileName = name
                state.jobs[index].file = file
            }
        }
    }

    func job(_ text: String) throws -> DCBackupJob {
        guard let id = Int(text), let job = state.withLock({ $0.jobs.first { $0.id == id } }) else {
            throw APIFailure(status: 404, message: "Job with id \(text) not found.")
        }
        return job
    }

    /// `PUT /rest/api/backup-restore/jobs/{id}/cancel`.
    func cancel(_ text: String, by user: String) throws -> JSONValue {
        let job = try job(text)
        let updated: DCBackupJob? = state.withLock { state in
            guard let index = state.jobs.firstIndex(where: { $0.id == job.id }) else { return nil }
            switch state.jobs[index].state {
            case "QUEUED":
                state.jobs[index].state = "CANCELLED"
                state.jobs[index].cancelled = Date()
                state.jobs[index].cancelledBy = user
            case "PROCESSING", "COMPLETING":
                state.jobs[index].state = "CANCELLING"
                state.jobs[index].cancelled = Date()
                state.jobs[index].cancelledBy = user
            default: break
            }
            return state.jobs[index]
        }
        return Self.json(updated ?? job)
    }

    /// `GET /rest/api/backup-restore/jobs`, newest first, filtered by scope, operation and states.
    func list(_ request: TwinRequest) -> JSONValue {
        let states = Set((request.query("jobStates") ?? "").split(separator: ",").map { String($0) })
        let scope = request.query("jobScope")
        let operation = request.query("jobOperation")
        let limit = request.query("limit").flatMap(Int.init) ?? 25
        let jobs = state.withLock { $0.jobs }.reversed().filter { job in
            (states.isEmpty || states.contains(job.state)) && (scope == nil || scope == "SITE")
                && (operation == nil || operation == "BACKUP")
        }
        return ["results": .array(jobs.prefix(max(limit, 0)).map(Self.json)), "start": 0, "limit": JSONValue(limit)]
    }

    /// `GET /rest/api/backup-restore/jobs/{id}/download`: the finished job's zip, streamed.
    func download(_ text: String) throws -> Response {
        let job = try job(text)
        guard job.state == "FINISHED", let file = job.file, let name = job.fileName,
            let handle = FileHandle(forReadingAtPath: file.path)
        else {
            throw APIFailure(status: 404, message: "The backup file of job \(text) is missing or not finished.")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        var fields = HTTPFields()
        fields[.contentType] = "application/zip"
        fields[.contentLength] = "\(size)"
        fields[.contentDisposition] = "attachment; filename=\"\(name)\""
        return Response(
            status: .ok, headers: fields,
            body: ResponseBody { writer in
                defer { try? handle.close() }
                while true {
                    let chunk = try handle.read(upToCount: 64 * 1024) ?? Data()
                    if chunk.isEmpty { break }
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
    }

    static func parse(_ body: [UInt8]) throws -> JSONValue {
        do { return try JSONValue.parse(Data(body)) } catch {
            throw APIFailure(status: 400, message: "The site backup settings are not valid JSON.")
        }
    }

    static func json(_ job: DCBackupJob) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": JSONValue(job.id), "jobOperation": "BACKUP", "jobScope": "SITE", "jobState": .string(job.state),
            "createTime": .string(DCDates.format(job.created)), "owner": .string(job.owner),
            "fileExists": .bool(job.file.map { FileManager.default.fileExists(atPath: $0.path) } ?? false),
            "jobSettings": [
                "skipAttachments": .bool(job.skipAttachments), "keepPermanently": .bool(job.keepPermanently),
                "fileNamePrefix": .string(job.prefix),
            ],
        ]
        if let started = job.started { object["startProcessingTime"] = .string(DCDates.format(started)) }
        if let finished = job.finished { object["finishProcessingTime"] = .string(DCDates.format(finished)) }
        if let cancelled = job.cancelled { object["cancelTime"] = .string(DCDates.format(cancelled)) }
        if let user = job.cancelledBy { object["cancelledBy"] = .string(user) }
        if let name = job.fileName { object["fileName"] = .string(name) }
        if let error = job.error { object["errorMessage"] = .string(error) }
        return .object(object)
    }
}
