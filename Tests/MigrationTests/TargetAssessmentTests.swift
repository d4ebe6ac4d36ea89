import ConfluenceCloud
import Migration
import Reports
import Testing

@Suite("target permissions")
struct TargetAssessmentTests {
    @Test("an account that may neither create spaces nor administer gets two critical findings")
    func missingOperations() {
        let account = CloudCurrentUser(
            accountId: "abc", displayName: "Reader", email: nil,
            operations: [CloudCurrentUser.Operation(operation: "use", targetType: "application")])
        let findings = TargetAssessment.permissionFindings(account, site: "https://corp.atlassian.net")
        #expect(findings.map(\.id).sorted() == ["target.permission:administer", "target.permission:create space"])
        #expect(findings.allSatisfy { $0.severity == .critical && $0.category == "target.permission" })
    }

    @Test("a site admin needs nothing; unknown operations are a warning")
    func admin() {
        let admin = CloudCurrentUser(
            accountId: "abc", displayName: "Admin", email: nil,
            operations: [
                CloudCurrentUser.Operation(operation: "administer", targetType: "application"),
                CloudCurrentUser.Operation(operation: "create", targetType: "space"),
            ])
        #expect(TargetAssessment.permissionFindings(admin, site: "s").isEmpty)
        let unknown = CloudCurrentUser(accountId: "abc", displayName: nil, email: nil, operations: nil)
        #expect(TargetAssessment.permissionFindings(unknown, site: "s").map(\.severity) == [.warning])
    }
}
