import Foundation
import Transport

/// The account Ferry writes as, and what Cloud lets it do.
public struct CloudCurrentUser: Sendable, Equatable {
    public struct Operation: Sendable, Hashable {
        public var operation: String
        public var targetType: String

        public init(operation: String, targetType: String) {
            self.operation = operation
            self.targetType = targetType
        }
    }

    public var accountId: String
    public var displayName: String?
    public var email: String?
    /// `nil` when the site did not return operations.
    public var operations: Set<Operation>?

    public init(accountId: String, displayName: String?, email: String?, operations: Set<Operation>?) {
        self.accountId = accountId
        self.displayName = displayName
        self.email = email
        self.operations = operations
    }
}

extension ConfluenceCloudClient {
    /// `GET /wiki/rest/api/user/current?expand=operations`: proves the credentials work and
    /// lists the operations (create space, administer…) the account may perform.
    public func currentUserOperations() async throws -> CloudCurrentUser {
        let operation = "Reading the current user"
        let reply = try await send("GET", "\(Self.v1)/user/current" + Self.query([("expand", "operations")]))
        try check(reply, operation)
        let object = reply.object
        guard let accountId = object["accountId"] as? String else {
            throw CloudError.malformedResponse(operation: operation, detail: "no accountId in the reply")
        }
        let operations = (object["operations"] as? [[String: Any]]).map { list in
            Set(
                list.compactMap { item -> CloudCurrentUser.Operation? in
                    guard let name = item["operation"] as? String, let target = item["targetType"] as? String else {
                        return nil
                    }
                    return CloudCurrentUser.Operation(operation: name, targetType: target)
                })
        }
        return CloudCurrentUser(
            accountId: accountId, displayName: object["displayName"] as? String, email: object["email"] as? String,
            operations: operations)
    }
}
