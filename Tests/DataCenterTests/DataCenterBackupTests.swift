import ConfluenceDataCenter
import ConfluenceExport
import Foundation
import Testing

@Suite("Site backups through the backup and restore API of the DC twin", .serialized)
struct DataCenterBackupTests {
    static func waitForEnd(_ client: DataCenterClient, _ start: DCBackupJob) async throws -> DCBackupJob {
        var job = start
        for _ in 0..<200 where !job.isOver {
            try await Task.sleep(for: .milliseconds(50))
            job = try await client.backupJob(id: job.id)
        }
        return job
    }

    @Test("a site backup job is queued, finishes, and its zip downloads as the export the twin serves")
    func siteBackupRoundTrip() async throws {
        let fixture = try await TwinFixture.start(version: 9, spaces: 2, pages: 12, attachments: 4)
        defer { Task { await fixture.stop() } }
        let client = try fixture.client()
        defer { Task { try? await client.transport.shutdown() } }

        let started = try await client.startSiteBackup(includeAttachments: true, fileNamePrefix: "ferry-test")
        let job = try #require(started)
        #expect(["QUEUED", "PROCESSING", "FINISHED"].contains(job.jobState))
        let finished = try await Self.waitForEnd(client, job)
        #expect(finished.jobState == "FINISHED")
        #expect(finished.fileName?.hasPrefix("ferry-test-") == true, "\(finished)")
        #expect(finished.fileExists == true)

        let file = fixture.directory.appendingPathComponent("downloaded.zip")
        let bytes = try await client.downloadBackup(jobID: finished.id, to: file)
        #expect(bytes > 0)
        let original = try ExportPackage.open(fixture.directory.appendingPathComponent("site"))
        let backup = try ExportPackage.open(file)
        #expect(backup.entitiesSize == original.entitiesSize)
        #expect(backup.exportType == original.exportType)
        #expect(backup.warnings.isEmpty, "\(backup.warnings)")
        let originalFiles = try original.files(under: "attachments/").map(\.path)
        #expect(!originalFiles.isEmpty)
        #expect(try backup.files(under: "attachments/").map(\.path) == originalFiles)

        // Listed among the finished site backups, newest first.
        let listed = try await client.backupJobs(states: ["FINISHED"])
        #expect(listed.first?.id == finished.id)

        // Without attachments: the same entities, no attachments/ folder.
        let slim = try #require(try await client.startSiteBackup(includeAttachments: false, fileNamePrefix: "slim"))
        let slimDone = try await Self.waitForEnd(client, slim)
        #expect(slimDone.jobState == "FINISHED")
        let slimFile = fixture.directory.appendingPathComponent("slim.zip")
        _ = try await client.downloadBackup(jobID: slimDone.id, to: slimFile)
        let slimPackage = try ExportPackage.open(slimFile)
        #expect(slimPackage.entitiesSize == original.entitiesSize)
        #expect(try slimPackage.files(under: "attachments/").isEmpty)
    }

    @Test("a job that does not exist is a clear error; Confluence 7 has no backup API (nil, not a failure)")
    func missingJobAndOldSite() async throws {
        let fixture = try await TwinFixture.start(version: 9, spaces: 1, pages: 4, attachments: 0)
        let client = try fixture.client()
        do {
            _ = try await client.backupJob(id: 987)
            Issue.record("a missing job was accepted")
        } catch let error as DataCenterError {
            #expect(error.summary.contains("987"), "\(error.summary)")
            #expect(error.remedy?.contains("--site-backup") == true)
        }
        do {
            _ = try await client.downloadBackup(
                jobID: 987, to: fixture.directory.appendingPathComponent("none.zip"))
            Issue.record("downloading a missing job succeeded")
        } catch let error as DataCenterError {
            #expect(error.summary.contains("HTTP 404"), "\(error.summary)")
        }
        try? await client.transport.shutdown()
        await fixture.stop()

        let old = try await TwinFixture.start(version: 7, spaces: 1, pages: 4, attachments: 0)
        let oldClient = try old.client()
        let job = try await oldClient.startSiteBackup(includeAttachments: true, fileNamePrefix: "x")
        #expect(job == nil)
        try? await oldClient.transport.shutdown()
        await old.stop()
    }
}
